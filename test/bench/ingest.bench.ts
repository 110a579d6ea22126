// The measured paths: the hub (a–d, g) on a real server started in-process, and the baselines
// (e, f). Every path is timed from the first byte sent to the last acknowledgement.
import fs from 'node:fs';
import { putWorkspace, startServer, type TestServer } from '../helpers/server.js';
import { BRANDS, type Columns, WORKSPACE } from './data.js';
import { post, pool, type RssSampler, timed } from './measure.js';
import { appendColumns, freshDuck, startNaiveServer } from './naive.js';

export const ARROW = 'application/vnd.apache.arrow.stream';
export const NDJSON = 'application/x-ndjson';
export const CSV = 'text/csv';

export interface Workload {
  contentType: string;
  bodies: Uint8Array[];
  /** Rows in each body. */
  rows: number[];
  concurrency: number;
}

export const totalRows = (w: Workload) => w.rows.reduce((a, b) => a + b, 0);

export interface Run {
  seconds: number;
  rows: number;
  rssStart: number;
  rssPeak: number;
}

export interface BenchOptions {
  sampler: RssSampler;
  maxBodyMb: number;
  ingestQueueRows: number;
  log: (line: string) => void;
}

const eventsUrl = (base: string) => `${base}/api/v1/workspaces/${WORKSPACE}/events`;

/** Sends a workload; resolves when every request is acknowledged. */
export async function send(url: string, workload: Workload): Promise<void> {
  await pool(workload.bodies, workload.concurrency, (body, i) =>
    post(url, body, workload.contentType, workload.rows[i]!),
  );
}

async function window(options: BenchOptions, fn: () => Promise<void>, rows: number): Promise<Run> {
  options.sampler.reset();
  const rssStart = process.memoryUsage.rss();
  const seconds = await timed(fn);
  return { seconds, rows, rssStart, rssPeak: options.sampler.windowPeak };
}

export async function startHub(options: BenchOptions): Promise<TestServer> {
  const server = await startServer({
    maxBodyMb: options.maxBodyMb,
    ingestQueueRows: options.ingestQueueRows,
  });
  await putWorkspace(server.url, WORKSPACE, { name: 'Bench', timezone: 'UTC', brands: BRANDS });
  return server;
}

export async function storedRows(server: TestServer, table = 'events'): Promise<number> {
  const row = await server.app.db.read((sql) =>
    sql.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${table}`),
  );
  return Number(row?.n ?? 0);
}

async function stopHub(server: TestServer): Promise<void> {
  await server.close();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
}

function checkStored(label: string, stored: number, expected: number): void {
  if (stored !== expected) throw new Error(`${label}: ${stored} rows stored, ${expected} expected`);
}

/** (a–d) One run of a workload against a fresh hub on a fresh temp dir. */
export async function hubRun(options: BenchOptions, label: string, workload: Workload): Promise<Run> {
  const server = await startHub(options);
  try {
    const run = await window(options, () => send(eventsUrl(server.url), workload), totalRows(workload));
    checkStored(label, await storedRows(server), run.rows);
    return run;
  } finally {
    await stopHub(server);
  }
}

/** (f) One run of a workload against a fresh naive server. */
export async function naiveRun(options: BenchOptions, label: string, workload: Workload): Promise<Run> {
  const server = await startNaiveServer(options.maxBodyMb);
  try {
    const run = await window(options, () => send(eventsUrl(server.url), workload), totalRows(workload));
    checkStored(label, await server.duck.count(), run.rows);
    return run;
  } finally {
    await server.close();
  }
}

/** (e) One in-process row-appender run into a fresh DuckDB file. */
export async function appenderRun(options: BenchOptions, cols: Columns): Promise<Run> {
  const duck = await freshDuck();
  try {
    const run = await window(options, () => appendColumns(duck, WORKSPACE, cols), cols.length);
    checkStored('appender', await duck.count(), run.rows);
    return run;
  } finally {
    duck.close();
  }
}

export interface GrowthResult {
  stored: number;
  preloadSeconds: number;
  preloadRequests: number;
  runs: Run[];
  rollupMinuteRows: number;
  dbFileMb: number;
}

/**
 * (g) Preloads one hub with `preloadRows` rows through the same Arrow HTTP path (large requests,
 * two clients), then measures the one-large-request workload `reps` times on top of them.
 */
export async function growth(
  options: BenchOptions,
  preloadRows: number,
  preload: Workload,
  measured: Workload,
  reps: number,
): Promise<GrowthResult> {
  const server = await startHub(options);
  try {
    const perPass = totalRows(preload);
    const bodies: Uint8Array[] = [];
    const rows: number[] = [];
    for (let sent = 0; sent < preloadRows;) {
      for (let i = 0; i < preload.bodies.length && sent < preloadRows; i++) {
        bodies.push(preload.bodies[i]!);
        rows.push(preload.rows[i]!);
        sent += preload.rows[i]!;
      }
      if (perPass === 0) break;
    }
    const url = eventsUrl(server.url);
    let done = 0;
    let lastReport = performance.now();
    const preloadSeconds = await timed(() =>
      pool(bodies, preload.concurrency, async (body, i) => {
        await post(url, body, ARROW, rows[i]!);
        done += rows[i]!;
        if (performance.now() - lastReport > 15_000) {
          lastReport = performance.now();
          options.log(`    preload: ${(done / 1e6).toFixed(1)} M rows stored`);
        }
      }),
    );
    const stored = await storedRows(server);
    checkStored('growth preload', stored, done);
    const runs: Run[] = [];
    let expected = stored;
    for (let r = 0; r < reps; r++) {
      const run = await window(options, () => send(url, measured), totalRows(measured));
      expected += run.rows;
      runs.push(run);
      options.log(
        `    g at ${(expected / 1e6).toFixed(1)} M stored: ${(run.rows / run.seconds / 1e6).toFixed(3)} M rows/s`,
      );
    }
    checkStored('growth', await storedRows(server), expected);
    const rollupMinuteRows = await storedRows(server, 'rollup_minute');
    const dbFileMb =
      [server.config.dbFile, `${server.config.dbFile}.wal`]
        .filter((f) => fs.existsSync(f))
        .reduce((sum, f) => sum + fs.statSync(f).size, 0) /
      (1024 * 1024);
    return { stored, preloadSeconds, preloadRequests: bodies.length, runs, rollupMinuteRows, dbFileMb };
  } finally {
    await stopHub(server);
  }
}
