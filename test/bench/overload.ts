// `npm run bench` (overload part): what the hub does when far more large bodies arrive than its
// writer can take. One hub process (node --import tsx server/main.ts on a fresh DATA_DIR,
// DUCKDB_MEMORY_LIMIT=1GB, DEMO=off, other settings default), one run, three phases:
//
//   idle       no client: the /healthz reference
//   single     ONE client POSTing large Arrow IPC bodies back to back (the baseline)
//   overload   BENCH_OVERLOAD_CLIENTS clients doing the same at once
//
// Every POST carries its own Idempotency-Key. A 429/503 is retried with the same body and key
// after Retry-After (a number of seconds, fractional allowed, capped at 30 s); a network-level
// failure (reset, timeout, …) counts as an error and is retried with the same key after 250 ms,
// until a definite answer: the outcome of such a request is unknown until then. Only rows of 200
// answers count as acknowledged. Clients start no new body after the phase's duration; the phase
// ends when the last one is answered (its rows/s = acknowledged rows / that wall time).
//
// /healthz is probed every 50 ms on a fixed schedule by a separate process (healthz-probe.ts), so
// that this process's event loop, busy with the bodies, does not inflate the latencies. The hub's
// VmRSS is sampled every 50 ms (RssSampler); past BENCH_OVERLOAD_MAX_RSS_MB (default 6,144) the
// hub is SIGKILLed and the run fails. At the end the hub gets SIGTERM, and once it has exited the
// rows in its `events` table are counted in the DuckDB file (read-only, from this process) and
// compared with the acknowledged rows: none may be missing (rows lost), and as every key is used
// for one body only, none may be extra either.
//
// Prints figures only: nothing fails on timing. Exits non-zero if rows were lost or the hub
// crashed (or had to be killed).
//
//   BENCH_QUICK=1                 a smoke run: 150 k-row bodies, 8 s per phase, 8 clients, and
//                                 INGEST_QUEUE_ROWS a tenth of the default (scaled as the bodies)
//   BENCH_OVERLOAD_SECONDS=N      duration of each loaded phase (default 30; quick 8)
//   BENCH_OVERLOAD_CLIENTS=N      clients of the overload phase (default 32; quick 8)
//   BENCH_OVERLOAD_ROWS=N         rows per body (default 1,500,000; quick 150,000)
//   BENCH_OVERLOAD_MAX_RSS_MB=N   the hub's VmRSS past which the run is stopped (default 6,144)
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { makeConfig } from '../../server/config.js';
import { type ChildHub, startChildHub } from '../helpers/child.js';
import { generate, toArrowIpc, WORKSPACE } from './data.js';
import { ARROW, putWorkspace } from './ingest.bench.js';
import {
  cpuPressureAvg60,
  fmtInt,
  fmtRate,
  intEnv,
  mb,
  procCpuSeconds,
  procMemory,
  quickBench,
  RssSampler,
} from './measure.js';
import {
  type BenchChild,
  killAllChildren,
  removeDir,
  spawnTs,
  stopProcess,
  tail,
  tempDir,
} from './processes.js';

const quick = quickBench;

const SECONDS = intEnv('BENCH_OVERLOAD_SECONDS', quick ? 8 : 30, 1);
const CLIENTS = intEnv('BENCH_OVERLOAD_CLIENTS', quick ? 8 : 32, 1);
const BODY_ROWS = intEnv('BENCH_OVERLOAD_ROWS', quick ? 150_000 : 1_500_000, 1);
const MAX_RSS = intEnv('BENCH_OVERLOAD_MAX_RSS_MB', 6_144, 1) * 1024 * 1024;
/** Distinct bodies, shared by every client (this process does not hold one per client). */
const BODIES = 3;
const IDLE_SECONDS = 3;
const PROBE_INTERVAL_MS = 50;
const PROBE_TIMEOUT_MS = 30_000;
const MAX_RETRY_AFTER_MS = 30_000;
const NETWORK_RETRY_MS = 250;
/** A request unanswered this long counts as a network error (and is retried with its key). */
const REQUEST_TIMEOUT_MS = 120_000;
/** After the phase's end, a request whose outcome is still unknown gets this long to resolve. */
const RESOLVE_GRACE_MS = 120_000;
const HUB_ENV = { DUCKDB_MEMORY_LIMIT: '1GB', DEMO: 'off' };

