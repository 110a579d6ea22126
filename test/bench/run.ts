// `npm run bench`: end-to-end ingest throughput of the hub against baselines, on one data set.
// Prints figures only: nothing here fails on timing.
//
//   BENCH_QUICK=1             everything 10× smaller (a smoke run)
//   BENCH_GROWTH_ROWS=N       rows preloaded before the growth measurement (default 10,000,000;
//                             1,000,000 with BENCH_QUICK); 0 skips it
//   BENCH_REPS=N              repetitions per path (default 3; the median is reported)
//   BENCH_ONLY=a,b,e          run only these paths (a b c d e fa fb g)
import os from 'node:os';
import { generate, seriesCount, split, toArrowIpc, toCsv, toNdjson } from './data.js';
import {
  appenderRun,
  ARROW,
  type BenchOptions,
  CSV,
  growth,
  type GrowthResult,
  hubRun,
  naiveRun,
  NDJSON,
  type Run,
  type Workload,
} from './ingest.bench.js';
import { fmtInt, fmtRate, fmtSec, mb, median, RssSampler } from './measure.js';

const env = process.env;
const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
const scale = quick ? 10 : 1;
const intEnv = (name: string, fallback: number) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
};

const ROWS = 1_000_000 / scale;
const SMALL_REQUESTS = 1_000 / scale; // of 1,000 rows each
const SMALL_CONCURRENCY = 16;
const TEXT_REQUESTS = 10; // of ROWS / 10 rows each
const PRELOAD_REQUEST_ROWS = 500_000 / scale;
const GROWTH_ROWS = intEnv('BENCH_GROWTH_ROWS', 10_000_000 / scale);
const REPS = Math.max(1, intEnv('BENCH_REPS', 3));
const ONLY = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;
const wanted = (path: string) => !ONLY || ONLY.has(path);

const log = (line: string) => console.log(line);

interface PathResult {
  key: string;
  label: string;
  requests: number;
  runs: Run[];
}

