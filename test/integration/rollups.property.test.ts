// Property: whatever the order, batching, format, concurrency and retries of the ingest requests,
// and whether the compactor ran in between, every rollup grain equals a GROUP BY over the rows
// that were accepted, exactly (sum, count, min, max, and for gauges the value at the latest ts,
// the larger one on a tie).
//
// The expectation is computed here from what was sent; it is compared with
//   1. a GROUP BY over the raw `events` table (rows stored exactly once),
//   2. the merged rows of rollup_minute / rollup_hour / rollup_day,
//   3. GET /series per series key and grain (what a client sees),
// and the ingest answers (accepted / rejected / row errors / Idempotent-Replayed) are checked too.
import fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_BY_ID, isMetricValidFor, isTouchpoint } from '../../shared/vocabulary.js';
import { DEMO_BRANDS, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';
import {
  CONTENT_TYPES,
  FORMATS,
  OFFSETS,
  TS_STYLES,
  dayLabel,
  encode,
  localDayBucket,
  type Format,
  type WireRow,
} from './support/wire.js';

// ROLLUP_PROPERTY_RUNS=200 explores further (about 0.5 s a run).
const NUM_RUNS = Number(process.env.ROLLUP_PROPERTY_RUNS ?? 20);
/** Runs plus the shrinking of a failure; past it the property fails rather than pass on fewer runs. */
const TIME_LIMIT_MS = Math.max(100_000, NUM_RUNS * 2_000);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const GRAINS = ['minute', 'hour', 'day'] as const;
type Grain = (typeof GRAINS)[number];

/** The series keys a run draws from: counters and gauges, known and free-text sources. */
const KEY_POOL: readonly { touchpoint: string; source: string; metric: string }[] = [
  { touchpoint: 'search', source: 'google', metric: 'clicks' },
  { touchpoint: 'search', source: 'google', metric: 'avg_position' },
  { touchpoint: 'search', source: 'bing', metric: 'avg_position' },
  { touchpoint: 'search', source: 'bing', metric: 'impressions' },
  { touchpoint: 'social', source: 'facebook', metric: 'followers' },
  { touchpoint: 'social', source: 'instagram', metric: 'followers' },
  { touchpoint: 'social', source: 'x', metric: 'posts' },
  { touchpoint: 'site', source: 'web', metric: 'visits' },
  { touchpoint: 'site', source: 'ios', metric: 'app_rating' },
  { touchpoint: 'media', source: 'press', metric: 'mentions' },
  { touchpoint: 'viral', source: 'youtube', metric: 'views' },
  { touchpoint: 'social', source: 'my-feed_2', metric: 'mentions' },
];
const BRANDS = DEMO_BRANDS.map((b) => b.id);
const isGauge = (metric: string) => METRICS_BY_ID.get(metric)?.kind === 'gauge';

/**
 * Anchors (UTC) next to day boundaries and DST changes: Europe/Paris local midnights at 23:00Z /
 * 22:00Z, its DST changes at 2026-03-29 01:00Z and 2026-10-25 01:00Z, New York's on 2026-03-08
 * 07:00Z and 2026-11-01 06:00Z, Kathmandu's midnight at 18:15Z, and a day just before "now".
 */
const ANCHORS = [
  '2026-03-28T22:58:00Z',
  '2026-03-29T00:59:00Z',
  '2026-03-29T21:59:00Z',
  '2026-10-24T21:59:00Z',
  '2026-10-25T00:59:00Z',
  '2026-10-25T22:59:00Z',
  '2026-03-08T06:59:00Z',
  '2026-11-01T05:59:00Z',
  '2026-06-15T18:14:00Z',
  '2026-11-28T20:00:00Z',
].map((s) => Date.parse(s));

/** The second workspace of each run receives the same events in another zone. */
const OTHER_ZONES = ['UTC', 'America/New_York', 'Asia/Kathmandu'] as const;

/** Rows the hub must refuse, each with one problem, and the row error it must report. */
const INVALID_KINDS = [
  'unknown_brand',
  'unknown_touchpoint',
  'metric_not_valid',
  'ts_out_of_range',
  'bad_value',
] as const;
type InvalidKind = (typeof INVALID_KINDS)[number];
const INVALID_ERROR: Record<InvalidKind, { field: string; code: string }> = {
  unknown_brand: { field: 'brand', code: 'unknown_brand' },
  unknown_touchpoint: { field: 'touchpoint', code: 'unknown_touchpoint' },
  metric_not_valid: { field: 'metric', code: 'metric_not_valid_for_touchpoint' },
  ts_out_of_range: { field: 'ts', code: 'ts_out_of_range' },
  bad_value: { field: 'value', code: 'invalid_value' },
};

type Retry = 'once' | 'no-key' | 'concurrent' | 'after' | 'concurrent-and-after';
const RETRIES: readonly Retry[] = ['once', 'no-key', 'concurrent', 'after', 'concurrent-and-after'];

interface PlannedRow extends WireRow {
  invalid?: InvalidKind;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const quarter = fc.integer({ min: -4_000, max: 4_000_000 }).map((n) => n / 4);

const tsArb = fc
  .record({
    anchor: fc.constantFrom(...ANCHORS),
    // Mostly close to the anchor (shared minute and hour buckets), sometimes hours away.
    minutes: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -240, max: 240 })),
    ms: fc.oneof(fc.constant(0), fc.constant(59_999), fc.integer({ min: 0, max: 59_999 })),
  })
  .map(({ anchor, minutes, ms }) => anchor + minutes * MINUTE + ms);

