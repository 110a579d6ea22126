// `npm run bench` (reports): e-mail reports against a real SMTP server (smtp-server on loopback).
// - One full report (six KPI charts, every section, the CSV and the PDF) rendered and sent to one
//   recipient, median of BENCH_REPORT_RUNS; beside it, the baseline measured in the same run:
//   nodemailer sending a message of the same size (the SMTP cost alone).
// - The live wall's freshness (ingest acknowledgement → the delta that includes it, per client)
//   with 20 websocket clients at TICK_MS=100 while events stream in: with no report running (the
//   baseline), while 20 reports render and send, and with none again. The SMTP server keeps raw messages
//   only: parsing them here would slow the clients' clock-keeping.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import type { ReportRun } from '../../shared/schemas/reports.js';
import { killAllHubs, startChildHub } from '../helpers/child.js';
import { REPORT_KPIS, reportHistory } from '../helpers/report-data.js';
import { DEMO_BRANDS } from '../helpers/server.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { freshness, openLiveClients } from './live-clients.js';

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number(process.env.BENCH_REPORT_RUNS ?? (QUICK ? 5 : 9));
const CLIENTS = 20;
const REPORTS = 20;
const STREAM_SECONDS = QUICK ? 8 : 15;
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

async function main(): Promise<void> {
  const smtp = await startSmtpSink({ parse: false });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-reports-bench-'));
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
  const last = smtp.received.at(-1)!;
  const pngs = (await simpleParser(last.raw, { skipImageLinks: true })).attachments.filter(
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
      attachments: [{ filename: 'blob.bin', content: Buffer.alloc(last.raw.length, 7) }],
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
  const stream = async (seconds: number) => {
    const acks: number[] = [];
    const end = Date.now() + seconds * 1000;
    let n = 0;
    const pending = new Set<Promise<void>>();
    for (let next = Date.now(); Date.now() < end; next += (BATCH / RATE) * 1000) {
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
          await r.arrayBuffer();
          acks.push(Date.now());
          pending.delete(p);
        },
      );
      pending.add(p);
    }
    await Promise.all(pending);
    await new Promise((r) => setTimeout(r, 1000));
    return freshness(acks, arrivals);
  };
  await stream(2); // warm
  const quiet = await stream(STREAM_SECONDS);
  for (let i = 0; i < REPORTS; i++) await report(`r${i}`);
  const started = performance.now();
  let doneAt = 0;
  const sending = Promise.all(Array.from({ length: REPORTS }, (_, i) => send(`r${i}`))).then(
    () => (doneAt = performance.now()),
  );
  const busy = await stream(STREAM_SECONDS);
  await sending;
  const allSent = (doneAt - started) / 1000;
  // Quiet again: the wall slows down as its window fills up and as the hub's own background work
  // comes round, so the busy phase is compared with the quiet ones on both sides of it.
  const after = await stream(STREAM_SECONDS);

  for (const ws of sockets) ws.terminate();
  hub.child.kill('SIGTERM');
  await hub.exited;
  await smtp.close();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const ms = (x: number) => `${x.toFixed(0)} ms`;
  console.log('\nReports (one full report: 7 sections, 6 charts, CSV and PDF, to a real SMTP server)');
  console.log(
    `  render + send, median of ${RUNS}: ${ms(median(totals))} (render ${ms(median(renders))}); ${pngs} PNG parts, ${(last.raw.length / 1024).toFixed(0)} kB`,
  );
  console.log(`  baseline, nodemailer sending the same size alone: ${ms(median(baseline))}`);
  console.log(`  goal ≤ 1 s per report: ${median(totals) <= 1000 ? 'met' : 'NOT met'}`);
  console.log(`\nLive freshness, ${CLIENTS} clients, ${RATE / 1000} k events/s, TICK_MS=100`);
  console.log(
    `  baseline, no report running (before): p50 ${ms(quantile(quiet, 0.5))}, p99 ${ms(quantile(quiet, 0.99))} (${quiet.length} samples)`,
  );
  console.log(
    `  while ${REPORTS} reports render and send: p50 ${ms(quantile(busy, 0.5))}, p99 ${ms(quantile(busy, 0.99))} (${busy.length} samples)`,
  );
  console.log(
    `  baseline, no report running (after): p50 ${ms(quantile(after, 0.5))}, p99 ${ms(quantile(after, 0.99))} (${after.length} samples)`,
  );
  console.log(`  the ${REPORTS} reports took ${allSent.toFixed(1)} s in all (one at a time)`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => killAllHubs());
