// `npm run bench`: end-to-end ingest throughput of the hub against baselines, on one data set
// (1 M rows: 6 brands of one workspace, 5 touchpoints with their valid metrics, 2–4 sources each,
// timestamps over the last 7 days, integer values). Prints figures only: nothing fails on timing.
//
// Every measured server runs in a process of its own, as an operator would run it: the hub is
// `node --import tsx server/main.ts` on a fresh DATA_DIR, the naive server naive-server.ts, the
// appender appender-child.ts. This process holds only the clients (fetch) and the pre-encoded
// bodies, and reads each server's CPU and memory from /proc/<pid>.
//
//   a    hub: Arrow IPC, 1 request of 1 M rows
//   b    hub: Arrow IPC, 1,000 requests of 1,000 rows from 16 concurrent clients
//   c    hub: NDJSON, 10 requests of 100 k rows
//   d    hub: CSV, 10 requests of 100 k rows
//   e    baseline: in-process DuckDB row appender (in its own process, no HTTP), one commit
//   fa   baseline: naive server (Fastify → tableFromIPC → row appender, a commit per request), as a
//   fb   baseline: naive server, as b
//   g    hub: as a, on a hub preloaded with BENCH_GROWTH_ROWS rows
//
// "Acknowledged" = the HTTP 200 came back; the hub sends it after the commit, rollups included.
//
//   BENCH_QUICK=1             everything 10× smaller (a smoke run)
//   BENCH_GROWTH_ROWS=N       rows preloaded before the growth measurement (default 10,000,000;
//                             1,000,000 with BENCH_QUICK); 0 skips it
//   BENCH_REPS=N              repetitions per path (default 3; the median is reported)
//   BENCH_WARM_ROUNDS=N       untimed rounds before them (default 1)
//   BENCH_ONLY=a,b,e          run only these paths (a b c d e fa fb g)
import os from 'node:os';
import { generate, seriesCount, split, toArrowIpc, toCsv, toNdjson } from './data.js';
import {
  appenderTarget,
  ARROW,
  type BenchOptions,
  CSV,
  type EndState,
  hubEnv,
  hubTarget,
  naiveTarget,
  NDJSON,
  type PathPlan,
  type Preloaded,
  report,
  type Run,
  type Target,
  type Workload,
} from './ingest.bench.js';
import {
  cpuPressureAvg60,
  fmtInt,
  fmtRate,
  fmtSec,
  intEnv,
  mb,
  median,
  procMemory,
  quickBench,
  RssSampler,
} from './measure.js';
import { killAllChildren } from './processes.js';

const env = process.env;
const quick = quickBench;
const scale = quick ? 10 : 1;

const ROWS = 1_000_000 / scale;
const SEED = 42;
const SMALL_REQUESTS = 1_000 / scale; // of 1,000 rows each
const SMALL_CONCURRENCY = 16;
const TEXT_REQUESTS = 10; // of ROWS / 10 rows each
const PRELOAD_REQUEST_ROWS = 500_000 / scale;
const GROWTH_ROWS = intEnv('BENCH_GROWTH_ROWS', 10_000_000 / scale);
const REPS = Math.max(1, intEnv('BENCH_REPS', 3));
// Untimed rounds first: a fresh process runs its first requests with cold JIT and allocator.
const WARM_ROUNDS = Math.max(0, intEnv('BENCH_WARM_ROUNDS', 1));
const ONLY = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;
const wanted = (path: string) => !ONLY || ONLY.has(path);

const log = (line: string) => console.log(line);

interface PathResult {
  target: Target;
  runs: Run[];
  preloaded?: Preloaded;
  state?: EndState;
}

const rate = (run: Run) => run.rows / run.seconds;
const medianRate = (runs: Run[]) => median(runs.map(rate));

function pad(cells: string[], widths: number[], right: boolean[]): string {
  return cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
}

function printTable(header: string[], rows: string[][], right: boolean[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  log(pad(header, widths, right));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) log(pad(row, widths, right));
}

