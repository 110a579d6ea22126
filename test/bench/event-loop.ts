// `npm run bench` (second part): how long the hub's event loop is blocked while it ingests one
// 64 MB body in each text format. The body is sent by a separate process so that only the
// server's work shows; the delay is read with monitorEventLoopDelay (the same clock heartbeats
// and ticks would wait on). Baseline in the same run: the delay while the server is idle.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { putWorkspace, startServer } from '../helpers/server.js';
import { ownerToken } from '../helpers/sign-in.js';
import { BRANDS, generate, toCsv, toNdjson, WORKSPACE } from './data.js';

const TARGET_BYTES = 63 * 1024 * 1024;
const REPS = Number(process.env.BENCH_REPS ?? 3);

/** POSTs a file from a child process (so the client's work is not on this event loop). */
function postFromChild(url: string, file: string, contentType: string): Promise<string> {
  const script = `const fs=require('fs');fetch(process.argv[1],{method:'POST',headers:{'content-type':process.argv[3],authorization:'Bearer '+process.argv[4]},body:fs.readFileSync(process.argv[2])}).then(r=>r.text()).then(t=>process.stdout.write(t),e=>{console.error(e);process.exit(1)})`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, url, file, contentType, ownerToken(url) ?? ''], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`client exited with ${code}`))));
  });
}

function rowsFor(bytesPerRow: number): number {
  return Math.floor(TARGET_BYTES / bytesPerRow);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const server = await startServer({ maxBodyMb: 64 });
  await putWorkspace(server.url, WORKSPACE, { brands: BRANDS });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-loop-'));
  const probe = generate(10_000);
  const ndjsonRows = rowsFor(toNdjson(probe, 0, 10_000).length / 10_000);
  const csvRows = rowsFor(toCsv(probe, 0, 10_000).length / 10_000);
  const data = generate(Math.max(ndjsonRows, csvRows));
  const ndjson = toNdjson(data, 0, ndjsonRows);
  const files = [
    { name: 'NDJSON', type: 'application/x-ndjson', body: ndjson, rows: ndjsonRows },
    {
      name: 'JSON array',
      type: 'application/json',
      body: Buffer.from(`[${ndjson.toString().trimEnd().split('\n').join(',')}]`),
      rows: ndjsonRows,
    },
    { name: 'CSV', type: 'text/csv', body: toCsv(data, 0, csvRows), rows: csvRows },
  ].map((f) => {
    const file = path.join(dir, f.name.replace(' ', '-'));
    fs.writeFileSync(file, f.body);
    return { ...f, file, mb: f.body.length / 1048576 };
  });

  const idle = monitorEventLoopDelay({ resolution: 5 });
  idle.enable();
  await new Promise((r) => setTimeout(r, 2000));
  idle.disable();

  console.log(
    `Event loop while one ~64 MB body is ingested (body sent from another process; ${REPS} reps, median)`,
  );
  console.log(
    `idle baseline: max ${(idle.max / 1e6).toFixed(1)} ms, p99 ${(idle.percentile(99) / 1e6).toFixed(1)} ms`,
  );
  console.log('format       MB   rows      seconds  rows/s    max delay  p99 delay');
  for (const f of files) {
    const runs: { seconds: number; max: number; p99: number }[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      const started = performance.now();
      const answer = JSON.parse(
        await postFromChild(`${server.url}/api/v1/workspaces/${WORKSPACE}/events`, f.file, f.type),
      ) as {
        accepted: number;
      };
      const seconds = (performance.now() - started) / 1000;
      h.disable();
      if (answer.accepted !== f.rows) throw new Error(`${f.name}: accepted ${answer.accepted} of ${f.rows}`);
      runs.push({ seconds, max: h.max / 1e6, p99: h.percentile(99) / 1e6 });
    }
    const seconds = median(runs.map((r) => r.seconds));
    console.log(
      `${f.name.padEnd(11)} ${f.mb.toFixed(1).padStart(5)} ${String(f.rows).padStart(8)} ${seconds.toFixed(2).padStart(9)}  ` +
        `${(f.rows / seconds / 1e6).toFixed(3)} M  ${median(runs.map((r) => r.max))
          .toFixed(0)
          .padStart(6)} ms  ${median(runs.map((r) => r.p99))
          .toFixed(0)
          .padStart(6)} ms`,
    );
  }
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

await main();
