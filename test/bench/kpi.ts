// `npm run bench` (third part): the questions the dashboard and reports ask, answered by the hub
// from its rollups, against the same questions asked of the raw events table directly, in the same
// run, on the same DuckDB file. BENCH_KPI_ROWS sets how many events (default 10,000,000, spread
// over the last 90 days; 50,000,000 for the issue's larger figure).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database } from '../../server/db/database.js';
import { killAllHubs, startChildHub } from '../helpers/child.js';
import { mulberry32 } from '../../shared/random.js';
import { BRANDS, generate, toArrowIpc, WORKSPACE } from './data.js';

const ROWS = Number(process.env.BENCH_KPI_ROWS ?? 10_000_000);
const REPS = Number(process.env.BENCH_REPS ?? 9);
const CHUNK = 1_000_000;
const REQUEST = 500_000;
const DAY = 86_400_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

async function timed(fn: (rep: number) => Promise<unknown>): Promise<{ first: number; median: number }> {
  let t = performance.now();
  await fn(0);
  const first = performance.now() - t;
  const runs: number[] = [];
  for (let i = 1; i <= REPS; i++) {
    t = performance.now();
    await fn(i);
    runs.push(performance.now() - t);
  }
  return { first, median: median(runs) };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-kpi-bench-'));
  const hub = await startChildHub(dataDir, {
    COMPACT_INTERVAL_MS: '30000',
    RETENTION_INTERVAL_MS: '0',
    MAX_BODY_MB: '256',
  });
  const base = `${hub.url}/api/v1/workspaces/${WORKSPACE}`;
  await fetch(base, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', timezone: 'Europe/Paris', brands: BRANDS }),
  });
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const random = mulberry32(90);
  const t0 = performance.now();
  for (let loaded = 0, seed = 1; loaded < ROWS; loaded += CHUNK, seed++) {
    const n = Math.min(CHUNK, ROWS - loaded);
    const cols = generate(n, now, seed);
    for (let i = 0; i < n; i++) cols.ts[i] = now - 60_000 - Math.floor(random() * 90 * DAY);
    for (let from = 0; from < n; from += REQUEST) {
      const response = await fetch(`${base}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
        body: toArrowIpc(cols, from, Math.min(n, from + REQUEST)),
      });
      if (response.status !== 200) throw new Error(`preload: ${response.status} ${await response.text()}`);
    }
  }
  const preloadSeconds = (performance.now() - t0) / 1000;
  // Let one compaction merge the partials, as it would on a live hub.
  await new Promise((r) => setTimeout(r, 35_000));

  const at = new Date(now).toISOString();
  const iso = (x: number) => new Date(x).toISOString();
  // The hub is asked as a live wall asks: each repetition one minute later than the one before
  // (the first ask finds nothing cached; later ones reuse the ranges the window still covers).
  const MINUTE = 60_000;
  const atRep = (rep: number) => now - (REPS - rep) * MINUTE;
  const five = BRANDS.slice(0, 5)
    .map((b) => b.id)
    .join(',');
  const get = (url: (at: string, atMs: number) => string) => async (rep: number) => {
    const atMs = atRep(rep);
    const response = await fetch(url(iso(atMs), atMs));
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  const hubQueries: [string, (rep: number) => Promise<void>][] = [
    [
      'share of voice, 7d vs previous 7d',
      get((at) => `${base}/benchmark?kpi=share_of_voice&window=7d&at=${at}`),
    ],
    [
      'hourly engagements, 28d, 5 brands',
      get(
        (at, t) =>
          `${base}/kpis/engagements/series?grain=hour&from=${iso(t - 28 * DAY)}&to=${at}&brands=${five}`,
      ),
    ],
    [
      'daily net sentiment, 90d',
      get((at, t) => `${base}/kpis/net_sentiment/series?grain=day&from=${iso(t - 90 * DAY)}&to=${at}`),
    ],
    ['DPI rank, 30d vs previous 30d', get((at) => `${base}/benchmark?kpi=dpi&window=30d&at=${at}`)],
    [
      'last hour by minute (mentions)',
      get((at, t) => `${base}/series?metric=mentions&grain=minute&from=${iso(t - 3_600_000)}&to=${at}`),
    ],
  ];
  const hubTimes: { first: number; median: number }[] = [];
  for (const [, query] of hubQueries) hubTimes.push(await timed(query));
  hub.child.kill('SIGTERM');
  await hub.exited;

  // The same questions of the raw events, on the same file, with the hub stopped (one process per file).
  const db = await Database.open(path.join(dataDir, 'convergence.duckdb'), { readers: 1 });
  const p = { now: at, tz: 'Europe/Paris' };
  const raw = (sql: string) => () => db.read((s) => s.rows(sql, p));
  const joined = `events e JOIN series s ON s.id = e.series`;
  const rawQueries = [
    raw(`SELECT s.brand, e.ts >= $now::TIMESTAMP - INTERVAL 7 DAY AS current, sum(value) FROM ${joined}
         WHERE s.metric = 'mentions' AND s.touchpoint IN ('social', 'media', 'viral')
           AND e.ts >= $now::TIMESTAMP - INTERVAL 14 DAY AND e.ts < $now::TIMESTAMP GROUP BY ALL`),
    raw(`SELECT s.brand, date_trunc('hour', e.ts) AS h, sum(value) FROM ${joined}
         WHERE s.metric = 'engagements' AND s.brand IN (${five
           .split(',')
           .map((b) => `'${b}'`)
           .join(',')})
           AND e.ts >= $now::TIMESTAMP - INTERVAL 28 DAY AND e.ts < $now::TIMESTAMP GROUP BY ALL`),
    raw(`SELECT s.brand, date_trunc('day', timezone($tz, e.ts::TIMESTAMPTZ)) AS d, s.metric, sum(value) FROM ${joined}
         WHERE s.metric IN ('positive_mentions', 'negative_mentions')
           AND e.ts >= $now::TIMESTAMP - INTERVAL 90 DAY AND e.ts < $now::TIMESTAMP GROUP BY ALL`),
    raw(`SELECT s.brand, s.touchpoint, s.metric, e.ts >= $now::TIMESTAMP - INTERVAL 30 DAY AS current, sum(value),
           arg_max(value, e.ts) FROM ${joined}
         WHERE e.ts >= $now::TIMESTAMP - INTERVAL 60 DAY AND e.ts < $now::TIMESTAMP GROUP BY ALL`),
    raw(`SELECT date_trunc('minute', e.ts) AS m, sum(value), count(*), min(value), max(value) FROM ${joined}
         WHERE s.metric = 'mentions' AND e.ts >= $now::TIMESTAMP - INTERVAL 1 HOUR AND e.ts < $now::TIMESTAMP GROUP BY ALL`),
  ];
  const rawTimes: number[] = [];
  for (const query of rawQueries) rawTimes.push((await timed(query)).median);
  await db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });

  console.log(
    `\nKPI queries on ${ROWS.toLocaleString('en')} events over 90 days (preloaded in ${preloadSeconds.toFixed(1)} s), ` +
      `median of ${REPS}; hub = HTTP answer from the rollups, each ask one minute after the previous one ` +
      `(first = the first ask, nothing cached); raw = the same question as one SQL query over events`,
  );
  console.log(
    'question                              first ms   hub ms    raw ms   hub/raw   goal (≤ 0.2× or ≤ 2 ms)',
  );
  hubQueries.forEach(([name], i) => {
    const hub = hubTimes[i]!;
    const ratio = hub.median / rawTimes[i]!;
    const met = ratio <= 0.2 || hub.median <= 2 ? 'met' : 'NOT met';
    console.log(
      `${name.padEnd(37)} ${ms(hub.first).padStart(8)} ${ms(hub.median).padStart(8)}  ${ms(rawTimes[i]!).padStart(8)}  ` +
        `${ratio.toFixed(2).padStart(7)}×   ${met}`,
    );
  });
}

main()
  .catch(async (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => killAllHubs());
