// The measured paths: the hub (a–d, g) as the real server entry (server/main.ts) in a process of
// its own, and the baselines, each in its own process too: (e) the row appender
// (appender-child.ts) and (f) the naive server (naive-server.ts). The clients (fetch) stay in the
// benchmark's process. Every run is timed from the first byte sent to the last acknowledgement.
//
// Each path is a Target with its own fresh server process (fresh temp dir) or DuckDB file,
// preloaded untimed with the data set so that repetitions measure a warm, long-running server that
// already holds rows (≥ 1 M: the reference of the growth ratio), not the first query of a cold
// DuckDB. The runner keeps every target open and interleaves their repetitions in rounds, so that
// load from elsewhere on the machine falls on every path alike instead of on whichever ran then.
//
// CPU and memory are those of the measured process, read from /proc/<pid> by this process; the
// stored rows are counted from outside too: the hub's /metrics while it runs, then each DuckDB
// file once its process has stopped (one process per DuckDB file).
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { makeConfig } from '../../server/config.js';
import { type ChildHub, startChildHub } from '../helpers/child.js';
import { BRANDS, WORKSPACE } from './data.js';
import {
  cpuStallMicros,
  mb,
  post,
  pool,
  procCpuSeconds,
  procMemory,
  type RssSampler,
  timed,
} from './measure.js';
import { type BenchChild, removeDir, spawnTs, stopProcess, tail, tempDir } from './processes.js';

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
  /** VmRSS of the measured process at the start of the run, and its peak during the run. */
  rssStart: number;
  rssPeak: number;
  /** CPU seconds (user + system, all threads) of the measured process during the run. */
  cpuSeconds: number;
  /** CPU seconds of this process (the clients) during the run. */
  clientCpuSeconds: number;
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
  /** Rows sent before the preload to warm the measured decoder up (untimed; stored too). */
  warmRows: number;
}

/** What a hub held at the end, counted in its files once it was stopped. */
export interface HubState {
  rawRows: number;
  rollupMinuteRows: number;
  /** DuckDB file + WAL while the hub still ran, before its closing checkpoint. */
  dbFileMb: number;
}

/** The measured process at the end of the benchmark, just before it was stopped. */
export interface EndState {
  /** VmRSS, bytes. */
  rss: number;
  /** VmHWM: the peak VmRSS over the process's life, bytes. */
  hwm: number;
  hub?: HubState;
}

export interface Target {
  key: string;
  label: string;
  /** Requests per measured run. */
  requests: number;
  /** The measured process, once open. */
  pid(): number | undefined;
  /** Starts the process and sends the untimed preload. */
  open(): Promise<Preloaded>;
  /** One timed repetition. */
  run(): Promise<Run>;
  /**
   * Reads the process's memory, stops it, and checks that every acknowledged row is in its DuckDB
   * file.
   */
  verify(): Promise<EndState>;
  /** Kills the process if it still runs, and removes its files. */
  close(): Promise<void>;
}

const eventsUrl = (base: string) => `${base}/api/v1/workspaces/${WORKSPACE}/events`;

/** Sends a workload; resolves when every request is acknowledged. */
export async function send(url: string, workload: Workload): Promise<void> {
  await pool(workload.bodies, workload.concurrency, (body, i) =>
    post(url, body, workload.contentType, workload.rows[i]!),
  );
}

/**
 * Times `fn` as a run of process `pid`. `fn` may return the process's own timing of the work
 * (the appender does), which then replaces the wall time and CPU time seen from here.
 */
async function measure(
  options: BenchOptions,
  pid: number,
  storedBefore: number,
  rows: number,
  fn: () => Promise<{ seconds: number; cpuSeconds: number } | void>,
): Promise<Run> {
  const rssStart = options.sampler.watch(pid);
  const cpu = procCpuSeconds(pid);
  const client = process.cpuUsage();
  const stall = cpuStallMicros();
  const started = performance.now();
  const own = await fn();
  const wall = (performance.now() - started) / 1000;
  const cpuEnd = procCpuSeconds(pid);
  const clientUsed = process.cpuUsage(client);
  const stallEnd = cpuStallMicros();
  if (cpu === null || cpuEnd === null) throw new Error(`process ${pid} is gone`);
  return {
    seconds: own ? own.seconds : wall,
    rows,
    storedBefore,
    rssStart,
    rssPeak: options.sampler.windowPeak,
    cpuSeconds: own ? own.cpuSeconds : cpuEnd - cpu,
    clientCpuSeconds: (clientUsed.user + clientUsed.system) / 1e6,
    cpuStall: stall === null || stallEnd === null ? null : (stallEnd - stall) / 1e6 / wall,
  };
}

/** Repeats the preload workload's bodies until `rows` rows have been acknowledged. */
async function preloadInto(
  options: BenchOptions,
  label: string,
  url: string,
  preload: Workload,
  target: number,
): Promise<Omit<Preloaded, 'warmRows'>> {
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
  return { rows: done, seconds, requests: bodies.length };
}

