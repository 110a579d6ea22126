// The benchmark's one data set, generated once and encoded into every wire format up front, so
// that timing covers only the path into the server (or DuckDB), never the client's encoding.
import {
  KNOWN_SOURCES,
  metricsForTouchpoint,
  TOUCHPOINTS,
  type Touchpoint,
} from '../../shared/vocabulary.js';
import { mulberry32 as random } from '../../shared/random.js';

export const WORKSPACE = 'bench';

/** Six brands of one workspace: the own brand first, then its competitors. */
export const BRANDS = [
  { id: 'acme', name: 'Acme', own: true },
  { id: 'globex', name: 'Globex', own: false },
  { id: 'initech', name: 'Initech', own: false },
  { id: 'umbrella', name: 'Umbrella', own: false },
  { id: 'hooli', name: 'Hooli', own: false },
  { id: 'stark', name: 'Stark', own: false },
];

/** 2–4 sources per touchpoint, all from the known vocabulary. */
const SOURCES_PER_TOUCHPOINT: Record<Touchpoint, number> = {
  search: 3,
  site: 2,
  social: 4,
  media: 3,
  viral: 2,
};

/** The data set as columns: strings as codes into small dictionaries. */
export interface Columns {
  length: number;
  brands: string[];
  touchpoints: string[];
  sources: string[];
  metrics: string[];
  brand: Int32Array;
  touchpoint: Int32Array;
  source: Int32Array;
  metric: Int32Array;
  /** Epoch milliseconds, whole seconds, within the last ~7 days. */
  ts: Float64Array;
  /** Integers. */
  value: Float64Array;
}

/** The series keys (touchpoint, source, metric) a brand can have: metrics valid per touchpoint. */
function combos(): { touchpoint: string; source: string; metric: string; scale: number }[] {
  const out: { touchpoint: string; source: string; metric: string; scale: number }[] = [];
  for (const tp of TOUCHPOINTS) {
    for (const source of KNOWN_SOURCES[tp].slice(0, SOURCES_PER_TOUCHPOINT[tp])) {
      for (const metric of metricsForTouchpoint(tp)) {
        const scale =
          metric.unit === 'rating'
            ? 5
            : metric.unit === 'position'
              ? 50
              : metric.unit === 'people'
                ? 1e6
                : 5000;
        out.push({ touchpoint: tp, source, metric: metric.id, scale });
      }
    }
  }
  return out;
}

export function generate(rows: number, now = Date.now(), seed = 42): Columns {
  const rand = random(seed);
  const keys = combos();
  const dict = (values: string[]) => {
    const list = [...new Set(values)];
    return { list, index: new Map(list.map((v, i) => [v, i])) };
  };
  const tps = dict(keys.map((k) => k.touchpoint));
  const srcs = dict(keys.map((k) => k.source));
  const mets = dict(keys.map((k) => k.metric));
  const keyCodes = keys.map((k) => ({
    t: tps.index.get(k.touchpoint)!,
    s: srcs.index.get(k.source)!,
    m: mets.index.get(k.metric)!,
    scale: k.scale,
  }));
  const cols: Columns = {
    length: rows,
    brands: BRANDS.map((b) => b.id),
    touchpoints: tps.list,
    sources: srcs.list,
    metrics: mets.list,
    brand: new Int32Array(rows),
    touchpoint: new Int32Array(rows),
    source: new Int32Array(rows),
    metric: new Int32Array(rows),
    ts: new Float64Array(rows),
    value: new Float64Array(rows),
  };
  const span = 7 * 86_400;
  const end = Math.floor(now / 1000) - 60;
  for (let i = 0; i < rows; i++) {
    const k = keyCodes[Math.floor(rand() * keyCodes.length)]!;
    cols.brand[i] = Math.floor(rand() * BRANDS.length);
    cols.touchpoint[i] = k.t;
    cols.source[i] = k.s;
    cols.metric[i] = k.m;
    cols.ts[i] = (end - Math.floor(rand() * span)) * 1000;
    cols.value[i] = Math.floor(rand() * k.scale) + (k.scale <= 50 ? 1 : 0);
  }
  return cols;
}

export function seriesCount(cols: Columns): number {
  const seen = new Set<number>();
  for (let i = 0; i < cols.length; i++) {
    seen.add(((cols.brand[i]! * 64 + cols.touchpoint[i]!) * 64 + cols.source[i]!) * 64 + cols.metric[i]!);
  }
  return seen.size;
}

// Arrow IPC: the producers' encoder (server/demo/arrow.ts), the same one the demo market sends with.
export { encodeArrow as toArrowIpc } from '../../server/demo/arrow.js';

// ---------------------------------------------------------------------------------------------
// Text formats: ISO 8601 timestamps with Z, as a connector would send them.

function isoCache(cols: Columns): (i: number) => string {
  const cache = new Map<number, string>();
  return (i) => {
    const ms = cols.ts[i]!;
    let s = cache.get(ms);
    if (s === undefined) {
      s = new Date(ms).toISOString();
      cache.set(ms, s);
    }
    return s;
  };
}

export function toNdjson(cols: Columns, start: number, end: number): Buffer {
  const iso = isoCache(cols);
  const lines: string[] = new Array(end - start);
  for (let i = start; i < end; i++) {
    lines[i - start] = JSON.stringify({
      ts: iso(i),
      brand: cols.brands[cols.brand[i]!],
      touchpoint: cols.touchpoints[cols.touchpoint[i]!],
      source: cols.sources[cols.source[i]!],
      metric: cols.metrics[cols.metric[i]!],
      value: cols.value[i],
    });
  }
  return Buffer.from(lines.join('\n') + '\n');
}

export function toCsv(cols: Columns, start: number, end: number): Buffer {
  const iso = isoCache(cols);
  const lines: string[] = new Array(end - start + 1);
  lines[0] = 'ts,brand,touchpoint,source,metric,value';
  for (let i = start; i < end; i++) {
    lines[i - start + 1] =
      `${iso(i)},${cols.brands[cols.brand[i]!]},${cols.touchpoints[cols.touchpoint[i]!]},` +
      `${cols.sources[cols.source[i]!]},${cols.metrics[cols.metric[i]!]},${cols.value[i]}`;
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/** Splits [0, rows) into `parts` equal requests and encodes each. */
export function split<T>(rows: number, parts: number, encode: (start: number, end: number) => T): T[] {
  const size = Math.ceil(rows / parts);
  const out: T[] = [];
  for (let start = 0; start < rows; start += size) out.push(encode(start, Math.min(rows, start + size)));
  return out;
}