/** Goals the figures are compared with (printed, never enforced). */
const GOALS = { ratio: 0.8, healthzP99Ms: 100, rssPeakBytes: 2 * 1024 ** 3 };

const log = (line: string) => console.log(line);

interface ProbeStats {
  probes: number;
  ok: number;
  failed: number;
  timedOut: number;
  p50: number;
  p99: number;
  max: number;
}

interface Phase {
  name: string;
  clients: number;
  seconds: number;
  /** Rows acknowledged (200 answers, `accepted`). */
  rows: number;
  /** 200 answers, and those among them that were replays of an earlier attempt. */
  ok: number;
  replayed: number;
  status429: number;
  status503: number;
  /** Network-level failures: reset, refused, timed out … (each retried with the same key). */
  networkErrors: number;
  /** 5xx other than 503 (retried with the same key too). */
  serverErrors: number;
  /** Any other answer: the body was given up (nothing stored). */
  refused: number;
  /** Requests whose outcome was still unknown when the phase gave up on them. */
  unresolved: number;
  errorKinds: Map<string, number>;
  healthz: ProbeStats;
  rssStart: number;
  rssPeak: number;
  cpuHub: number;
  cpuClients: number;
}

type Counts = Omit<
  Phase,
  'name' | 'clients' | 'seconds' | 'healthz' | 'rssStart' | 'rssPeak' | 'cpuHub' | 'cpuClients'
>;

const newCounts = (): Counts => ({
  rows: 0,
  ok: 0,
  replayed: 0,
  status429: 0,
  status503: 0,
  networkErrors: 0,
  serverErrors: 0,
  refused: 0,
  unresolved: 0,
  errorKinds: new Map(),
});

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** Retry-After as milliseconds: delta-seconds (fractional allowed) or an HTTP date; capped. */
function retryAfterMs(value: string | null): number {
  if (value === null || value.trim() === '') return 1000;
  const seconds = Number(value.trim());
  let ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms)) ms = 1000;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** The innermost cause of a network failure, e.g. "ECONNRESET read ECONNRESET". */
function errorKind(error: unknown): string {
  let e = error as { name?: string; message?: string; code?: string; cause?: unknown };
  while (e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  if (e.name === 'TimeoutError') return `timeout after ${REQUEST_TIMEOUT_MS / 1000} s`;
  return [e.code, e.message ?? e.name].filter(Boolean).join(' ');
}

/** Resolves after `ms`, or early (false) once `signal` aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const header = (value: string | string[] | undefined) =>
  value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value;

/**
 * Keep-alive connections, as many as there are clients. node:http rather than fetch: fetch copies
 * a Uint8Array body per request (the Fetch standard's "extract a body"), i.e. one 46 MB copy per
 * client in flight; http.request writes the shared buffer as it is.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/**
 * POSTs `bytes`; resolves with the answer (which may come before the body is fully sent: the hub
 * refuses a full queue before reading), rejects on a network-level failure or after
 * REQUEST_TIMEOUT_MS.
 */
function post(url: URL, bytes: Uint8Array, key: string, stop: AbortSignal): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      agent,
      signal: stop,
      headers: { 'content-type': ARROW, 'content-length': bytes.byteLength, 'idempotency-key': key },
    });
    const timer = setTimeout(() => {
      const error = new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
      error.name = 'TimeoutError';
      request.destroy(error);
    }, REQUEST_TIMEOUT_MS);
    const failed = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    request.on('error', failed);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', failed);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(chunks).toString(),
        });
      });
    });
    request.end(bytes);
  });
}

interface Body {
  bytes: Uint8Array;
  rows: number;
}