function checkStored(label: string, stored: number, expected: number): void {
  if (stored !== expected) throw new Error(`${label}: ${stored} rows stored, ${expected} expected`);
}

export function report(options: BenchOptions, label: string, r: number, run: Run): void {
  options.log(
    `  ${label} #${r + 1}: ${run.rows.toLocaleString('en-US')} rows in ${run.seconds.toFixed(2)} s = ` +
      `${(run.rows / run.seconds / 1e6).toFixed(3)} M rows/s (at ${(run.storedBefore / 1e6).toFixed(1)} M stored), ` +
      `CPU server ${(run.cpuSeconds / run.seconds).toFixed(2)} + clients ${(run.clientCpuSeconds / run.seconds).toFixed(2)} cores` +
      (run.cpuStall === null ? '' : `, CPU stall ${(run.cpuStall * 100).toFixed(0)}%`) +
      `, server RSS ${mb(run.rssStart).toFixed(0)} → peak ${mb(run.rssPeak).toFixed(0)} MB`,
  );
}

/** The hub's settings in the benchmark: what server/main.ts reads from the environment. */
export function hubEnv(options: BenchOptions): Record<string, string> {
  return {
    MAX_BODY_MB: String(options.maxBodyMb),
    INGEST_QUEUE_ROWS: String(options.ingestQueueRows),
    COMPACT_INTERVAL_MS: '0',
    RETENTION_INTERVAL_MS: '0',
  };
}

/** PUT /api/v1/workspaces/{id} (the clients' process does not load the server's modules). */
export async function putWorkspace(url: string): Promise<void> {
  const response = await fetch(`${url}/api/v1/workspaces/${WORKSPACE}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench', timezone: 'UTC', brands: BRANDS }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`PUT workspace ${WORKSPACE}: ${response.status} ${text}`);
}

/** convergence_ingest_rows_accepted_total of a running hub, from GET /metrics. */
async function acceptedRows(url: string): Promise<number> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  const match = /^convergence_ingest_rows_accepted_total(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (response.status !== 200 || !match) throw new Error(`GET ${url}/metrics: ${response.status}`);
  return Number(match[1]);
}

/** Row counts of `tables` in a DuckDB file no process holds any more (opened read-only). */
async function countRows(file: string, tables: string[]): Promise<number[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      const counts: number[] = [];
      for (const table of tables) {
        const reader = await connection.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${table}`);
        counts.push(Number(reader.getRowObjectsJson()[0]!.n));
      }
      return counts;
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

const fileMb = (files: string[]) =>
  mb(
    files.reduce((sum, file) => {
      try {
        return sum + fs.statSync(file).size;
      } catch {
        return sum;
      }
    }, 0),
  );

function endMemory(label: string, pid: number): { rss: number; hwm: number } {
  const memory = procMemory(pid);
  if (!memory) throw new Error(`${label}: process ${pid} is gone`);
  return memory;
}

export interface PathPlan {
  key: string;
  label: string;
  /** Sent first, untimed, so that the measured decoder has run once in this process. */
  warm?: Workload;
  /** Untimed rows sent next (by repeating `preload`'s bodies until `preloadRows` are stored). */
  preload: Workload;
  preloadRows: number;
  measured: Workload;
}

/** A hub process (server/main.ts) on a fresh data dir, with the bench workspace created. */
export async function startHub(options: BenchOptions): Promise<{ hub: ChildHub; dataDir: string }> {
  const dataDir = tempDir('convergence-bench-hub-');
  const hub = await startChildHub(dataDir, hubEnv(options));
  await putWorkspace(hub.url);
  return { hub, dataDir };
}

/** (a–d, g) The hub: the real server entry in a process of its own, on a fresh data dir. */
export function hubTarget(options: BenchOptions, plan: PathPlan): Target {
  let started: { hub: ChildHub; dataDir: string } | undefined;
  let stored = 0;
  const hub = () => started!.hub;
  return {
    key: plan.key,
    label: plan.label,
    requests: plan.measured.bodies.length,
    pid: () => started?.hub.child.pid,
    async open() {
      started = await startHub(options);
      const url = eventsUrl(hub().url);
      let warmRows = 0;
      if (plan.warm) {
        await send(url, plan.warm);
        warmRows = totalRows(plan.warm);
      }
      const preloaded = await preloadInto(options, plan.key, url, plan.preload, plan.preloadRows);
      stored = warmRows + preloaded.rows;
      checkStored(`${plan.key} preload (rows accepted, /metrics)`, await acceptedRows(hub().url), stored);
      return { ...preloaded, warmRows };
    },
    async run() {
      const rows = totalRows(plan.measured);
      const run = await measure(options, hub().child.pid!, stored, rows, () =>
        send(eventsUrl(hub().url), plan.measured),
      );
      stored += rows;
      return run;
    },
    async verify() {
      checkStored(`${plan.key} (rows accepted, /metrics)`, await acceptedRows(hub().url), stored);
      const dbFile = makeConfig({ dataDir: started!.dataDir }).dbFile;
      const dbFileMb = fileMb([dbFile, `${dbFile}.wal`]);
      const memory = endMemory(plan.key, hub().child.pid!);
      await stopProcess(`hub ${plan.key}`, hub().child, hub().exited, hub().output);
      const [rawRows, rollupMinuteRows] = await countRows(dbFile, ['events', 'rollup_minute']);
      checkStored(`${plan.key} (rows in the DuckDB file)`, rawRows!, stored);
      return { ...memory, hub: { rawRows: rawRows!, rollupMinuteRows: rollupMinuteRows!, dbFileMb } };
    },
    async close() {
      if (!started) return;
      if (hub().alive()) {
        hub().child.kill('SIGKILL');
        await hub().exited;
      }
      removeDir(started.dataDir);
    },
  };
}

