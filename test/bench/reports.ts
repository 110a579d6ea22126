// `npm run bench` (reports): e-mail reports against a real SMTP server (smtp-server on loopback).
// - One full report (six KPI charts, every section, the CSV and the PDF) rendered and sent to one
//   recipient, median of BENCH_REPORT_RUNS; beside it, the baseline measured in the same run:
//   nodemailer sending a message of the same size (the SMTP cost alone).
// - The live wall's freshness (an ingest answer → the first delta holding its commit, per client)
//   with 20 websocket clients at TICK_MS=100 while events stream in: in rounds of a quiet phase
//   (no report running, the baseline) and a busy one (20 reports sent at once), and a quiet one to
//   end. The SMTP server runs in a process of its own (smtp-child.ts): receiving the mails in this
//   one would slow the clients' clock-keeping.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import type { ReportRun } from '../../shared/schemas/reports.js';
import { killAllHubs, startChildHub } from '../helpers/child.js';
import { REPORT_KPIS, reportHistory } from '../helpers/report-data.js';
import { DEMO_BRANDS } from '../helpers/server.js';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { type Ack, ackOf, freshness, openLiveClients } from './live-clients.js';

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number(process.env.BENCH_REPORT_RUNS ?? (QUICK ? 5 : 9));
const CLIENTS = 20;
const REPORTS = 20;
const QUIET_SECONDS = QUICK ? 6 : 10;
const ROUNDS = QUICK ? 2 : 3;
const RATE = 10_000;
const BATCH = 1_000;
const WS = 'reports-bench';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/** The SMTP server as a child process: its URL, and the last message it received. */
async function startSmtpChild(dir: string) {
  const lastFile = path.join(dir, 'last.eml');
  const args = ['--import', 'tsx', path.join(import.meta.dirname, 'smtp-child.ts'), lastFile];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  let received = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the SMTP server stopped (${code})`)));
    lines.once('line', resolve);
  });
  lines.on('line', (line) => (received = Number(line.split(' ')[0])));
  return {
    url,
    received: () => received,
    last: () => fs.readFileSync(lastFile),
    close: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-reports-bench-'));
  const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-reports-bench-mail-'));
  const smtp = await startSmtpChild(mailDir);
  const hub = await startChildHub(dataDir, { TICK_MS: '100', SMTP_URL: smtp.url });
  const api = (p: string, init: RequestInit = {}) =>
    fetch(`${hub.url}/api/v1/workspaces/${WS}${p}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
  await fetch(`${hub.url}/api/v1/workspaces/${WS}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Reports bench', timezone: 'Europe/Paris', brands: DEMO_BRANDS }),
  });
  const history = reportHistory(21);
  for (let at = 0; at < history.length; at += 20_000) {
    const r = await api('/events', { method: 'POST', body: JSON.stringify(history.slice(at, at + 20_000)) });
    if (r.status !== 200) throw new Error(`ingest: ${r.status} ${await r.text()}`);
  }
  await api('/objectives/month-mentions', {
    method: 'PUT',
    body: JSON.stringify({
      kpi: 'mentions',
      period: { calendar: 'month' },
      target: 50_000,
      direction: 'at_least',
    }),
  });
  const report = (id: string) =>
    api(`/reports/${id}`, {
      method: 'PUT',
      body: JSON.stringify({
        name: `Full report ${id}`,
        cron: '0 8 1 1 *',
        timezone: 'Europe/Paris',
        recipients: [{ email: `${id}@client.example` }],
        content: {
          window: 'last_7d',
          kpis: REPORT_KPIS,
          sections: ['summary', 'benchmark', 'dpi', 'objectives', 'alerts', 'forecast', 'charts'],
        },
        attachPdf: true,
      }),
    });
  const send = async (id: string) => {
    const r = await api(`/reports/${id}/send`, { method: 'POST', body: '{}' });
    let run = (await r.json()) as ReportRun;
    // 202: still sending after 15 s (twenty queued reports); the history says when it ends.
    while (r.status === 202 && run.endedAt === null) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const runs = (await (await api(`/reports/${id}/runs`)).json()) as { rows: ReportRun[] };
      run = runs.rows.find((row) => row.id === run.id) ?? run;
    }
    if (run.status !== 'sent') throw new Error(`report ${id}: ${r.status} ${JSON.stringify(run)}`);
    return run;
  };

  // One full report: warm once (the forecasts are fitted and stored), then RUNS sends.
  await report('full');
  await send('full');
  const totals: number[] = [];
  const renders: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await send('full');
    totals.push(Date.parse(run.endedAt!) - Date.parse(run.startedAt));
    renders.push(run.renderMs ?? NaN);
  }
  // The child writes each message a moment after it arrives.
  const expected = RUNS + 1;
  while (smtp.received() < expected) await new Promise((r) => setTimeout(r, 50));
  const lastMail = smtp.last();
  const pngs = (await simpleParser(lastMail, { skipImageLinks: true })).attachments.filter(
    (a) => a.contentType === 'image/png',
  ).length;
  // Baseline: the same number of bytes through nodemailer to the same server, no rendering.
  const transport = nodemailer.createTransport(smtp.url);
  const baseline: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await transport.sendMail({
      from: 'bench@hub.example',
      to: 'baseline@client.example',
      subject: 'baseline',
      text: 'x',
      attachments: [{ filename: 'blob.bin', content: Buffer.alloc(lastMail.length, 7) }],
    });
    baseline.push(performance.now() - t0);
  }
  transport.close();

  // Live freshness: 20 clients on the wall's tiles while RATE events/s stream in.
  const { sockets, arrivals } = await openLiveClients(hub.url, CLIENTS, () => ({
    type: 'subscribe',
    id: 't',
    topic: 'tiles',
    params: { workspace: WS, kpis: ['mentions', 'share_of_voice'], window: '24h' },
  }));
  /** Streams RATE events/s until `until` settles; the freshness of each answered request. */
  const stream = async (until: Promise<unknown>) => {
    const acks: Ack[] = [];
    let over = false;
    void until.finally(() => (over = true));
    let n = 0;
    const pending = new Set<Promise<void>>();
    for (let next = Date.now(); !over; next += (BATCH / RATE) * 1000) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const ts = new Date(Date.now() - 1000).toISOString();
      const rows = Array.from({ length: BATCH }, (_, i) => ({
        ts,
        brand: DEMO_BRANDS[(n + i) % 3]!.id,
        touchpoint: 'social',
        source: 'x',
        metric: 'mentions',
        value: 1,
      }));
      n += BATCH;
      const p: Promise<void> = api('/events', { method: 'POST', body: JSON.stringify(rows) }).then(
        async (r) => {
          acks.push(await ackOf(r));
          pending.delete(p);
        },
      );
      pending.add(p);
    }
    await Promise.all(pending);
    await sleep(1000);
    return freshness(acks, arrivals);
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await stream(sleep(2000)); // warm
  for (let i = 0; i < REPORTS; i++) await report(`r${i}`);
  // Rounds of a quiet phase (no report running) then a busy one (the 20 reports sent at once,
  // running one at a time), and a quiet one to end: the wall's pace drifts over a run (its
  // window fills, the hub's background work comes round), so each busy phase has quiet ones on
  // both sides and the comparison pools them.
  const quiet: number[][] = [];
  const busy: number[][] = [];
  const took: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    quiet.push(await stream(sleep(QUIET_SECONDS * 1000)));
    const started = performance.now();
    const sending = Promise.all(Array.from({ length: REPORTS }, (_, i) => send(`r${i}`))).then(() =>
      took.push((performance.now() - started) / 1000),
    );
    busy.push(await stream(sending));
  }
  quiet.push(await stream(sleep(QUIET_SECONDS * 1000)));

  for (const ws of sockets) ws.terminate();
  hub.child.kill('SIGTERM');
  await hub.exited;
  await smtp.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(mailDir, { recursive: true, force: true });

  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const p99 = (xs: number[]) => quantile(xs, 0.99);
  const figures = (xs: number[]) => `p50 ${ms(quantile(xs, 0.5))}, p99 ${ms(p99(xs))} (${xs.length} samples)`;
  console.log('\nReports (one full report: 7 sections, 6 charts, CSV and PDF, to a real SMTP server)');
  console.log(
    `  render + send, median of ${RUNS}: ${ms(median(totals))} (render ${ms(median(renders))}); ${pngs} PNG parts, ${(lastMail.length / 1024).toFixed(0)} kB`,
  );
  console.log(`  baseline, nodemailer sending the same size alone: ${ms(median(baseline))}`);
  console.log(`  goal ≤ 1 s per report: ${median(totals) <= 1000 ? 'met' : 'NOT met'}`);
  console.log(
    `\nLive freshness, ${CLIENTS} clients, ${RATE / 1000} k events/s, TICK_MS=100 (answer → first delta holding its commit)`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`  round ${round + 1}: quiet ${figures(quiet[round]!)}`);
    console.log(
      `           ${REPORTS} reports sending (${took[round]!.toFixed(1)} s): ${figures(busy[round]!)}`,
    );
  }
  console.log(`  end:     quiet ${figures(quiet[ROUNDS]!)}`);
  const quietAll = quiet.flat();
  const busyAll = busy.flat();
  const worstQuiet = Math.max(...quiet.map(p99));
  const phases = (xs: number[][]) => ms(median(xs.map(p99)));
  console.log(`  median of the phases' p99: quiet ${phases(quiet)}, busy ${phases(busy)}`);
  console.log(`  all quiet phases (the baseline): ${figures(quietAll)}`);
  console.log(`  all busy phases:                 ${figures(busyAll)}`);
  console.log(
    `  goal, freshness unchanged (busy p99 ≤ the worst quiet phase's, ${ms(worstQuiet)}): ${p99(busyAll) <= worstQuiet ? 'met' : 'NOT met'}; busy − quiet p99 ${ms(p99(busyAll) - p99(quietAll))}`,
  );
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => killAllHubs());