async function repeat(label: string, reps: number, once: () => Promise<Run>): Promise<Run[]> {
  const runs: Run[] = [];
  for (let r = 0; r < reps; r++) {
    const run = await once();
    runs.push(run);
    log(
      `  ${label} #${r + 1}: ${fmtInt(run.rows)} rows in ${fmtSec(run.seconds)} s = ${fmtRate(run.rows / run.seconds)} rows/s, ` +
        `RSS ${mb(run.rssStart).toFixed(0)} → peak ${mb(run.rssPeak).toFixed(0)} MB`,
    );
  }
  return runs;
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
  log(
    `Convergence ingest benchmark${quick ? ' (BENCH_QUICK: 10× smaller)' : ''}: ${os.cpus().length} cores, ` +
      `Node ${process.version}, ${REPS} repetition(s) per path, median reported`,
  );

  // One data set, encoded up front into every wire format.
  let t = performance.now();
  const cols = generate(ROWS);
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
  log(
    `Hub: startServer() on a fresh temp dir per run (maxBodyMb ${options.maxBodyMb}, ingestQueueRows ${fmtInt(options.ingestQueueRows)}, ` +
      `other settings default); clients in the same process over loopback HTTP (fetch)`,
  );

  // Warm-up (not measured): the JIT sees every decoder and both servers once.
  t = performance.now();
  const warm = Math.min(ROWS, 20_000);
  const warmUp: Workload[] = [
    { contentType: ARROW, bodies: [toArrowIpc(cols, 0, warm)], rows: [warm], concurrency: 1 },
    { contentType: NDJSON, bodies: [toNdjson(cols, 0, warm)], rows: [warm], concurrency: 1 },
    { contentType: CSV, bodies: [toCsv(cols, 0, warm)], rows: [warm], concurrency: 1 },
  ];
  for (const w of warmUp) await hubRun(options, 'warm-up', w);
  await naiveRun(options, 'warm-up', warmUp[0]!);
  log(`Warm-up done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);

  const results: PathResult[] = [];
  const add = async (key: string, label: string, requests: number, once: () => Promise<Run>) => {
    if (!wanted(key)) return;
    log(`${key}. ${label}`);
    results.push({ key, label, requests, runs: await repeat(key, REPS, once) });
  };

  await add('e', 'baseline: in-process row appender, one commit', 1, () => appenderRun(options, cols));
  await add('a', 'hub: Arrow IPC, 1 request', 1, () => hubRun(options, 'a', oneLarge));
  await add('fa', 'baseline: naive server, Arrow IPC, 1 request', 1, () => naiveRun(options, 'fa', oneLarge));
  await add(
    'b',
    `hub: Arrow IPC, ${SMALL_REQUESTS} × 1,000 rows, ${SMALL_CONCURRENCY} clients`,
    SMALL_REQUESTS,
    () => hubRun(options, 'b', manySmall),
  );
  await add(
    'fb',
    `baseline: naive server, Arrow IPC, ${SMALL_REQUESTS} × 1,000 rows, ${SMALL_CONCURRENCY} clients`,
    SMALL_REQUESTS,
    () => naiveRun(options, 'fb', manySmall),
  );
  await add('c', `hub: NDJSON, ${TEXT_REQUESTS} × ${fmtInt(ROWS / TEXT_REQUESTS)} rows`, TEXT_REQUESTS, () =>
    hubRun(options, 'c', ndjsonLoad),
  );
  await add('d', `hub: CSV, ${TEXT_REQUESTS} × ${fmtInt(ROWS / TEXT_REQUESTS)} rows`, TEXT_REQUESTS, () =>
    hubRun(options, 'd', csvLoad),
  );

  let grown: GrowthResult | null = null;
  if (wanted('g') && GROWTH_ROWS > 0) {
    log(
      `g. hub: Arrow IPC, 1 request, after preloading ${fmtInt(GROWTH_ROWS)} rows ` +
        `(Arrow, ${fmtInt(PRELOAD_REQUEST_ROWS)}-row requests, 2 clients)`,
    );
    grown = await growth(options, GROWTH_ROWS, preload, oneLarge, REPS);
    log(
      `    preload: ${fmtInt(grown.stored)} rows in ${fmtSec(grown.preloadSeconds)} s ` +
        `(${grown.preloadRequests} requests, ${fmtRate(grown.stored / grown.preloadSeconds)} rows/s)`,
    );
    results.push({
      key: 'g',
      label: `hub: Arrow IPC, 1 request, at ${(grown.stored / 1e6).toFixed(1)} M stored rows`,
      requests: 1,
      runs: grown.runs,
    });
  }

  // ------------------------------------------------------------------------------------------
  log('\nResults (median of the repetitions; rows/s = acknowledged rows / wall time)\n');
  printTable(
    ['path', '', 'requests', 'rows', 'seconds', 'rows/s', 'min–max rows/s', 'peak RSS MB'],
    results.map((r) => {
      const rates = r.runs.map(rate);
      return [
        r.key,
        r.label,
        fmtInt(r.requests),
        fmtInt(r.runs[0]!.rows),
        fmtSec(median(r.runs.map((x) => x.seconds))),
        fmtRate(medianRate(r.runs)),
        `${fmtRate(Math.min(...rates))} – ${fmtRate(Math.max(...rates))}`,
        Math.max(...r.runs.map((x) => mb(x.rssPeak))).toFixed(0),
      ];
    }),
    [false, false, true, true, true, true, true, true],
  );

  const by = (key: string) => results.find((r) => r.key === key);
  const ratioRows: string[][] = [];
  const ratio = (label: string, num: string, den: string, goal?: number) => {
    const n = by(num);
    const d = by(den);
    if (!n || !d) return;
    const value = medianRate(n.runs) / medianRate(d.runs);
    const verdict = goal === undefined ? '' : value >= goal ? 'met' : 'NOT met';
    ratioRows.push([label, `${value.toFixed(2)}×`, goal === undefined ? '' : `≥ ${goal}`, verdict]);
  };
  ratio('Arrow one large (a) / naive server one large (fa)', 'a', 'fa', 1.4);
  ratio('Arrow many small (b) / naive server many small (fb)', 'b', 'fb');
  ratio('many small (b) / one large (a)', 'b', 'a', 0.8);
  ratio('Arrow one large (a) / in-process appender (e)', 'a', 'e');
  ratio('naive one large (fa) / in-process appender (e)', 'fa', 'e');
  ratio('NDJSON (c) / Arrow one large (a)', 'c', 'a');
  ratio('CSV (d) / Arrow one large (a)', 'd', 'a');
  if (grown) ratio(`rate at ${(grown.stored / 1e6).toFixed(1)} M stored (g) / at empty (a)`, 'g', 'a', 0.8);
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
  log('');
  printTable(['ratio', 'value', 'goal', ''], ratioRows, [false, true, false, false]);

  log('');
  if (grown) {
    log(
      `Growth: preload of ${fmtInt(grown.stored)} rows took ${fmtSec(grown.preloadSeconds)} s ` +
        `(${fmtRate(grown.stored / grown.preloadSeconds)} rows/s); afterwards rollup_minute held ` +
        `${fmtInt(grown.rollupMinuteRows)} rows (no compaction: startServer disables it) and the DuckDB file + WAL ` +
        `${grown.dbFileMb.toFixed(0)} MB.`,
    );
  }
  log(
    `Peak RSS of the whole process (server + clients + pre-encoded bodies), sampled every 50 ms: ` +
      `${mb(sampler.overallPeak).toFixed(0)} MB. Total time ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );
  await sampler.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