async function main(): Promise<void> {
  const started = performance.now();
  const sampler = new RssSampler(50);
  const loadAtStart = os.loadavg().map((l) => l.toFixed(2));
  const pressureAtStart = cpuPressureAvg60();
  log(
    `Convergence ingest benchmark${quick ? ' (BENCH_QUICK: 10× smaller)' : ''}: ${os.cpus().length} cores, ` +
      `Node ${process.version}, ${REPS} repetition(s) per path, median reported; load average ` +
      loadAtStart.join(' ') +
      (pressureAtStart === null ? '' : `, CPU pressure (some, avg60) ${pressureAtStart}%`),
  );

  // One data set, encoded up front into every wire format.
  let t = performance.now();
  const now = Date.now();
  const cols = generate(ROWS, now, SEED);
  const arrowOne = toArrowIpc(cols, 0, ROWS);
  const arrowSmall = split(ROWS, SMALL_REQUESTS, (s, e) => toArrowIpc(cols, s, e));
  const ndjson = split(ROWS, TEXT_REQUESTS, (s, e) => toNdjson(cols, s, e));
  const csv = split(ROWS, TEXT_REQUESTS, (s, e) => toCsv(cols, s, e));
  const preloadBodies = split(ROWS, Math.max(1, Math.round(ROWS / PRELOAD_REQUEST_ROWS)), (s, e) =>
    toArrowIpc(cols, s, e),
  );
  const sizes = (bodies: Uint8Array[]) => bodies.reduce((sum, b) => sum + b.byteLength, 0);
  log(
    `Data: ${fmtInt(ROWS)} rows, 1 workspace, ${cols.brands.length} brands, ${cols.touchpoints.length} touchpoints, ` +
      `${cols.sources.length} sources, ${cols.metrics.length} metrics, ${seriesCount(cols)} series, ts over the last 7 days; ` +
      `encoded in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  log(
    `Bodies: Arrow ${mb(arrowOne.byteLength).toFixed(1)} MB (1 request), Arrow ${mb(sizes(arrowSmall)).toFixed(1)} MB ` +
      `(${arrowSmall.length} requests), NDJSON ${mb(sizes(ndjson)).toFixed(1)} MB, CSV ${mb(sizes(csv)).toFixed(1)} MB ` +
      `(${TEXT_REQUESTS} requests each)`,
  );

  const largest = Math.max(
    arrowOne.byteLength,
    ...ndjson.map((b) => b.byteLength),
    ...csv.map((b) => b.byteLength),
  );
  const options: BenchOptions = {
    sampler,
    maxBodyMb: Math.max(64, Math.ceil(mb(largest)) + 1),
    ingestQueueRows: Math.max(2_000_000, 2 * ROWS),
    log,
  };
  const rowsOf = (bodies: Uint8Array[]) => split(ROWS, bodies.length, (s, e) => e - s);
  const oneLarge: Workload = { contentType: ARROW, bodies: [arrowOne], rows: [ROWS], concurrency: 1 };
  const manySmall: Workload = {
    contentType: ARROW,
    bodies: arrowSmall,
    rows: rowsOf(arrowSmall),
    concurrency: SMALL_CONCURRENCY,
  };
  const ndjsonLoad: Workload = { contentType: NDJSON, bodies: ndjson, rows: rowsOf(ndjson), concurrency: 1 };
  const csvLoad: Workload = { contentType: CSV, bodies: csv, rows: rowsOf(csv), concurrency: 1 };
  const preload: Workload = {
    contentType: ARROW,
    bodies: preloadBodies,
    rows: rowsOf(preloadBodies),
    concurrency: 2,
  };
  const hubSettings = Object.entries(hubEnv(options))
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  log(
    `Servers: each path in a process of its own. Hub: node --import tsx server/main.ts on a fresh DATA_DIR ` +
      `(${hubSettings} LOG_LEVEL=warn, other settings default); naive server: naive-server.ts; appender: ` +
      `appender-child.ts. Clients in this process over loopback HTTP (fetch).`,
  );

  // JIT warm-up (not measured): each process runs its measured decoder once before the timed
  // rounds. The Arrow preload does it for the Arrow paths; c and d first get one small body in
  // their own format.
  const warm = Math.min(ROWS, 20_000);
  const warmLoad = (contentType: string, body: Uint8Array): Workload => ({
    contentType,
    bodies: [body],
    rows: [warm],
    concurrency: 1,
  });
  log(
    `Protocol: each path gets its own fresh server process (or DuckDB file), started and preloaded untimed with ` +
      `${fmtInt(ROWS)} rows (one Arrow request; c and d first get ${fmtInt(warm)} rows in their own format as a JIT ` +
      `warm-up; g: ${fmtInt(GROWTH_ROWS)} rows in ${fmtInt(PRELOAD_REQUEST_ROWS)}-row requests from 2 clients); all ` +
      `stay up and their ${REPS} timed repetitions run interleaved in rounds.\n`,
  );

  const plan = (key: string, label: string, measured: Workload): PathPlan => ({
    key,
    label,
    preload: oneLarge,
    preloadRows: ROWS,
    measured,
  });
  const small = `${fmtInt(SMALL_REQUESTS)} × 1,000 rows, ${SMALL_CONCURRENCY} clients`;
  const text = `${TEXT_REQUESTS} × ${fmtInt(ROWS / TEXT_REQUESTS)} rows`;
  const targets = [
    appenderTarget(options, 'e', 'baseline: in-process row appender (own process, no HTTP), one commit', {
      rows: ROWS,
      seed: SEED,
      now,
    }),
    hubTarget(options, plan('a', 'hub: Arrow IPC, 1 request', oneLarge)),
    naiveTarget(options, plan('fa', 'baseline: naive server, Arrow IPC, 1 request', oneLarge)),
    hubTarget(options, plan('b', `hub: Arrow IPC, ${small}`, manySmall)),
    naiveTarget(options, plan('fb', `baseline: naive server, Arrow IPC, ${small}`, manySmall)),
    hubTarget(options, {
      ...plan('c', `hub: NDJSON, ${text}`, ndjsonLoad),
      warm: warmLoad(NDJSON, toNdjson(cols, 0, warm)),
    }),
    hubTarget(options, {
      ...plan('d', `hub: CSV, ${text}`, csvLoad),
      warm: warmLoad(CSV, toCsv(cols, 0, warm)),
    }),
    ...(GROWTH_ROWS > 0
      ? [
          hubTarget(options, {
            ...plan('g', `hub: Arrow IPC, 1 request, on ${fmtInt(GROWTH_ROWS)} preloaded rows`, oneLarge),
            preload,
            preloadRows: GROWTH_ROWS,
          }),
        ]
      : []),
  ].filter((target) => wanted(target.key));

  const results: PathResult[] = targets.map((target) => ({ target, runs: [] }));
  try {
    log('Paths (started and preloaded, untimed):');
    for (const result of results) {
      const { target } = result;
      t = performance.now();
      result.preloaded = await target.open();
      const { rows, seconds, warmRows } = result.preloaded;
      log(
        `  ${target.key.padEnd(2)}  ${target.label}: pid ${target.pid()}, up and preloaded in ` +
          `${fmtSec((performance.now() - t) / 1000)} s; preload ${fmtInt(rows)} rows in ${fmtSec(seconds)} s ` +
          `(${fmtRate(rows / seconds)} rows/s)` +
          (warmRows > 0 ? ` after ${fmtInt(warmRows)} warm-up rows` : ''),
      );
    }
    log(
      `VmRSS with every path up: ` +
        results
          .map(({ target }) => `${target.key} ${mb(procMemory(target.pid()!)?.rss ?? 0).toFixed(0)} MB`)
          .join(', ') +
        `; this process (clients + bodies) ${mb(process.memoryUsage.rss()).toFixed(0)} MB`,
    );
    for (let round = 0; round < WARM_ROUNDS; round++) {
      log(
        `Warm-up round ${round + 1} of ${WARM_ROUNDS} (untimed, each path runs its measured workload once)`,
      );
      for (const result of results) await result.target.run();
    }
    for (let round = 0; round < REPS; round++) {
      log(`Round ${round + 1} of ${REPS}`);
      for (let i = 0; i < results.length; i++) {
        const result = results[(i + round) % results.length]!;
        const run = await result.target.run();
        result.runs.push(run);
        report(options, result.target.key, round, run);
      }
    }
    log('Stopping every server and counting the rows in its DuckDB file …');
    for (const result of results) result.state = await result.target.verify();
  } finally {
    for (const { target } of results) {
      await target.close().catch((error: unknown) => log(`closing ${target.key}: ${String(error)}`));
    }
  }

  // ------------------------------------------------------------------------------------------
  log(
    '\nResults: median of the repetitions; rows/s = acknowledged rows / wall time; CPU = CPU time / wall time ' +
      '(2 cores = 2.00) of the server process (server; e: the appender process) and of this process (clients); ' +
      'CPU stall = share of wall time in which some task on the machine waited for a core (/proc/pressure/cpu: ' +
      'contention, ours included); RSS = VmRSS of the server process, sampled every 50 ms: peak during a run ' +
      'and Δ = that peak minus VmRSS at the run start (largest over the repetitions)\n',
  );
  printTable(
    [
      'path',
      '',
      'requests',
      'rows',
      'seconds',
      'rows/s',
      'min–max rows/s',
      'stored before',
      'CPU server',
      'CPU clients',
      'CPU stall',
      'RSS peak MB',
      'RSS Δ MB',
    ],
    results.map(({ target, runs }) => {
      const rates = runs.map(rate);
      return [
        target.key,
        target.label,
        fmtInt(target.requests),
        fmtInt(runs[0]!.rows),
        fmtSec(median(runs.map((x) => x.seconds))),
        fmtRate(medianRate(runs)),
        `${fmtRate(Math.min(...rates))} – ${fmtRate(Math.max(...rates))}`,
        `${(runs[0]!.storedBefore / 1e6).toFixed(1)}–${(runs[runs.length - 1]!.storedBefore / 1e6).toFixed(1)} M`,
        median(runs.map((x) => x.cpuSeconds / x.seconds)).toFixed(2),
        median(runs.map((x) => x.clientCpuSeconds / x.seconds)).toFixed(2),
        runs[0]!.cpuStall === null
          ? 'n/a'
          : `${(median(runs.map((x) => x.cpuStall ?? 0)) * 100).toFixed(0)}%`,
        Math.max(...runs.map((x) => mb(x.rssPeak))).toFixed(0),
        Math.max(...runs.map((x) => mb(x.rssPeak - x.rssStart))).toFixed(0),
      ];
    }),
    [false, false, true, true, true, true, true, true, true, true, true, true, true],
  );

  const by = (key: string) => results.find((r) => r.target.key === key);
  const ratioRows: string[][] = [];
  const ratio = (label: string, num: string, den: string, goal?: number) => {
    const n = by(num);
    const d = by(den);
    if (!n || !d) return;
    const value = medianRate(n.runs) / medianRate(d.runs);
    const verdict = goal === undefined ? '' : value >= goal ? 'met' : 'NOT met';
    ratioRows.push([label, `${value.toFixed(2)}×`, goal === undefined ? '' : `≥ ${goal}`, verdict]);
  };
  const a = by('a');
  if (a) {
    const value = medianRate(a.runs);
    ratioRows.push([
      'Arrow one large (a), absolute',
      `${fmtRate(value)} rows/s`,
      '≥ 1.000 M rows/s',
      value >= 1e6 ? 'met' : 'NOT met',
    ]);
  }
  ratio('Arrow one large (a) / naive server one large (fa)', 'a', 'fa', 1.4);
  ratio('many small (b) / one large (a)', 'b', 'a', 0.8);
  const grown = by('g');
  if (grown) {
    const at = (r: PathResult) => {
      const stored = median(r.runs.map((x) => x.storedBefore)) / 1e6;
      return `${stored.toFixed(stored >= 10 ? 0 : 1)} M`;
    };
    ratio(`rate at ${at(grown)} stored (g) / at ${a ? at(a) : '?'} (a)`, 'g', 'a', 0.8);
  }
  ratio('Arrow many small (b) / naive server many small (fb)', 'b', 'fb');
  ratio('Arrow one large (a) / in-process appender (e)', 'a', 'e');
  ratio('naive one large (fa) / in-process appender (e)', 'fa', 'e');
  ratio('NDJSON (c) / Arrow one large (a)', 'c', 'a');
  ratio('CSV (d) / Arrow one large (a)', 'd', 'a');
  log('');
  printTable(['ratio', 'value', 'goal', ''], ratioRows, [false, true, false, false]);

  log('');
  log(
    'Server processes at the end (VmRSS / VmHWM = peak VmRSS over the life of the process): ' +
      results
        .map(
          ({ target, state }) =>
            `${target.key} ${mb(state!.rss).toFixed(0)} / ${mb(state!.hwm).toFixed(0)} MB`,
        )
        .join('; '),
  );
  const hubs = results.filter((r) => r.state?.hub);
  if (hubs.length > 0) {
    log(
      'Hubs at the end (raw rows / minute-rollup rows, counted in the DuckDB file after the hub stopped / ' +
        'DuckDB file + WAL while it ran): ' +
        hubs
          .map(({ target, state }) =>
            [
              `${target.key} ${(state!.hub!.rawRows / 1e6).toFixed(1)} M`,
              `${(state!.hub!.rollupMinuteRows / 1e6).toFixed(1)} M`,
              `${state!.hub!.dbFileMb.toFixed(0)} MB`,
            ].join(' / '),
          )
          .join('; '),
    );
  }
  if (grown?.preloaded && grown.state?.hub) {
    const { preloaded } = grown;
    const hub = grown.state.hub;
    log(
      `Growth preload: ${fmtInt(preloaded.rows)} rows in ${fmtSec(preloaded.seconds)} s (${preloaded.requests} requests, ` +
        `${fmtRate(preloaded.rows / preloaded.seconds)} rows/s). At the end that hub held ${fmtInt(hub.rawRows)} raw ` +
        `rows and ${fmtInt(hub.rollupMinuteRows)} minute-rollup rows (COMPACT_INTERVAL_MS=0: no compaction).`,
    );
  }
  const load = os.loadavg().map((l) => l.toFixed(2));
  const pressure = cpuPressureAvg60();
  log(
    `Peak RSS of this process (clients + pre-encoded bodies, no server), sampled every 50 ms: ` +
      `${mb(sampler.selfPeak).toFixed(0)} MB. Load average at the end: ${load.join(' ')}` +
      (pressure === null ? '. ' : `; CPU pressure (some, avg60) ${pressure}%. `) +
      `Total time ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );
  await sampler.stop();
}

// Ctrl-C or a kill: no server process may outlive the benchmark (the 'exit' handlers of
// processes.ts and test/helpers/child.ts SIGKILL them and remove their temp dirs).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping every server process`);
    killAllChildren().finally(() => process.exit(130));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
