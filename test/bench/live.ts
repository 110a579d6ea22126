// `npm run bench` (fourth part): the live hub under load. 100 websocket clients subscribed (half to
// own-brand tiles, half to a benchmark) while 100 k events/s are ingested at TICK_MS=100:
// - freshness: from an ingest request's acknowledgement to the delta that includes it, per client;
// - tick cost with 1 M stored events, then with BENCH_LIVE_ROWS (default 50 M) stored, same load;
// - server RSS with every client reading, then with one client that stops reading.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAllHubs, startChildHub } from '../helpers/child.js';
import { mulberry32 } from '../../shared/random.js';
import { BRANDS, generate, toArrowIpc, WORKSPACE } from './data.js';
import { type Ack, ackOf, freshness, openLiveClients } from './live-clients.js';

const QUICK = process.env.BENCH_QUICK === '1';
const LARGE = Number(process.env.BENCH_LIVE_ROWS ?? (QUICK ? 5_000_000 : 50_000_000));
const SMALL = 1_000_000;
const CLIENTS = 100;
const RATE = 100_000;
const BATCH = 10_000;
const STREAM_SECONDS = QUICK ? 8 : 15;
const DAY = 86_400_000;

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

interface Figures {
  load: number;
  fresh: number[];
  tick: { meanMs: number; ticks: number };
  rss: { idle: number; reading: number; readingLonger: number; oneStuck: number; backlog: number };
}

/** One hub holding `rows` events, under the live load. */
async function measure(rows: number): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-live-bench-'));
  const hub = await startChildHub(dataDir, {
    TICK_MS: '100',
    COMPACT_INTERVAL_MS: '30000',
    RETENTION_INTERVAL_MS: '0',
    MAX_BODY_MB: '256',
    // DuckDB's buffer pool would otherwise grow towards 80 % of RAM and hide what the hub holds.
    DUCKDB_MEMORY_LIMIT: '2GB',
  });
  const base = `${hub.url}/api/v1/workspaces/${WORKSPACE}`;
  await fetch(base, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', timezone: 'Europe/Paris', brands: BRANDS }),
  });
  const post = async (body: Uint8Array) => {
    const response = await fetch(`${base}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
      body,
    });
    if (response.status !== 200) throw new Error(`ingest: ${response.status} ${await response.text()}`);
    return ackOf(response);
  };
  /**
   * History over the last 89 days, sent in time order as a producer's backfill would be (chunk k
   * holds the k-th slice of the span), ending an hour before the live windows' last minutes.
   */
  const random = mulberry32(7);
  let seed = 1000;
  const preload = async (target: number) => {
    const started = performance.now();
    const chunks = Math.ceil(target / 1_000_000);
    const spanEnd = Date.now() - 3_600_000;
    const slice = (89 * DAY) / chunks;
    for (let k = 0; k < chunks; k++) {
      const n = Math.min(1_000_000, target - k * 1_000_000);
      const cols = generate(n, Date.now(), seed++);
      const from = spanEnd - 89 * DAY + k * slice;
      for (let i = 0; i < n; i++) cols.ts[i] = Math.floor(from + random() * slice);
      for (let at = 0; at < n; at += 500_000) await post(toArrowIpc(cols, at, Math.min(n, at + 500_000)));
    }
    return (performance.now() - started) / 1000;
  };
  const metric = async (name: string) => {
    const text = await (await fetch(`${hub.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ')[1] ?? NaN);
  };

  const { sockets, arrivals } = await openLiveClients(hub.url, CLIENTS, (c) =>
    c % 2 === 0
      ? {
          type: 'subscribe',
          id: 't',
          topic: 'tiles',
          params: {
            workspace: WORKSPACE,
            kpis: ['mentions', 'share_of_voice', 'engagements', 'net_sentiment'],
            window: '24h',
          },
        }
      : {
          type: 'subscribe',
          id: 'b',
          topic: 'benchmark',
          params: { workspace: WORKSPACE, kpi: 'share_of_voice', window: '24h' },
        },
  );

  /** Streams RATE events/s of recent events; returns each request's acknowledgement time. */
  const stream = async (seconds: number) => {
    const acks: Ack[] = [];
    const end = Date.now() + seconds * 1000;
    let inFlight = 0;
    const pending: Promise<void>[] = [];
    for (let next = Date.now(); Date.now() < end; next += (BATCH / RATE) * 1000) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (inFlight >= 4) await Promise.race(pending);
      const cols = generate(BATCH, Date.now(), seed++);
      for (let i = 0; i < BATCH; i++) cols.ts[i] = Date.now() - 1000 - Math.floor(random() * 50_000);
      inFlight++;
      const p = post(toArrowIpc(cols, 0, BATCH)).then((ack) => {
        acks.push(ack);
        inFlight--;
        pending.splice(pending.indexOf(p), 1);
      });
      pending.push(p);
    }
    await Promise.all(pending);
    return acks;
  };

  const tickCost = async (run: () => Promise<unknown>) => {
    const [sum0, count0] = [
      await metric('convergence_live_tick_seconds_sum'),
      await metric('convergence_live_tick_seconds_count'),
    ];
    await run();
    const [sum1, count1] = [
      await metric('convergence_live_tick_seconds_sum'),
      await metric('convergence_live_tick_seconds_count'),
    ];
    return { meanMs: ((sum1 - sum0) / (count1 - count0)) * 1000, ticks: count1 - count0 };
  };

  const load = await preload(rows);
  await stream(2); // warm
  const idle = await metric('convergence_process_resident_memory_bytes');
  let acks: Ack[] = [];
  const tick = await tickCost(async () => (acks = await stream(STREAM_SECONDS)));
  await new Promise((r) => setTimeout(r, 1000));
  const fresh = freshness(acks, arrivals);
  const reading = await metric('convergence_process_resident_memory_bytes');
  // The same load again with every client reading (the baseline), then with one that stops reading.
  await stream(STREAM_SECONDS);
  const readingLonger = await metric('convergence_process_resident_memory_bytes');
  // It holds 40 more subscriptions, so that its share of the traffic outgrows the kernel's buffers.
  for (let i = 0; i < 40; i++) {
    sockets[0]!.send(
      JSON.stringify({
        type: 'subscribe',
        id: `extra${i}`,
        topic: 'tiles',
        params: {
          workspace: WORKSPACE,
          kpis: ['mentions', 'share_of_voice', 'engagements', 'net_sentiment'],
          window: '24h',
        },
      }),
    );
  }
  (sockets[0] as unknown as { _socket: { pause(): void } })._socket.pause();
  let backlog = 0;
  const sampler = setInterval(() => {
    void metric('convergence_live_backlog_bytes').then((b) => (backlog = Math.max(backlog, b)));
  }, 500);
  await stream(STREAM_SECONDS);
  clearInterval(sampler);
  const oneStuck = await metric('convergence_process_resident_memory_bytes');

  for (const ws of sockets) ws.terminate();
  hub.child.kill('SIGTERM');
  await hub.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { load, fresh, tick, rss: { idle, reading, readingLonger, oneStuck, backlog } };
}