/** A few values of one series; several at the same timestamp when `sameTs`. */
const groupArb = (keyCount: number) =>
  fc.record({
    series: fc.nat({ max: keyCount - 1 }),
    ts: tsArb,
    values: fc.array(quarter, { minLength: 1, maxLength: 4 }),
    sameTs: fc.boolean(),
    spreadMs: fc.integer({ min: 1, max: 5 * HOUR }),
  });

const baseArb = fc
  .record({
    keys: fc.uniqueArray(
      fc.record({ brand: fc.constantFrom(...BRANDS), key: fc.nat({ max: KEY_POOL.length - 1 }) }),
      {
        minLength: 1,
        maxLength: 7,
        selector: (k) => `${k.brand}/${k.key}`,
      },
    ),
    otherZone: fc.constantFrom(...OTHER_ZONES),
    compactMid: fc.boolean(),
    compactEnd: fc.boolean(),
  })
  .chain((base) =>
    fc.record({
      base: fc.constant(base),
      groups: fc.array(groupArb(base.keys.length), { minLength: 10, maxLength: 120 }),
      invalid: fc.array(fc.record({ kind: fc.constantFrom(...INVALID_KINDS), ts: tsArb }), { maxLength: 4 }),
    }),
  );

/** Expands groups into rows; gauge groups with `sameTs` give equal timestamps and different values. */
function expandRows(
  keys: { brand: string; key: number }[],
  groups: { series: number; ts: number; values: number[]; sameTs: boolean; spreadMs: number }[],
  invalid: { kind: InvalidKind; ts: number }[],
): PlannedRow[] {
  const rows: PlannedRow[] = [];
  for (const g of groups) {
    const k = keys[g.series]!;
    const key = KEY_POOL[k.key]!;
    g.values.forEach((value, i) => {
      // Spread groups go backwards in time: later rows of the list are older (late data).
      const ts = g.sameTs ? g.ts : g.ts - i * g.spreadMs;
      rows.push({ ts, tsStyle: 'iso-z', offset: 0, brand: k.brand, ...key, value });
    });
  }
  for (const bad of invalid) {
    const row: PlannedRow = {
      ts: bad.ts,
      tsStyle: 'iso-z',
      offset: 0,
      brand: 'acme',
      ...KEY_POOL[0]!,
      value: 1,
    };
    row.invalid = bad.kind;
    if (bad.kind === 'unknown_brand') row.brand = 'umbrella';
    if (bad.kind === 'unknown_touchpoint') row.touchpoint = 'billboard';
    if (bad.kind === 'metric_not_valid') row.metric = 'followers';
    if (bad.kind === 'ts_out_of_range')
      row.ts = bad.ts % 2 === 0 ? Date.parse('2027-03-01T00:00:00Z') : 946_684_799_000;
    if (bad.kind === 'bad_value') row.value = 'bad';
    rows.push(row);
  }
  return rows;
}

const MAX_BATCHES = 14;