/** Kills a bench child if it still runs, and removes its dir. */
async function closeChild(child: BenchChild | undefined, dir: string | undefined): Promise<void> {
  if (child?.alive()) {
    child.child.kill('SIGKILL');
    await child.exited;
  }
  if (dir) removeDir(dir);
}

/** (f) The naive server (naive-server.ts) in a process of its own, same protocol. */
export function naiveTarget(options: BenchOptions, plan: PathPlan): Target {
  let dir: string | undefined;
  let server: BenchChild | undefined;
  let url = '';
  let stored = 0;
  const dbFile = () => path.join(dir!, 'events.duckdb');
  return {
    key: plan.key,
    label: plan.label,
    requests: plan.measured.bodies.length,
    pid: () => server?.pid,
    async open() {
      dir = tempDir('convergence-bench-naive-');
      server = spawnTs('test/bench/naive-server.ts', [dbFile()], {
        PORT: '0',
        HOST: '127.0.0.1',
        MAX_BODY_MB: String(options.maxBodyMb),
      });
      url = (JSON.parse(await server.line(60_000)) as { url: string }).url;
      const ready = await fetch(`${url}/ready`);
      await ready.body?.cancel();
      if (ready.status !== 200) throw new Error(`naive server ${plan.key}: /ready ${ready.status}`);
      const preloaded = await preloadInto(options, plan.key, eventsUrl(url), plan.preload, plan.preloadRows);
      stored = preloaded.rows;
      return { ...preloaded, warmRows: 0 };
    },
    async run() {
      const rows = totalRows(plan.measured);
      const run = await measure(options, server!.pid, stored, rows, () =>
        send(eventsUrl(url), plan.measured),
      );
      stored += rows;
      return run;
    },
    async verify() {
      const memory = endMemory(plan.key, server!.pid);
      await stopProcess(`naive server ${plan.key}`, server!.child, server!.exited, server!.output);
      const [rows] = await countRows(dbFile(), ['events']);
      checkStored(`${plan.key} (rows in the DuckDB file)`, rows!, stored);
      return memory;
    },
    close: () => closeChild(server, dir),
  };
}

/**
 * (e) The row appender (appender-child.ts) in a process of its own, into a fresh DuckDB file: one
 * untimed append of the data set, then the timed ones, one commit each. The child generates the
 * same rows as this process (same row count, seed and clock).
 */
export function appenderTarget(
  options: BenchOptions,
  key: string,
  label: string,
  data: { rows: number; seed: number; now: number },
): Target {
  let dir: string | undefined;
  let child: BenchChild | undefined;
  let stored = 0;
  const dbFile = () => path.join(dir!, 'events.duckdb');
  const append = async () => {
    child!.send('append');
    const line = await child!.line();
    const answer = JSON.parse(line) as { rows: number; seconds: number; cpuSeconds: number };
    if (answer.rows !== data.rows) throw new Error(`${key}: appended ${line}, ${data.rows} rows expected`);
    return answer;
  };
  return {
    key,
    label,
    requests: 1,
    pid: () => child?.pid,
    async open() {
      dir = tempDir('convergence-bench-appender-');
      child = spawnTs('test/bench/appender-child.ts', [
        dbFile(),
        String(data.rows),
        String(data.seed),
        String(data.now),
        WORKSPACE,
      ]);
      const ready = JSON.parse(await child.line(120_000)) as { ready?: boolean };
      if (!ready.ready)
        throw new Error(`${key}: unexpected first line from the appender:\n${tail(child.output)}`);
      const { seconds } = await append();
      stored = data.rows;
      return { rows: data.rows, seconds, requests: 0, warmRows: 0 };
    },
    async run() {
      const run = await measure(options, child!.pid, stored, data.rows, append);
      stored += data.rows;
      return run;
    },
    async verify() {
      const memory = endMemory(key, child!.pid);
      child!.send('quit');
      await stopProcess(`appender ${key}`, child!.child, child!.exited, child!.output, { signal: null });
      const [rows] = await countRows(dbFile(), ['events']);
      checkStored(`${key} (rows in the DuckDB file)`, rows!, stored);
      return memory;
    },
    close: () => closeChild(child, dir),
  };
}