async function main(): Promise<void> {
  const small = await measure(SMALL);
  const large = await measure(LARGE);
  const mb = (x: number) => `${(x / 1024 / 1024).toFixed(0)} MB`;
  const p = (f: Figures, q: number) => quantile(f.fresh, q).toFixed(0);
  console.log(
    `\nLive hub: ${CLIENTS} websocket clients (tiles and a benchmark), ${RATE.toLocaleString('en')} events/s ingested in ` +
      `${BATCH.toLocaleString('en')}-row Arrow requests for ${STREAM_SECONDS} s, TICK_MS=100; ` +
      `history sent in time order (${SMALL.toLocaleString('en')} events in ${small.load.toFixed(0)} s, ` +
      `${LARGE.toLocaleString('en')} in ${large.load.toFixed(0)} s)`,
  );
  for (const [name, f] of [
    [`${SMALL.toLocaleString('en')} stored`, small],
    [`${LARGE.toLocaleString('en')} stored`, large],
  ] as const) {
    console.log(
      `${name.padEnd(20)} freshness (ack → delta) p50 ${p(f, 0.5)} ms, p99 ${p(f, 0.99)} ms (${f.fresh.length} samples; ` +
        `goal p99 ≤ 300 ms: ${quantile(f.fresh, 0.99) <= 300 ? 'met' : 'NOT met'}); tick ${f.tick.meanMs.toFixed(1)} ms ` +
        `(${f.tick.ticks} ticks); RSS ${mb(f.rss.idle)} idle, ${mb(f.rss.reading)} then ${mb(f.rss.readingLonger)} ` +
        `with ${CLIENTS} clients reading, ${mb(f.rss.oneStuck)} after ${STREAM_SECONDS} s more with one not reading ` +
        `(its backlog peaked at ${(f.rss.backlog / 1024).toFixed(0)} kB)`,
    );
  }
  const ratio = large.tick.meanMs / small.tick.meanMs;
  console.log(
    `tick cost ${LARGE.toLocaleString('en')} vs ${SMALL.toLocaleString('en')} stored: ${ratio.toFixed(2)}× ` +
      `(goal ≤ 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'})`,
  );
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => killAllHubs());