const scenarioArb = baseArb.chain(({ base, groups, invalid }) => {
  const rows = expandRows(base.keys, groups, invalid);
  const n = rows.length;
  const indices = rows.map((_, i) => i);
  return fc
    .record({
      order: fc.shuffledSubarray(indices, { minLength: n, maxLength: n }),
      cuts:
        n > 1
          ? fc.uniqueArray(fc.integer({ min: 1, max: n - 1 }), { maxLength: MAX_BATCHES - 1 })
          : fc.constant([]),
      styles: fc.array(
        fc.record({ style: fc.constantFrom(...TS_STYLES), offset: fc.nat({ max: OFFSETS.length - 1 }) }),
        {
          minLength: n,
          maxLength: n,
        },
      ),
      formats: fc.array(fc.constantFrom(...FORMATS), { minLength: MAX_BATCHES, maxLength: MAX_BATCHES }),
      retries: fc.array(fc.constantFrom(...RETRIES), { minLength: MAX_BATCHES, maxLength: MAX_BATCHES }),
      secondWave: fc.array(fc.boolean(), { minLength: MAX_BATCHES, maxLength: MAX_BATCHES }),
    })
    .map((plan) => {
      const styled = rows.map((r, i) => ({
        ...r,
        tsStyle: plan.styles[i]!.style,
        offset: plan.styles[i]!.offset,
      }));
      const shuffled = plan.order.map((i) => styled[i]!);
      const cuts = [0, ...[...plan.cuts].sort((a, b) => a - b), n];
      const batches = cuts.slice(1).map((end, b) => ({
        rows: shuffled.slice(cuts[b]!, end),
        format: plan.formats[b]!,
        retry: plan.retries[b]!,
        secondWave: plan.secondWave[b]!,
      }));
      return { ...base, batches };
    });
});

type ScenarioValue = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;
type Batch = ScenarioValue['batches'][number];

// ---------------------------------------------------------------------------------------------
// The model: a GROUP BY over the accepted rows, computed here
// ---------------------------------------------------------------------------------------------

interface Agg {
  sum: number;
  count: number;
  min: number;
  max: number;
  lastTs: number;
  last: number;
}

const seriesKey = (r: { brand: string; touchpoint: string; source: string; metric: string }) =>
  `${r.brand}|${r.touchpoint}|${r.source}|${r.metric}`;

function bucketOf(grain: Grain, tz: string, ts: number): number {
  if (grain === 'minute') return Math.floor(ts / MINUTE) * MINUTE;
  if (grain === 'hour') return Math.floor(ts / HOUR) * HOUR;
  return localDayBucket(tz, ts);
}

/** grain -> series key -> bucket (UTC ms, or local midnight as naive ms for days) -> aggregate */
type Model = Record<Grain, Map<string, Map<number, Agg>>>;

function buildModel(rows: PlannedRow[], tz: string): Model {
  const model = { minute: new Map(), hour: new Map(), day: new Map() } as Model;
  for (const row of rows) {
    if (row.invalid || row.value === 'bad') continue;
    const value = row.value;
    for (const grain of GRAINS) {
      const key = seriesKey(row);
      let perSeries = model[grain].get(key);
      if (!perSeries) model[grain].set(key, (perSeries = new Map()));
      const bucket = bucketOf(grain, tz, row.ts);
      const agg = perSeries.get(bucket);
      if (!agg) {
        perSeries.set(bucket, { sum: value, count: 1, min: value, max: value, lastTs: row.ts, last: value });
        continue;
      }
      agg.sum += value;
      agg.count += 1;
      agg.min = Math.min(agg.min, value);
      agg.max = Math.max(agg.max, value);
      if (row.ts > agg.lastTs || (row.ts === agg.lastTs && value > agg.last)) {
        agg.lastTs = row.ts;
        agg.last = value;
      }
    }
  }
  return model;
}

interface DbRow {
  series: string;
  bucket: number;
  sum: number;
  count: number;
  min: number;
  max: number;
  lastTs: number;
  last: number;
}

function modelDbRows(model: Model, grain: Grain): DbRow[] {
  const rows: DbRow[] = [];
  for (const [series, buckets] of model[grain]) {
    for (const [bucket, a] of buckets) rows.push({ series, bucket, ...a });
  }
  return sortDbRows(rows);
}

const sortDbRows = (rows: DbRow[]) =>
  rows.sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : a.bucket - b.bucket));

interface ApiRow {
  bucket: string;
  sum: number;
  count: number;
  min: number;
  max: number;
  last: number | null;
}

