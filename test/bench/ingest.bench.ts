// The measured paths: the hub (a–d, g) on a real server started in-process, and the baselines
// (e, f). Every run is timed from the first byte sent to the last acknowledgement.
//
// Each path is a Target with its own fresh server (fresh temp dir) or DuckDB file, preloaded
// untimed with the data set so that repetitions measure a warm, long-running server that already
// holds rows (≥ 1 M: the reference of the growth ratio), not the first query of a cold DuckDB.
// The runner keeps every target open and interleaves their repetitions in rounds, so that load
// from elsewhere on the machine falls on every path alike instead of on whichever ran then.
import fs from 'node:fs';
import { putWorkspace, startServer, type TestServer } from '../helpers/server.js';
import { BRANDS, type Columns, WORKSPACE } from './data.js';
import { cpuStallMicros, post, pool, type RssSampler, timed } from './measure.js';
import { appendColumns, type Duck, freshDuck, type NaiveServer, startNaiveServer } from './naive.js';

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
  /** Rows stored before this run started. */
  storedBefore: number;
  rssStart: number;
  rssPeak: number;
  /** CPU seconds (user + system, all threads of the process) during the run. */
  cpuSeconds: number;
  /** Share of the run's wall time in which some task waited for a core (PSI), or null. */
  cpuStall: number | null;
}

export interface BenchOptions {
  sampler: RssSampler;
  maxBodyMb: number;
  ingestQueueRows: number;
  log: (line: string) => void;
}

export interface Preloaded {
  rows: number;
  seconds: number;
  requests: number;
}

/** What the hub held at the end (for the growth note). */
export interface HubState {
  rawRows: number;
  rollupMinuteRows: number;
  dbFileMb: number;
  /** Memory DuckDB reports holding (buffer pool and the rest), from duckdb_memory(). */
  duckdbMemoryMb: number;
}

export interface Target {
  key: string;
  label: string;
  /** Requests per measured run. */
  requests: number;
  /** Opens the server (or file) and sends the untimed preload. */
  open(): Promise<Preloaded>;
  /** One timed repetition. */
  run(): Promise<Run>;
  /** Checks that every acknowledged row is stored; returns the hub's state where there is one. */
  verify(): Promise<HubState | undefined>;
  close(): Promise<void>;
}

const eventsUrl = (base: string) => `${base}/api/v1/workspaces/${WORKSPACE}/events`;

/** Sends a workload; resolves when every request is acknowledged. */
export async function send(url: string, workload: Workload): Promise<void> {
  await pool(workload.bodies, workload.concurrency, (body, i) =>
    post(url, body, workload.contentType, workload.rows[i]!),
  );
}

async function measure(options: BenchOptions, storedBefore: number, rows: number, fn: () => Promise<void>) {
  options.sampler.reset();
  const rssStart = process.memoryUsage.rss();
  const cpu = process.cpuUsage();
  const stall = cpuStallMicros();
  const seconds = await timed(fn);
  const used = process.cpuUsage(cpu);
  const stallEnd = cpuStallMicros();
  const run: Run = {
    seconds,
    rows,
    storedBefore,
    rssStart,
    rssPeak: options.sampler.windowPeak,
    cpuSeconds: (used.user + used.system) / 1e6,
    cpuStall: stall === null || stallEnd === null ? null : (stallEnd - stall) / 1e6 / seconds,
  };
  return run;
}

/** Repeats the preload workload's bodies until `rows` rows have been acknowledged. */
async function preloadInto(
  options: BenchOptions,
  label: string,
  url: string,
  preload: Workload,
  target: number,
) {
  const bodies: Uint8Array[] = [];
  const rows: number[] = [];
  for (let sent = 0; sent < target;) {
    for (let i = 0; i < preload.bodies.length && sent < target; i++) {
      bodies.push(preload.bodies[i]!);
      rows.push(preload.rows[i]!);
      sent += preload.rows[i]!;
    }
  }
  let done = 0;
  let lastReport = performance.now();
  const seconds = await timed(() =>
    pool(bodies, preload.concurrency, async (body, i) => {
      await post(url, body, preload.contentType, rows[i]!);
      done += rows[i]!;
      if (performance.now() - lastReport > 20_000) {
        lastReport = performance.now();
        options.log(`    ${label} preload: ${(done / 1e6).toFixed(1)} M rows stored`);
      }
    }),
  );
  const preloaded: Preloaded = { rows: done, seconds, requests: bodies.length };
  return preloaded;
}

function checkStored(label: string, stored: number, expected: number): void {
  if (stored !== expected) throw new Error(`${label}: ${stored} rows stored, ${expected} expected`);
}