/**
 * Sends one body under one key until its outcome is known: a 200 (acknowledged), or a refusal
 * that stored nothing. After `deadline`, a 429/503 ends it (nothing of it was stored) unless an
 * earlier attempt failed at the network level: that one may have been stored, so it is retried
 * until answered (or for RESOLVE_GRACE_MS more, then counted as unresolved).
 */
async function sendOne(
  url: URL,
  body: Body,
  key: string,
  deadline: number,
  counts: Counts,
  stop: AbortSignal,
): Promise<void> {
  let ambiguous = false;
  for (;;) {
    if (stop.aborted || (ambiguous && performance.now() > deadline + RESOLVE_GRACE_MS)) {
      if (ambiguous) counts.unresolved++;
      return;
    }
    let answer: Answer;
    try {
      answer = await post(url, body.bytes, key, stop);
    } catch (error) {
      if (stop.aborted) {
        counts.unresolved++;
        return;
      }
      counts.networkErrors++;
      bump(counts.errorKinds, `network: ${errorKind(error)}`);
      ambiguous = true;
      await pause(NETWORK_RETRY_MS, stop);
      continue;
    }
    const { status, text } = answer;
    if (status === 200) {
      const result = JSON.parse(text) as { accepted: number; rejected?: number };
      counts.ok++;
      counts.rows += result.accepted;
      if (answer.headers['idempotent-replayed'] === 'true') counts.replayed++;
      if (result.accepted !== body.rows || (result.rejected ?? 0) !== 0) {
        bump(counts.errorKinds, `200 with ${result.accepted} accepted, ${result.rejected ?? 0} rejected`);
      }
      return;
    }
    if (status === 429 || status === 503) {
      if (status === 429) counts.status429++;
      else counts.status503++;
      if (!ambiguous && performance.now() >= deadline) return;
      await pause(retryAfterMs(header(answer.headers['retry-after'])), stop);
      continue;
    }
    if (status >= 500) {
      counts.serverErrors++;
      bump(counts.errorKinds, `${status} ${text.slice(0, 120)}`);
      ambiguous = true;
      await pause(NETWORK_RETRY_MS, stop);
      continue;
    }
    counts.refused++;
    bump(counts.errorKinds, `${status} ${text.slice(0, 120)}`);
    if (ambiguous) counts.unresolved++;
    return;
  }
}

interface Run {
  hub: ChildHub;
  probe: BenchChild;
  sampler: RssSampler;
  bodies: Body[];
  runId: string;
  /** Aborted when the hub exits or outgrows MAX_RSS: every client gives up. */
  stop: AbortController;
}

async function probeWindow(probe: BenchChild, fn: () => Promise<void>): Promise<ProbeStats> {
  probe.send('start');
  await fn();
  probe.send('stop');
  return JSON.parse(await probe.line(PROBE_TIMEOUT_MS + 30_000)) as ProbeStats;
}

async function phase(run: Run, name: string, clients: number, seconds: number): Promise<Phase> {
  const url = new URL(`${run.hub.url}/api/v1/workspaces/${WORKSPACE}/events`);
  const pid = run.hub.child.pid!;
  const counts = newCounts();
  const rssStart = run.sampler.watch(pid);
  const cpuStart = procCpuSeconds(pid) ?? 0;
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const client = async (c: number) => {
    for (let n = 0; performance.now() < deadline && !run.stop.signal.aborted; n++) {
      const body = run.bodies[(c + n) % run.bodies.length]!;
      await sendOne(url, body, `${run.runId}:${name}:${c}:${n}`, deadline, counts, run.stop.signal);
    }
  };
  const healthz = await probeWindow(run.probe, async () => {
    if (clients === 0) await pause(seconds * 1000, run.stop.signal);
    else await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  });
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(clientCpu);
  return {
    name,
    clients,
    seconds: wall,
    ...counts,
    healthz,
    rssStart,
    rssPeak: run.sampler.windowPeak,
    cpuHub: ((procCpuSeconds(pid) ?? cpuStart) - cpuStart) / wall,
    cpuClients: (used.user + used.system) / 1e6 / wall,
  };
}

