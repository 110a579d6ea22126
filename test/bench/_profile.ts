// temporary: per-statement timing of the hub's writer, by wrapping Sql.run
import { Sql } from '../../server/db/database.js';
import { generate, split, toArrowIpc } from './data.js';
import { hubRun, ARROW, growth, type BenchOptions } from './ingest.bench.js';
import { RssSampler } from './measure.js';

const stats = new Map<string, { n: number; ms: number }>();
const orig = Sql.prototype.run;
Sql.prototype.run = async function (this: Sql, sql: string, params?: never) {
  const t = performance.now();
  try { return await orig.call(this, sql, params); } finally {
    const key = sql.replace(/\s+/g, ' ').slice(0, 70);
    const s = stats.get(key) ?? { n: 0, ms: 0 };
    s.n++; s.ms += performance.now() - t; stats.set(key, s);
  }
};
const dump = (title: string) => {
  console.log(`--- ${title}`);
  for (const [k, v] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) console.log(`${v.ms.toFixed(0).padStart(7)} ms ${String(v.n).padStart(5)}× ${k}`);
  stats.clear();
};
const ROWS = Number(process.env.ROWS ?? 1_000_000);
const cols = generate(ROWS);
const one = toArrowIpc(cols, 0, ROWS);
const sampler = new RssSampler();
const options: BenchOptions = { sampler, maxBodyMb: 256, ingestQueueRows: 4_000_000, log: console.log };
const w = { contentType: ARROW, bodies: [one], rows: [ROWS], concurrency: 1 };
for (let i = 0; i < 2; i++) { const r = await hubRun(options, 'a', w); console.log('a', r.seconds); }
dump('a x2');
if (process.env.SMALL) {
  const small = split(ROWS, ROWS / 1000, (s, e) => toArrowIpc(cols, s, e));
  const r = await hubRun(options, 'b', { contentType: ARROW, bodies: small, rows: small.map(() => 1000), concurrency: 16 });
  console.log('b', r.seconds);
  dump('b');
}
if (process.env.GROW) {
  const pre = split(ROWS, 2, (s, e) => toArrowIpc(cols, s, e));
  const g = await growth(options, Number(process.env.GROW), { contentType: ARROW, bodies: pre, rows: [ROWS / 2, ROWS / 2], concurrency: 2 }, w, 1);
  console.log('g preload', g.preloadSeconds, 'run', g.runs[0]!.seconds);
  dump('growth (preload + 1 run)');
}
await sampler.stop();