export function report(options: BenchOptions, label: string, r: number, run: Run): void {
  options.log(
    `  ${label} #${r + 1}: ${run.rows.toLocaleString('en-US')} rows in ${run.seconds.toFixed(2)} s = ` +
      `${(run.rows / run.seconds / 1e6).toFixed(3)} M rows/s (at ${(run.storedBefore / 1e6).toFixed(1)} M stored), ` +
      `CPU ${(run.cpuSeconds / run.seconds).toFixed(2)} cores` +
      (run.cpuStall === null ? '' : `, CPU stall ${(run.cpuStall * 100).toFixed(0)}%`) +
      `, RSS ${(run.rssStart / 2 ** 20).toFixed(0)} → peak ${(run.rssPeak / 2 ** 20).toFixed(0)} MB`,
  );
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

export interface PathPlan {
  key: string;
  label: string;
  /** Untimed rows sent first (by repeating `preload`'s bodies until `preloadRows` are stored). */
  preload: Workload;
  preloadRows: number;
  measured: Workload;
}

/** (a–d, g) The hub: a fresh server from test/helpers/server.ts. */
export function hubTarget(options: BenchOptions, plan: PathPlan): Target {
  let server: TestServer | undefined;
  let stored = 0;
  return {
    key: plan.key,
    label: plan.label,
    requests: plan.measured.bodies.length,
    async open() {
      server = await startHub(options);
      const preloaded = await preloadInto(
        options,
        plan.key,
        eventsUrl(server.url),
        plan.preload,
        plan.preloadRows,
      );
      checkStored(`${plan.key} preload`, await storedRows(server), preloaded.rows);
      stored = preloaded.rows;
      return preloaded;
    },
    async run() {
      const rows = totalRows(plan.measured);
      const run = await measure(options, stored, rows, () => send(eventsUrl(server!.url), plan.measured));
      stored += rows;
      return run;
    },
    async verify() {
      const rawRows = await storedRows(server!);
      checkStored(plan.key, rawRows, stored);
      const file = server!.config.dbFile;
      const dbFileMb =
        [file, `${file}.wal`]
          .filter((f) => fs.existsSync(f))
          .reduce((sum, f) => sum + fs.statSync(f).size, 0) /
        2 ** 20;
      const memory = await server!.app.db.read((sql) =>
        sql.one<{ n: number }>('SELECT sum(memory_usage_bytes)::DOUBLE AS n FROM duckdb_memory()'),
      );
      return {
        rawRows,
        rollupMinuteRows: await storedRows(server!, 'rollup_minute'),
        dbFileMb,
        duckdbMemoryMb: Number(memory?.n ?? 0) / 2 ** 20,
      };
    },
    async close() {
      if (!server) return;
      await server.close();
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    },
  };
}

/** (f) The naive server, same protocol. */
export function naiveTarget(options: BenchOptions, plan: PathPlan): Target {
  let server: NaiveServer | undefined;
  let stored = 0;
  return {
    key: plan.key,
    label: plan.label,
    requests: plan.measured.bodies.length,
    async open() {
      server = await startNaiveServer(options.maxBodyMb);
      const preloaded = await preloadInto(
        options,
        plan.key,
        eventsUrl(server.url),
        plan.preload,
        plan.preloadRows,
      );
      stored = preloaded.rows;
      return preloaded;
    },
    async run() {
      const rows = totalRows(plan.measured);
      const run = await measure(options, stored, rows, () => send(eventsUrl(server!.url), plan.measured));
      stored += rows;
      return run;
    },
    async verify() {
      checkStored(plan.key, await server!.duck.count(), stored);
      return undefined;
    },
    async close() {
      await server?.close();
    },
  };
}

/** (e) The row appender into a fresh DuckDB file: one untimed append, then the timed ones, one commit each. */
export function appenderTarget(options: BenchOptions, key: string, label: string, cols: Columns): Target {
  let duck: Duck | undefined;
  let stored = 0;
  return {
    key,
    label,
    requests: 1,
    async open() {
      duck = await freshDuck();
      const seconds = await timed(() => appendColumns(duck!, WORKSPACE, cols));
      stored = cols.length;
      return { rows: cols.length, seconds, requests: 0 };
    },
    async run() {
      const run = await measure(options, stored, cols.length, () => appendColumns(duck!, WORKSPACE, cols));
      stored += cols.length;
      return run;
    },
    async verify() {
      checkStored(key, await duck!.count(), stored);
      return undefined;
    },
    async close() {
      duck?.close();
    },
  };
}