/** Rows of `events` in a DuckDB file no process holds any more (opened read-only). */
async function countEvents(file: string): Promise<number> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll('SELECT count(*)::DOUBLE AS n FROM events');
      return Number(reader.getRowObjectsJson()[0]!.n);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

function printTable(header: string[], rows: string[][], right: boolean[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  log(line(header));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) log(line(row));
}

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const verdict = (met: boolean) => (met ? 'met' : 'NOT met');

async function main(): Promise<number> {
  const startedAt = performance.now();
  const sampler = new RssSampler(50);
  const pressure = cpuPressureAvg60();
  log(
    `Convergence overload benchmark${quick ? ' (BENCH_QUICK)' : ''}: ${os.cpus().length} cores, ` +
      `Node ${process.version}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}` +
      (pressure === null ? '' : `, CPU pressure (some, avg60) ${pressure}%`),
  );

  // A few distinct bodies (different seeds), shared by every client.
  let t = performance.now();
  const now = Date.now();
  const bodies: Body[] = [];
  for (let i = 0; i < BODIES; i++) {
    bodies.push({ bytes: toArrowIpc(generate(BODY_ROWS, now, 1000 + i), 0, BODY_ROWS), rows: BODY_ROWS });
  }
  const bodyMb = Math.max(...bodies.map((b) => mb(b.bytes.byteLength)));
  log(
    `Bodies: ${BODIES} distinct Arrow IPC streams of ${fmtInt(BODY_ROWS)} rows, ` +
      `${bodies.map((b) => mb(b.bytes.byteLength).toFixed(1)).join(' / ')} MB, ts over the last 7 days; ` +
      `encoded in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  // The hub's own defaults, but a body limit that lets the bodies in, and with BENCH_QUICK a queue
  // bound scaled down as the bodies are, so that its clients meet the same bound.
  const defaults = makeConfig({});
  const hubEnv: Record<string, string> = { ...HUB_ENV };
  if (bodyMb > defaults.maxBodyMb) hubEnv.MAX_BODY_MB = String(Math.ceil(bodyMb) + 1);
  if (quick) hubEnv.INGEST_QUEUE_ROWS = String(Math.max(BODY_ROWS, defaults.ingestQueueRows / 10));
  log(
    `Hub: node --import tsx server/main.ts on a fresh DATA_DIR, ` +
      Object.entries({ ...hubEnv, LOG_LEVEL: 'warn' })
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') +
      `, other settings default. Phases: idle ${IDLE_SECONDS} s, then 1 client and ${CLIENTS} clients for ` +
      `${SECONDS} s each (no new body after that; the phase ends at the last answer). /healthz every ` +
      `${PROBE_INTERVAL_MS} ms from healthz-probe.ts (own process, timeout ${PROBE_TIMEOUT_MS / 1000} s).\n`,
  );

  const dataDir = tempDir('convergence-bench-overload-');
  const dbFile = makeConfig({ dataDir }).dbFile;
  const hub = await startChildHub(dataDir, hubEnv);
  const hubPid = hub.child.pid!;
  await putWorkspace(hub.url);
  const probe = spawnTs('test/bench/healthz-probe.ts', [
    hub.url,
    String(PROBE_INTERVAL_MS),
    String(PROBE_TIMEOUT_MS),
  ]);
  const ready = JSON.parse(await probe.line(60_000)) as { ready?: boolean };
  if (!ready.ready) throw new Error(`healthz-probe: unexpected first line:\n${tail(probe.output)}`);

  const stop = new AbortController();
  // Every client's request and Retry-After pause listens to it at once.
  setMaxListeners(0, stop.signal);
  let problem: string | null = null;
  const fail = (reason: string) => {
    if (problem) return;
    problem = reason;
    log(`!! ${reason}`);
    stop.abort(new Error(reason));
  };
  const watchdog = setInterval(() => {
    const rss = procMemory(hubPid)?.rss ?? 0;
    if (rss > MAX_RSS && hub.alive()) {
      hub.child.kill('SIGKILL');
      fail(`hub VmRSS ${mb(rss).toFixed(0)} MB > ${mb(MAX_RSS).toFixed(0)} MB: SIGKILLed, run stopped`);
    }
  }, 100);
  let stopping = false;
  void hub.exited.then(({ code, signal }) => {
    if (!stopping) fail(`the hub exited during the run (${code ?? signal}):\n${tail(hub.output)}`);
  });

  const run: Run = { hub, probe, sampler, bodies, runId: randomUUID(), stop };
  const phases: Phase[] = [];
  try {
    for (const [name, clients, seconds] of [
      ['idle', 0, IDLE_SECONDS],
      ['single', 1, SECONDS],
      ['overload', CLIENTS, SECONDS],
    ] as const) {
      if (problem) break;
      t = performance.now();
      const result = await phase(run, name, clients, seconds);
      phases.push(result);
      if (clients > 0) {
        log(
          `  ${name}: ${clients} client(s), ${fmtInt(result.rows)} rows acknowledged in ${result.seconds.toFixed(1)} s ` +
            `(${fmtRate(result.rows / result.seconds)} rows/s), ${result.ok} × 200 (${result.replayed} replayed), ` +
            `${result.status429} × 429, ${result.status503} × 503, ${result.networkErrors} network errors; ` +
            `/healthz p50 ${ms(result.healthz.p50)} p99 ${ms(result.healthz.p99)} max ${ms(result.healthz.max)}; ` +
            `hub RSS ${mb(result.rssStart).toFixed(0)} → peak ${mb(result.rssPeak).toFixed(0)} MB, ` +
            `CPU hub ${result.cpuHub.toFixed(2)} + clients ${result.cpuClients.toFixed(2)} cores`,
        );
        for (const [kind, n] of result.errorKinds) log(`      ${n} × ${kind}`);
      }
    }
  } finally {
    clearInterval(watchdog);
    probe.send('quit');
    await stopProcess('healthz-probe', probe.child, probe.exited, probe.output, {
      signal: null,
      timeoutMs: 20_000,
    }).catch((error: unknown) => log(`stopping the probe: ${String(error)}`));
  }

  // Stop the hub (SIGTERM: it drains and closes its DuckDB file), then count what it stored.
  stopping = true;
  let stopError: string | null = null;
  t = performance.now();
  if (hub.alive()) {
    await stopProcess('hub', hub.child, hub.exited, hub.output).catch((error: unknown) => {
      stopError = String(error);
    });
  } else {
    await hub.exited;
  }
  const stopSeconds = (performance.now() - t) / 1000;
  const acknowledged = phases.reduce((sum, p) => sum + p.rows, 0);
  let stored: number | null = null;
  try {
    stored = await countEvents(dbFile);
  } catch (error) {
    log(`counting the rows in ${dbFile}: ${String(error)}`);
  }
  removeDir(dataDir);
  const lost = stored === null ? null : Math.max(0, acknowledged - stored);
  const extra = stored === null ? null : Math.max(0, stored - acknowledged);
  log(
    `Hub stopped (SIGTERM) in ${stopSeconds.toFixed(1)} s` +
      (stopError ? `: ${stopError}` : ', exit code 0') +
      `; events in the DuckDB file: ${stored === null ? 'not counted' : fmtInt(stored)}, acknowledged ` +
      `${fmtInt(acknowledged)}\n`,
  );

  // ------------------------------------------------------------------------------------------
  const single = phases.find((p) => p.name === 'single');
  const overload = phases.find((p) => p.name === 'overload');
  const rate = (p: Phase) => p.rows / p.seconds;
  log(
    'Results: rows/s = acknowledged rows (200 answers) / wall time of the phase; ratio = rows/s over the single ' +
      "client's; 429/503 = such answers (each retried after Retry-After with the same key); network errors = " +
      'requests that failed below HTTP (each retried with the same key); /healthz from a separate process, every ' +
      `${PROBE_INTERVAL_MS} ms; RSS = the hub's VmRSS peak in the phase; CPU = CPU time / wall time (2 cores = 2.00)\n`,
  );
  printTable(
    [
      'phase',
      'clients',
      'seconds',
      'rows acked',
      'rows/s',
      'ratio',
      '200',
      '429/503',
      'net errors',
      '/healthz p50',
      'p99',
      'max',
      'probes failed',
      'RSS peak MB',
      'CPU hub',
    ],
    phases.map((p) => [
      p.name,
      String(p.clients),
      p.seconds.toFixed(1),
      fmtInt(p.rows),
      p.clients === 0 ? '' : fmtRate(rate(p)),
      p.clients === 0 || !single || single.rows === 0 ? '' : `${(rate(p) / rate(single)).toFixed(2)}×`,
      String(p.ok),
      `${p.status429}/${p.status503}`,
      String(p.networkErrors + p.serverErrors),
      ms(p.healthz.p50),
      ms(p.healthz.p99),
      ms(p.healthz.max),
      `${p.healthz.failed + p.healthz.timedOut}/${p.healthz.probes}`,
      mb(p.rssPeak).toFixed(0),
      p.cpuHub.toFixed(2),
    ]),
    [false, true, true, true, true, true, true, true, true, true, true, true, true, true, true],
  );

  const goals: string[][] = [];
  if (single && overload && single.rows > 0) {
    const ratio = rate(overload) / rate(single);
    goals.push([
      `rows/s, ${overload.clients} clients / 1 client`,
      `${ratio.toFixed(2)}×`,
      `≥ ${GOALS.ratio}`,
      verdict(ratio >= GOALS.ratio),
    ]);
  }
  for (const p of [single, overload]) {
    if (!p) continue;
    goals.push([
      `/healthz p99, ${p.name}`,
      ms(p.healthz.p99),
      `≤ ${GOALS.healthzP99Ms} ms`,
      verdict(p.healthz.p99 <= GOALS.healthzP99Ms && p.healthz.failed + p.healthz.timedOut === 0),
    ]);
  }
  for (const p of [single, overload]) {
    if (!p) continue;
    goals.push([
      `hub RSS peak, ${p.name}`,
      `${mb(p.rssPeak).toFixed(0)} MB`,
      `≤ ${mb(GOALS.rssPeakBytes).toFixed(0)} MB`,
      verdict(p.rssPeak <= GOALS.rssPeakBytes),
    ]);
  }
  goals.push([
    'rows lost (acknowledged − stored)',
    lost === null ? 'not counted' : fmtInt(lost),
    '0',
    verdict(lost === 0),
  ]);
  goals.push([
    'rows extra (stored − acknowledged)',
    extra === null ? 'not counted' : fmtInt(extra),
    '0',
    verdict(extra === 0),
  ]);
  const unresolved = phases.reduce((sum, p) => sum + p.unresolved, 0);
  const refused = phases.reduce((sum, p) => sum + p.refused, 0);
  goals.push([
    'requests unresolved / refused (4xx)',
    `${unresolved} / ${refused}`,
    '0 / 0',
    verdict(unresolved + refused === 0),
  ]);
  const crashed = problem !== null || stopError !== null;
  goals.push(['hub up to the end, clean SIGTERM exit', crashed ? 'no' : 'yes', 'yes', verdict(!crashed)]);
  log('');
  printTable(['goal', 'value', 'target', ''], goals, [false, true, false, false]);

  log(
    `\nPeak RSS of this process (clients + ${BODIES} bodies): ${mb(sampler.selfPeak).toFixed(0)} MB. Load average at ` +
      `the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}. Total time ${((performance.now() - startedAt) / 1000).toFixed(0)} s.`,
  );
  agent.destroy();
  await sampler.stop();
  return crashed || lost !== 0 ? 1 : 0;
}

// Ctrl-C or a kill: no child may outlive the benchmark (the 'exit' handlers of processes.ts and
// test/helpers/child.ts SIGKILL them and remove their temp dirs).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping every child process`);
    killAllChildren().finally(() => process.exit(130));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
