import {
  type DataType,
  Dictionary,
  Float64,
  Int32,
  Int64,
  RecordBatchReader,
  Table,
  TimestampMicrosecond,
  TimestampMillisecond,
  Utf8,
  type Vector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../shared/schemas/ingest.js';
import type { SeriesRow } from '../../shared/schemas/series.js';
import { type TestServer, getSeries, postEvents, putWorkspace, startServer } from '../helpers/server.js';

// One set of events, sent in every ingest format to its own workspace: every workspace must then
// answer GET /series exactly like the expectation computed here from the events themselves.

interface Ev {
  ms: number;
  brand: string;
  touchpoint: string;
  source: string;
  metric: string;
  value: number;
}

type Grain = 'minute' | 'hour' | 'day';

const KINDS: [touchpoint: string, source: string, metric: string][] = [
  ['search', 'google', 'impressions'],
  ['search', 'bing', 'clicks'],
  ['site', 'web', 'visits'],
  ['social', 'facebook', 'mentions'],
];
const BRANDS = ['acme', 'globex', 'initech'];
const START = Date.parse('2026-03-09T20:00:00Z');

/** 48 events over ~37 hours (three UTC days), with seconds and milliseconds inside minutes and two same-minute pairs. */
const EVENTS: Ev[] = Array.from({ length: 48 }, (_, i) => {
  const [touchpoint, source, metric] = KINDS[i % KINDS.length]!;
  return {
    // 47 minutes apart, plus some seconds; every 12th event shares the minute of the previous one of its kind.
    ms: START + i * 47 * 60_000 + (i % 5) * 7_250 + (i % 12 === 4 ? -(47 * 4 * 60_000) + 1_000 : 0),
    brand: BRANDS[(i + Math.floor(i / 4)) % BRANDS.length]!,
    touchpoint,
    source,
    metric,
    value: ((i * 7) % 23) + 1,
  };
});

const METRICS = KINDS.map(([, , metric]) => metric);
const GRAINS: Grain[] = ['minute', 'hour', 'day'];
const WINDOW = { from: '2026-03-09T00:00:00Z', to: '2026-03-12T00:00:00Z' };

const iso = (ms: number) => new Date(ms).toISOString();

/** `2026-03-10T11:00:00+01:00` for an instant written at a fixed offset. */
function isoAtOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function bucketOf(ms: number, grain: Grain): string {
  const step = grain === 'minute' ? 60_000 : grain === 'hour' ? 3_600_000 : 86_400_000;
  const start = Math.floor(ms / step) * step;
  // Day buckets are local midnights with the workspace offset (UTC here).
  return grain === 'day' ? `${iso(start).slice(0, 19)}+00:00` : iso(start);
}

/** The answer GET /series must give for these events in a UTC workspace (counters: last is null). */
function expected(events: Ev[], metric: string, grain: Grain, brand?: string): SeriesRow[] {
  const buckets = new Map<string, { at: number; rows: number[] }>();
  for (const e of events) {
    if (e.metric !== metric || (brand !== undefined && e.brand !== brand)) continue;
    const key = bucketOf(e.ms, grain);
    const b = buckets.get(key) ?? { at: e.ms, rows: [] };
    b.rows.push(e.value);
    buckets.set(key, b);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[1].at - b[1].at)
    .map(([bucket, { rows }]) => ({
      bucket,
      sum: rows.reduce((s, v) => s + v, 0),
      count: rows.length,
      min: Math.min(...rows),
      max: Math.max(...rows),
      last: null,
    }));
}

async function fetchSeries(
  url: string,
  ws: string,
  params: Record<string, string>,
  accept?: string,
): Promise<Response> {
  const query = new URLSearchParams({ ...WINDOW, ...params });
  return fetch(`${url}/api/v1/workspaces/${ws}/series?${query}`, accept ? { headers: { accept } } : {});
}

const seriesRows = (url: string, ws: string, params: Record<string, string>) =>
  getSeries(url, ws, { ...WINDOW, ...params });

/** Every (metric, grain) answer of a workspace, plus one brand-filtered answer per grain. */
async function allAnswers(url: string, ws: string): Promise<Record<string, SeriesRow[]>> {
  const answers: Record<string, SeriesRow[]> = {};
  for (const grain of GRAINS) {
    for (const metric of METRICS)
      answers[`${metric}/${grain}`] = await seriesRows(url, ws, { metric, grain });
    answers[`impressions/${grain}/acme`] = await seriesRows(url, ws, {
      metric: 'impressions',
      grain,
      brand: 'acme',
    });
  }
  return answers;
}

function expectedAnswers(): Record<string, SeriesRow[]> {
  const answers: Record<string, SeriesRow[]> = {};
  for (const grain of GRAINS) {
    for (const metric of METRICS) answers[`${metric}/${grain}`] = expected(EVENTS, metric, grain);
    answers[`impressions/${grain}/acme`] = expected(EVENTS, 'impressions', grain, 'acme');
  }
  return answers;
}

// ---- the five wire formats ----

const asJsonRecord = (e: Ev, ts: string | number) => ({
  ts,
  brand: e.brand,
  touchpoint: e.touchpoint,
  source: e.source,
  metric: e.metric,
  value: e.value,
});

/** A JSON array, pretty-printed over several lines, ts as ISO 8601 with Z. */
const jsonArrayBody = () =>
  JSON.stringify(
    EVENTS.map((e) => asJsonRecord(e, iso(e.ms))),
    null,
    2,
  );

/** `{ "events": [...] }` with another member before it, ts written at +01:00 and -05:30. */
const jsonObjectBody = () =>
  JSON.stringify({
    source: 'export-v2',
    meta: { note: 'an array here is not the events', list: [1, 2] },
    events: EVENTS.map((e, i) => asJsonRecord(e, isoAtOffset(e.ms, i % 2 === 0 ? 60 : -330))),
  });

/** NDJSON, ts as epoch milliseconds, with a blank line (and a whitespace-only one) in the middle. */
function ndjsonBody(): string {
  const lines = EVENTS.map((e) => JSON.stringify(asJsonRecord(e, e.ms)));
  lines.splice(10, 0, '');
  lines.splice(25, 0, '   ');
  return lines.join('\n') + '\n';
}

/** CSV with the columns in another order, CRLF line ends, quoted fields, and ts in three notations. */
function csvBody(): string {
  const header = 'brand,ts,touchpoint,source,metric,value';
  const records = EVENTS.map((e, i) => {
    const ts = i % 3 === 0 ? `"${iso(e.ms)}"` : i % 3 === 1 ? String(e.ms) : isoAtOffset(e.ms, 120);
    const source = i % 2 === 0 ? `"${e.source}"` : e.source;
    const value = i % 4 === 0 ? `"${e.value}.0"` : String(e.value);
    return [e.brand, ts, e.touchpoint, source, e.metric, value].join(',');
  });
  return [header, ...records].join('\r\n') + '\r\n';
}

interface ArrowVariant {
  strings: 'utf8' | 'dictionary';
  ts: 'timestamp-ms' | 'timestamp-us' | 'int64-ms';
  value: 'float64' | 'int32';
  batches: number;
}

function arrowBody(variant: ArrowVariant): Uint8Array {
  const stringType = (): DataType =>
    variant.strings === 'dictionary' ? new Dictionary(new Utf8(), new Int32()) : new Utf8();
  // One type instance per column, shared by every batch, so that the batches have one schema.
  const types = {
    brand: stringType(),
    touchpoint: stringType(),
    source: stringType(),
    metric: stringType(),
    ts:
      variant.ts === 'timestamp-ms'
        ? new TimestampMillisecond()
        : variant.ts === 'timestamp-us'
          ? new TimestampMicrosecond()
          : new Int64(),
    value: variant.value === 'float64' ? new Float64() : new Int32(),
  };
  const size = Math.ceil(EVENTS.length / variant.batches);
  const tables: Table[] = [];
  for (let start = 0; start < EVENTS.length; start += size) {
    const part = EVENTS.slice(start, start + size);
    const columns: Record<string, Vector> = {
      ts: vectorFromArray(
        variant.ts === 'int64-ms' ? part.map((e) => BigInt(e.ms)) : part.map((e) => e.ms),
        types.ts,
      ),
      brand: vectorFromArray(
        part.map((e) => e.brand),
        types.brand,
      ),
      touchpoint: vectorFromArray(
        part.map((e) => e.touchpoint),
        types.touchpoint,
      ),
      source: vectorFromArray(
        part.map((e) => e.source),
        types.source,
      ),
      metric: vectorFromArray(
        part.map((e) => e.metric),
        types.metric,
      ),
      value: vectorFromArray(
        part.map((e) => e.value),
        types.value,
      ),
    };
    tables.push(new Table(columns));
  }
  const bytes = tableToIPC(new Table(tables.flatMap((t) => t.batches)), 'stream');
  // The fixture itself: the stream really holds that many batches of those types.
  const batches = [...RecordBatchReader.from(bytes)];
  expect(batches).toHaveLength(variant.batches);
  expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(EVENTS.length);
  return bytes;
}

const ARROW = 'application/vnd.apache.arrow.stream';

describe('the same events in every ingest format give the same series', () => {
  let server: TestServer;
  const answers = new Map<string, Record<string, SeriesRow[]>>();

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  async function ingestAndCheck(ws: string, body: string | Uint8Array, contentType: string): Promise<void> {
    await putWorkspace(server.url, ws);
    const response = await postEvents(server.url, ws, body, contentType);
    expect(response.status).toBe(200);
    const result = (await response.json()) as IngestResult;
    expect(result).toEqual({ accepted: EVENTS.length, rejected: 0, errors: [], asOf: expect.any(String) });
    const got = await allAnswers(server.url, ws);
    expect(got).toEqual(expectedAnswers());
    answers.set(ws, got);
  }

  it('the expectation itself spans three days, several hours and shared minutes', () => {
    const days = expected(EVENTS, 'impressions', 'day');
    expect(days.map((r) => r.bucket)).toEqual([
      '2026-03-09T00:00:00+00:00',
      '2026-03-10T00:00:00+00:00',
      '2026-03-11T00:00:00+00:00',
    ]);
    const minutes = METRICS.flatMap((m) => expected(EVENTS, m, 'minute'));
    expect(minutes.some((r) => r.count > 1)).toBe(true);
    expect(minutes.reduce((n, r) => n + r.count, 0)).toBe(EVENTS.length);
  });

  it('a JSON array is stored and rolled up exactly', async () => {
    await ingestAndCheck('fmt-json', jsonArrayBody(), 'application/json');
  });

  it('a JSON object { "events": [...] } (ts with offsets) gives the same series', async () => {
    await ingestAndCheck('fmt-json-object', jsonObjectBody(), 'application/json; charset=utf-8');
  });

  it('NDJSON with blank lines (ts as epoch ms) gives the same series', async () => {
    await ingestAndCheck('fmt-ndjson', ndjsonBody(), 'application/x-ndjson');
  });

  it('CSV with reordered columns, CRLF and quoted fields gives the same series', async () => {
    await ingestAndCheck('fmt-csv', csvBody(), 'text/csv');
  });

  it('Arrow IPC, plain Utf8 strings, TimestampMillisecond, Float64, 2 record batches, gives the same series', async () => {
    await ingestAndCheck(
      'fmt-arrow-utf8',
      arrowBody({ strings: 'utf8', ts: 'timestamp-ms', value: 'float64', batches: 2 }),
      ARROW,
    );
  });

  it('Arrow IPC, dictionary-encoded strings, Int32 values, 3 record batches, gives the same series', async () => {
    await ingestAndCheck(
      'fmt-arrow-dict',
      arrowBody({ strings: 'dictionary', ts: 'timestamp-ms', value: 'int32', batches: 3 }),
      ARROW,
    );
  });

  it('Arrow IPC with ts as TimestampMicrosecond gives the same series', async () => {
    await ingestAndCheck(
      'fmt-arrow-us',
      arrowBody({ strings: 'dictionary', ts: 'timestamp-us', value: 'float64', batches: 2 }),
      ARROW,
    );
  });

  it('Arrow IPC with ts as Int64 epoch milliseconds gives the same series', async () => {
    await ingestAndCheck(
      'fmt-arrow-int64',
      arrowBody({ strings: 'utf8', ts: 'int64-ms', value: 'int32', batches: 2 }),
      ARROW,
    );
  });

  it('a CSV export that starts with a UTF-8 byte-order mark gives the same series', async () => {
    await ingestAndCheck('fmt-csv-bom', `\ufeff${csvBody()}`, 'text/csv');
  });

  it('a JSON array that starts with a UTF-8 byte-order mark gives the same series', async () => {
    await ingestAndCheck('fmt-json-bom', `\ufeff${jsonArrayBody()}`, 'application/json');
  });

  it('every format answered every series query identically', () => {
    const reference = answers.get('fmt-json');
    expect(reference).toBeDefined();
    expect(answers.size).toBeGreaterThanOrEqual(5);
    for (const [ws, got] of answers) expect({ ws, got }).toEqual({ ws, got: reference });
  });

  it('GET /series as an Arrow stream decodes to the same buckets and sums as JSON', async () => {
    await putWorkspace(server.url, 'fmt-arrow-out');
    const posted = await postEvents(server.url, 'fmt-arrow-out', jsonArrayBody(), 'application/json');
    expect(posted.status).toBe(200);
    for (const grain of GRAINS) {
      for (const metric of ['impressions', 'visits']) {
        const asJson = await seriesRows(server.url, 'fmt-arrow-out', { metric, grain });
        expect(asJson).toEqual(expected(EVENTS, metric, grain));
        const response = await fetchSeries(server.url, 'fmt-arrow-out', { metric, grain }, ARROW);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain(ARROW);
        const table = tableFromIPC(new Uint8Array(await response.arrayBuffer()));
        expect(table.numRows).toBe(asJson.length);
        const sums = table.getChild('sum')!.toArray() as Float64Array;
        const counts = table.getChild('count')!.toArray() as Float64Array;
        const buckets = table.getChild('bucket')!;
        for (let i = 0; i < asJson.length; i++) {
          expect(sums[i]).toBe(asJson[i]!.sum);
          expect(Number(counts[i])).toBe(asJson[i]!.count);
          expect(Number(buckets.get(i))).toBe(Date.parse(asJson[i]!.bucket));
        }
        const total = (rows: ArrayLike<number>) => Array.from(rows).reduce((s, v) => s + v, 0);
        expect(total(sums)).toBe(EVENTS.filter((e) => e.metric === metric).reduce((s, e) => s + e.value, 0));
      }
    }
  });
});