function modelApiRows(model: Model, grain: Grain, tz: string, series: string): ApiRow[] {
  const buckets = model[grain].get(series) ?? new Map<number, Agg>();
  const gauge = isGauge(series.split('|')[3]!);
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([bucket, a]) => ({
      bucket: grain === 'day' ? dayLabel(tz, bucket) : new Date(bucket).toISOString(),
      sum: a.sum,
      count: a.count,
      min: a.min,
      max: a.max,
      last: gauge ? a.last : null,
    }));
}

// ---------------------------------------------------------------------------------------------
// Reading the hub
// ---------------------------------------------------------------------------------------------

const bucketSql: Record<Grain, (column: string) => string> = {
  minute: (c) => `date_trunc('minute', ${c})`,
  hour: (c) => `date_trunc('hour', ${c})`,
  day: (c) => `date_trunc('day', timezone($tz, ${c}::TIMESTAMPTZ))`,
};

const seriesSql = `s.brand || '|' || s.touchpoint || '|' || s.source || '|' || s.metric`;

async function rawGroupBy(server: TestServer, ws: number, tz: string, grain: Grain): Promise<DbRow[]> {
  const rows = await server.app.db.read((sql) =>
    sql.rows<DbRow>(
      `SELECT ${seriesSql} AS series, epoch_ms(${bucketSql[grain]('e.ts')})::DOUBLE AS bucket,
         sum(e.value)::DOUBLE AS sum, count(*)::DOUBLE AS count, min(e.value)::DOUBLE AS min,
         max(e.value)::DOUBLE AS max, epoch_ms(max(e.ts))::DOUBLE AS "lastTs",
         arg_max(e.value, (e.ts, e.value))::DOUBLE AS last
       FROM events e JOIN series s ON s.ws = e.ws AND s.id = e.series
       WHERE e.ws = $ws GROUP BY ALL`,
      { ws, tz },
    ),
  );
  return sortDbRows(rows);
}

async function mergedRollups(server: TestServer, ws: number, grain: Grain): Promise<DbRow[]> {
  const rows = await server.app.db.read((sql) =>
    sql.rows<DbRow>(
      `SELECT ${seriesSql} AS series, epoch_ms(r.bucket)::DOUBLE AS bucket,
         sum(r.sum)::DOUBLE AS sum, sum(r.count)::DOUBLE AS count, min(r.min)::DOUBLE AS min,
         max(r.max)::DOUBLE AS max, epoch_ms(max(r.last_ts))::DOUBLE AS "lastTs",
         arg_max(r.last_value, (r.last_ts, r.last_value))::DOUBLE AS last
       FROM rollup_${grain} r JOIN series s ON s.ws = r.ws AND s.id = r.series
       WHERE r.ws = $ws GROUP BY ALL`,
      { ws },
    ),
  );
  return sortDbRows(rows);
}

/** Rows per (series, bucket) beyond the first, in each rollup table of a workspace. */
async function unmergedRows(server: TestServer, ws: number): Promise<Record<Grain, number>> {
  const out = {} as Record<Grain, number>;
  for (const grain of GRAINS) {
    const row = await server.app.db.read((sql) =>
      sql.one<{ extra: number }>(
        `SELECT (count(*) - count(DISTINCT (series, bucket)))::DOUBLE AS extra FROM rollup_${grain} WHERE ws = $ws`,
        { ws },
      ),
    );
    out[grain] = row!.extra;
  }
  return out;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const WINDOW = 'from=2026-01-01T00:00:00Z&to=2026-11-30T00:00:00Z';

async function apiSeries(server: TestServer, ws: string, series: string, grain: Grain): Promise<ApiRow[]> {
  const [brand, touchpoint, source, metric] = series.split('|') as [string, string, string, string];
  const params = new URLSearchParams({ metric, brand, touchpoint, source, grain });
  const body = await getJson<{ rows: ApiRow[] }>(
    `${server.url}/api/v1/workspaces/${ws}/series?${params}&${WINDOW}`,
  );
  return body.rows;
}

/** All sources of one (brand, metric): sum / count / min / max merge across sources. */
async function apiAcrossSources(server: TestServer, ws: string, brand: string, metric: string, grain: Grain) {
  const params = new URLSearchParams({ metric, brand, grain });
  const body = await getJson<{ rows: ApiRow[] }>(
    `${server.url}/api/v1/workspaces/${ws}/series?${params}&${WINDOW}`,
  );
  return body.rows.map(({ bucket, sum, count, min, max }) => ({ bucket, sum, count, min, max }));
}

function modelAcrossSources(model: Model, grain: Grain, tz: string, brand: string, metric: string) {
  const merged = new Map<number, { sum: number; count: number; min: number; max: number }>();
  for (const [series, buckets] of model[grain]) {
    const [b, , , m] = series.split('|');
    if (b !== brand || m !== metric) continue;
    for (const [bucket, a] of buckets) {
      const x = merged.get(bucket);
      if (!x) merged.set(bucket, { sum: a.sum, count: a.count, min: a.min, max: a.max });
      else {
        x.sum += a.sum;
        x.count += a.count;
        x.min = Math.min(x.min, a.min);
        x.max = Math.max(x.max, a.max);
      }
    }
  }
  return [...merged.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([bucket, a]) => ({
      bucket: grain === 'day' ? dayLabel(tz, bucket) : new Date(bucket).toISOString(),
      ...a,
    }));
}

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

interface Attempt {
  status: number;
  replayed: boolean;
  body: unknown;
}

interface SentBatch {
  key: string | undefined;
  attempts: Promise<Attempt>[];
  expected: { accepted: number; rejected: number; errors: { row: number; field: string; code: string }[] };
}

async function send(
  server: TestServer,
  ws: string,
  bytes: Uint8Array,
  format: Format,
  key?: string,
): Promise<Attempt> {
  const response = await postEvents(
    server.url,
    ws,
    bytes,
    CONTENT_TYPES[format],
    key ? { idempotencyKey: key } : {},
  );
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text for the failure message
  }
  return { status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true', body };
}

function expectedAnswer(rows: PlannedRow[]): SentBatch['expected'] {
  const errors = rows.flatMap((r, row) => (r.invalid ? [{ row, ...INVALID_ERROR[r.invalid] }] : []));
  return { accepted: rows.length - errors.length, rejected: errors.length, errors };
}

/**
 * Sends one wave of batches to one workspace, all at once; returns the sends still to check.
 * A batch carries the same Idempotency-Key in both workspaces of a run: keys are scoped to a
 * workspace, so each workspace must do the work once.
 */
function sendWave(
  server: TestServer,
  ws: string,
  batches: (Batch & { key: string })[],
  late: Promise<unknown>[],
) {
  const sent: SentBatch[] = [];
  for (const batch of batches) {
    const bytes = encode(batch.rows, batch.format);
    const key = batch.retry === 'no-key' ? undefined : batch.key;
    const attempts = [send(server, ws, bytes, batch.format, key)];
    if (batch.retry === 'concurrent' || batch.retry === 'concurrent-and-after') {
      attempts.push(send(server, ws, bytes, batch.format, key));
    }
    const entry: SentBatch = { key, attempts, expected: expectedAnswer(batch.rows) };
    if (batch.retry === 'after' || batch.retry === 'concurrent-and-after') {
      // Retried once the first answer came back (as a client whose connection dropped would).
      const retried = attempts[0]!.then(() => send(server, ws, bytes, batch.format, key));
      entry.attempts.push(retried);
      late.push(retried);
    }
    sent.push(entry);
  }
  return sent;
}

async function checkAnswers(sent: SentBatch[]): Promise<void> {
  for (const batch of sent) {
    const attempts = await Promise.all(batch.attempts);
    for (const a of attempts) {
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      const body = a.body as {
        accepted: number;
        rejected: number;
        errors: { row: number; field: string; code: string }[];
      };
      expect({
        accepted: body.accepted,
        rejected: body.rejected,
        errors: body.errors.map(({ row, field, code }) => ({ row, field, code })),
      }).toEqual(batch.expected);
    }
    if (batch.key) {
      // The first attempt to reach the hub did the work; every other one is a replay of it.
      expect(attempts.filter((a) => !a.replayed)).toHaveLength(1);
      for (const a of attempts) expect(a.body).toEqual(attempts[0]!.body);
    } else {
      expect(attempts.every((a) => !a.replayed)).toBe(true);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

let server: TestServer;
let run = 0;

beforeAll(async () => {
  for (const k of KEY_POOL) {
    const metric = METRICS_BY_ID.get(k.metric);
    if (!metric || !isTouchpoint(k.touchpoint) || !isMetricValidFor(metric, k.touchpoint)) {
      throw new Error(`KEY_POOL entry ${JSON.stringify(k)} is not valid for the vocabulary`);
    }
  }
  server = await startServer();
});

afterAll(async () => {
  if (!server) return;
  await server.close();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

async function checkWorkspace(ws: string, tz: string, model: Model, keys: string[]): Promise<void> {
  const key = server.app.workspaces.require(ws).key;
  for (const grain of GRAINS) {
    const expected = modelDbRows(model, grain);
    expect(await rawGroupBy(server, key, tz, grain), `raw events, ${grain}, ${ws} (${tz})`).toEqual(expected);
    expect(await mergedRollups(server, key, grain), `merged rollup_${grain}, ${ws} (${tz})`).toEqual(
      expected,
    );
    const perSeries = await Promise.all(keys.map((series) => apiSeries(server, ws, series, grain)));
    keys.forEach((series, i) => {
      expect(perSeries[i], `GET /series ${series} grain=${grain}, ${ws} (${tz})`).toEqual(
        modelApiRows(model, grain, tz, series),
      );
    });
    const pairs = [...new Set(keys.map((k) => k.split('|')).map(([b, , , m]) => `${b}|${m}`))];
    const across = await Promise.all(
      pairs.map((p) => apiAcrossSources(server, ws, p.split('|')[0]!, p.split('|')[1]!, grain)),
    );
    pairs.forEach((p, i) => {
      const [brand, metric] = p.split('|') as [string, string];
      expect(
        across[i],
        `GET /series brand=${brand} metric=${metric} (all sources) grain=${grain}, ${ws}`,
      ).toEqual(modelAcrossSources(model, grain, tz, brand, metric));
    });
  }
}

async function quarantineTotal(ws: string): Promise<number> {
  const page = await getJson<{ total: number }>(`${server.url}/api/v1/workspaces/${ws}/quarantine?limit=1`);
  return page.total;
}

describe('rollups equal a GROUP BY over the accepted raw rows', () => {
  it(
    'for random batches sent concurrently in random formats, with retries and compaction',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (scenario) => {
          run++;
          const zones = [
            { ws: `prop-${run}-paris`, tz: 'Europe/Paris' },
            { ws: `prop-${run}-other`, tz: scenario.otherZone },
          ];
          for (const { ws, tz } of zones) await putWorkspace(server.url, ws, { timezone: tz });

          const allRows = scenario.batches.flatMap((b) => b.rows);
          const keys = [...new Set(allRows.filter((r) => !r.invalid).map(seriesKey))].sort();

          // Wave 1, then (optionally) the compactor racing wave 2, to both workspaces at once.
          const late: Promise<unknown>[] = [];
          const sent: SentBatch[] = [];
          const keyed = scenario.batches.map((b, i) => ({ ...b, key: `run${run}-batch${i}` }));
          const first = keyed.filter((b) => !b.secondWave);
          const second = keyed.filter((b) => b.secondWave);
          for (const { ws } of zones) sent.push(...sendWave(server, ws, first, late));
          await Promise.all(sent.flatMap((s) => s.attempts));
          const compaction = scenario.compactMid ? server.app.rollups.compact() : Promise.resolve(0);
          for (const { ws } of zones) sent.push(...sendWave(server, ws, second, late));
          await compaction;
          await Promise.all(late);
          await checkAnswers(sent);

          if (scenario.compactEnd) await server.app.rollups.compact();
          for (const { ws, tz } of zones) {
            const model = buildModel(allRows, tz);
            await checkWorkspace(ws, tz, model, keys);
            expect(await quarantineTotal(ws)).toBe(allRows.filter((r) => r.invalid).length);
          }

          // Compaction keeps the invariant and leaves one row per (series, bucket).
          await server.app.rollups.compact();
          for (const { ws, tz } of zones) {
            const wsKey = server.app.workspaces.require(ws).key;
            expect(await unmergedRows(server, wsKey)).toEqual({ minute: 0, hour: 0, day: 0 });
            const model = buildModel(allRows, tz);
            for (const grain of GRAINS) {
              expect(await mergedRollups(server, wsKey, grain), `rollup_${grain} after compaction`).toEqual(
                modelDbRows(model, grain),
              );
            }
            for (const series of keys) {
              expect(await apiSeries(server, ws, series, 'day'), `day ${series} after compaction`).toEqual(
                modelApiRows(model, 'day', tz, series),
              );
            }
          }
        }),
        // A failure is shrunk (each step is a real run), within the time limit.
        { numRuns: NUM_RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: true },
      );
    },
    TIME_LIMIT_MS + 30_000,
  );
});
