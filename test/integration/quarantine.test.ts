import { Float64, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../shared/schemas/errors.js';
import type { IngestResult } from '../../shared/schemas/ingest.js';
import type { PurgeResult, QuarantinePage, ReplayResult } from '../../shared/schemas/quarantine.js';
import type { SeriesRow } from '../../shared/schemas/series.js';
import {
  type EventRow,
  type TestServer,
  postEvents,
  putWorkspace,
  startServer,
  toCsv,
} from '../helpers/server.js';

const WS = 'quarantined';
const TWO_BRANDS = [
  { id: 'acme', name: 'Acme', own: true },
  { id: 'globex', name: 'Globex', own: false },
];
const THREE_BRANDS = [...TWO_BRANDS, { id: 'initech', name: 'Initech', own: false }];

const at = (minute: number) => new Date(Date.parse('2026-03-10T10:00:00Z') + minute * 60_000).toISOString();
const ev = (minute: number, value: number, over: Partial<EventRow> = {}): EventRow => ({
  ts: at(minute),
  brand: 'acme',
  touchpoint: 'site',
  source: 'web',
  metric: 'visits',
  value,
  ...over,
});

// The JSON request: 2 valid rows and 9 rejected ones.
const JSON_ROWS: object[] = [
  ev(0, 1), // 0 valid
  ev(1, 10, { brand: 'initech' }), // 1 unknown_brand (initech is added later)
  ev(2, 20, { brand: 'initech' }), // 2 unknown_brand
  ev(3, 2, { brand: 'globex' }), // 3 valid
  ev(4, 3, { metric: 'page_views' }), // 4 unknown_metric
  ev(5, 30, { brand: 'initech' }), // 5 unknown_brand
  { ...ev(6, 0), value: 'x' }, // 6 invalid_value
  ev(7, 40, { brand: 'initech' }), // 7 unknown_brand
  ev(8, 4, { metric: 'dwell_time' }), // 8 unknown_metric
  ev(9, 50, { brand: 'initech' }), // 9 unknown_brand
  ev(10, 7, { brand: 'hooli' }), // 10 unknown_brand (never added)
];
// The CSV request: 2 rows of initech; the Arrow request: 1 row of initech.
const CSV_ROWS = [ev(20, 100, { brand: 'initech' }), ev(21, 200, { brand: 'initech' })];
const ARROW_ROW = { minute: 30, brand: 'initech', value: 1000 };

function arrowBody(): Uint8Array {
  return tableToIPC(
    new Table({
      ts: vectorFromArray([Date.parse(at(ARROW_ROW.minute))], new TimestampMillisecond()),
      brand: vectorFromArray([ARROW_ROW.brand], new Utf8()),
      touchpoint: vectorFromArray(['site'], new Utf8()),
      source: vectorFromArray(['web'], new Utf8()),
      metric: vectorFromArray(['visits'], new Utf8()),
      value: vectorFromArray([ARROW_ROW.value], new Float64()),
    }),
    'stream',
  );
}

/** Rows sorted by their numeric id: the order they were received in. */
const byId = <T extends { id: string }>(rows: T[]): T[] =>
  [...rows].sort((a, b) => Number(a.id) - Number(b.id));

const api = (url: string, path: string) => `${url}/api/v1/workspaces/${path}`;

async function page(url: string, params: Record<string, string> = {}, ws = WS): Promise<QuarantinePage> {
  const response = await fetch(`${api(url, `${ws}/quarantine`)}?${new URLSearchParams(params)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as QuarantinePage;
}

async function allPages(url: string, params: Record<string, string>): Promise<QuarantinePage['rows'][]> {
  const pages: QuarantinePage['rows'][] = [];
  let cursor: string | null = null;
  do {
    const next: QuarantinePage = await page(url, cursor === null ? params : { ...params, cursor });
    pages.push(next.rows);
    cursor = next.nextCursor;
    expect(pages.length).toBeLessThan(20);
  } while (cursor !== null);
  return pages;
}

async function replay(
  url: string,
  reason?: string,
  ws = WS,
): Promise<{ status: number; body: ReplayResult }> {
  const query = reason ? `?reason=${reason}` : '';
  const response = await fetch(`${api(url, `${ws}/quarantine/replay`)}${query}`, { method: 'POST' });
  return { status: response.status, body: (await response.json()) as ReplayResult };
}

async function purge(url: string, reason?: string): Promise<{ status: number; body: PurgeResult }> {
  const query = reason ? `?reason=${reason}` : '';
  const response = await fetch(`${api(url, `${WS}/quarantine`)}${query}`, { method: 'DELETE' });
  return { status: response.status, body: (await response.json()) as PurgeResult };
}

async function visits(url: string, params: Record<string, string>): Promise<SeriesRow[]> {
  const query = new URLSearchParams({
    metric: 'visits',
    from: '2026-03-10T00:00:00Z',
    to: '2026-03-11T00:00:00Z',
    ...params,
  });
  const response = await fetch(`${api(url, `${WS}/series`)}?${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: SeriesRow[] }).rows;
}

describe('the quarantine', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
    await putWorkspace(server.url, WS, { brands: TWO_BRANDS });
    const posts: [string | Uint8Array, string, IngestResult][] = [
      [JSON.stringify(JSON_ROWS), 'application/json', { accepted: 2, rejected: 9, errors: [] }],
      [toCsv(CSV_ROWS), 'text/csv', { accepted: 0, rejected: 2, errors: [] }],
      [arrowBody(), 'application/vnd.apache.arrow.stream', { accepted: 0, rejected: 1, errors: [] }],
    ];
    for (const [body, type, want] of posts) {
      const response = await postEvents(server.url, WS, body, type);
      expect(response.status).toBe(200);
      const result = (await response.json()) as IngestResult;
      expect({ accepted: result.accepted, rejected: result.rejected }).toEqual({
        accepted: want.accepted,
        rejected: want.rejected,
      });
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists each rejected row as sent, with its reason, field and format, and counts per reason', async () => {
    const listed = await page(server.url);
    // Order is checked by the next test; here, the content in id order.
    const result = { ...listed, rows: byId(listed.rows) };
    expect(result.total).toBe(12);
    expect(result.counts).toEqual({ unknown_brand: 9, unknown_metric: 2, invalid_value: 1 });
    expect(result.nextCursor).toBeNull();
    expect(result.rows.map((r) => [r.reason, r.field, r.format])).toEqual([
      ['unknown_brand', 'brand', 'json'],
      ['unknown_brand', 'brand', 'json'],
      ['unknown_metric', 'metric', 'json'],
      ['unknown_brand', 'brand', 'json'],
      ['invalid_value', 'value', 'json'],
      ['unknown_brand', 'brand', 'json'],
      ['unknown_metric', 'metric', 'json'],
      ['unknown_brand', 'brand', 'json'],
      ['unknown_brand', 'brand', 'json'],
      ['unknown_brand', 'brand', 'csv'],
      ['unknown_brand', 'brand', 'csv'],
      ['unknown_brand', 'brand', 'arrow'],
    ]);
    // The raw row is the record as it was sent: JSON objects as objects, CSV fields as text.
    const rejectedJson = [1, 2, 4, 5, 6, 7, 8, 9, 10].map((i) => JSON_ROWS[i]);
    expect(result.rows.slice(0, 9).map((r) => r.raw)).toEqual(rejectedJson);
    expect(result.rows[9]!.raw).toEqual({
      ts: CSV_ROWS[0]!.ts,
      brand: 'initech',
      touchpoint: 'site',
      source: 'web',
      metric: 'visits',
      value: '100',
    });
    expect(result.rows[11]!.raw).toEqual({
      ts: at(ARROW_ROW.minute),
      brand: 'initech',
      touchpoint: 'site',
      source: 'web',
      metric: 'visits',
      value: 1000,
    });
    expect(result.rows[0]!.message).toContain('initech');
    expect(result.rows[2]!.message).toContain('page_views');
    const received = Date.parse(result.rows[0]!.receivedAt);
    expect(Math.abs(received - Date.now())).toBeLessThan(60_000);
    expect(new Set(result.rows.map((r) => r.id)).size).toBe(12);
  });

  it('lists rows in the order they were received (ascending id)', async () => {
    const ids = (await page(server.url)).rows.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('pages with limit and cursor: every row exactly once, in order', async () => {
    const everything = byId((await page(server.url)).rows);
    const pages = await allPages(server.url, { limit: '5' });
    expect(pages[0]).toHaveLength(5);
    expect(pages[1]).toHaveLength(5);
    expect(pages.flat()).toEqual(everything);
    const first = await page(server.url, { limit: '5' });
    expect(first.total).toBe(12);
    expect(first.counts).toEqual({ unknown_brand: 9, unknown_metric: 2, invalid_value: 1 });
    expect(first.nextCursor).not.toBeNull();
  });

  it('filters by reason', async () => {
    const metrics = await page(server.url, { reason: 'unknown_metric' });
    expect(byId(metrics.rows).map((r) => [r.reason, r.raw!.metric])).toEqual([
      ['unknown_metric', 'page_views'],
      ['unknown_metric', 'dwell_time'],
    ]);
    const brands = byId((await page(server.url, { reason: 'unknown_brand' })).rows);
    expect(brands.map((r) => [r.reason, r.raw!.value])).toEqual(
      [10, 20, 30, 40, 50, 7, '100', '200', 1000].map((v) => ['unknown_brand', v]),
    );
    expect((await page(server.url, { reason: 'invalid_ts' })).rows).toEqual([]);
  });

  it('pages through a reason filter with limit and cursor: every row exactly once', async () => {
    const brands = (await allPages(server.url, { reason: 'unknown_brand', limit: '4' })).flat();
    expect(brands.map((r) => r.raw!.value)).toEqual([10, 20, 30, 40, 50, 7, '100', '200', 1000]);
    expect(brands.every((r) => r.reason === 'unknown_brand')).toBe(true);
  });

  it('refuses a cursor it did not give, and a limit out of range', async () => {
    const bad = await fetch(`${api(server.url, `${WS}/quarantine`)}?cursor=abc`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.code).toBe('invalid_query');
    const zero = await fetch(`${api(server.url, `${WS}/quarantine`)}?limit=0`);
    expect(zero.status).toBe(400);
    const unknown = await fetch(`${api(server.url, 'no-such-ws/quarantine')}`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorBody).error.code).toBe('unknown_workspace');
  });

  it('a replay that nothing fixes ingests nothing and keeps every row', async () => {
    const result = await replay(server.url);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      replayed: 0,
      stillRejected: 12,
      counts: { unknown_brand: 9, unknown_metric: 2, invalid_value: 1 },
    });
    expect((await visits(server.url, { grain: 'day', brand: 'initech' })).length).toBe(0);
  });

  it('after the missing brand is added, replay ingests its rows, which leave the quarantine; the others stay', async () => {
    await putWorkspace(server.url, WS, { brands: THREE_BRANDS });

    // Replaying another reason touches nothing.
    const other = await replay(server.url, 'unknown_metric');
    expect(other.status).toBe(200);
    expect(other.body.replayed).toBe(0);
    expect(other.body.stillRejected).toBe(2);
    expect((await page(server.url)).total).toBe(12);

    const result = await replay(server.url, 'unknown_brand');
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      replayed: 8,
      stillRejected: 1,
      counts: { unknown_brand: 1, unknown_metric: 2, invalid_value: 1 },
    });

    const held = await page(server.url);
    expect(held.total).toBe(4);
    expect(held.counts).toEqual({ unknown_brand: 1, unknown_metric: 2, invalid_value: 1 });
    expect(byId(held.rows).map((r) => [r.reason, r.raw!.brand])).toEqual([
      ['unknown_metric', 'acme'],
      ['invalid_value', 'acme'],
      ['unknown_metric', 'acme'],
      ['unknown_brand', 'hooli'],
    ]);

    // JSON rows 10+20+30+40+50, CSV rows 100+200, Arrow row 1000, all at their own minute.
    expect(await visits(server.url, { grain: 'day', brand: 'initech' })).toEqual([
      { bucket: '2026-03-10T00:00:00+00:00', sum: 1450, count: 8, min: 10, max: 1000, last: null },
    ]);
    expect(await visits(server.url, { grain: 'minute', brand: 'initech' })).toEqual(
      [
        [1, 10],
        [2, 20],
        [5, 30],
        [7, 40],
        [9, 50],
        [20, 100],
        [21, 200],
        [30, 1000],
      ].map(([minute, value]) => ({
        bucket: at(minute!),
        sum: value,
        count: 1,
        min: value,
        max: value,
        last: null,
      })),
    );
    // Rows first accepted are untouched: acme 1 + globex 2 + initech 1450.
    expect(await visits(server.url, { grain: 'hour' })).toEqual([
      { bucket: '2026-03-10T10:00:00.000Z', sum: 1453, count: 10, min: 1, max: 1000, last: null },
    ]);
  });

  it('a second replay finds nothing more to ingest (no double counting)', async () => {
    const result = await replay(server.url);
    expect(result.body).toEqual({
      replayed: 0,
      stillRejected: 4,
      counts: { unknown_brand: 1, unknown_metric: 2, invalid_value: 1 },
    });
    const day = await visits(server.url, { grain: 'day', brand: 'initech' });
    expect(day.map((r) => [r.sum, r.count])).toEqual([[1450, 8]]);
  });

  it('DELETE ?reason= purges that reason only, DELETE purges the rest; stored data stays', async () => {
    const first = await purge(server.url, 'unknown_metric');
    expect(first).toEqual({ status: 200, body: { purged: 2 } });
    const after = await page(server.url);
    expect(after.total).toBe(2);
    expect(after.counts).toEqual({ unknown_brand: 1, invalid_value: 1 });
    expect(byId(after.rows).map((r) => r.reason)).toEqual(['invalid_value', 'unknown_brand']);

    const rest = await purge(server.url);
    expect(rest).toEqual({ status: 200, body: { purged: 2 } });
    const empty = await page(server.url);
    expect(empty).toEqual({ rows: [], counts: {}, total: 0, nextCursor: null });

    expect(await purge(server.url)).toEqual({ status: 200, body: { purged: 0 } });
    const day = await visits(server.url, { grain: 'day' });
    expect(day.map((r) => [r.sum, r.count])).toEqual([[1453, 10]]);
  });

  it('the quarantine is per workspace', async () => {
    await putWorkspace(server.url, 'quarantine-other', { brands: TWO_BRANDS });
    const response = await postEvents(
      server.url,
      'quarantine-other',
      JSON.stringify([ev(0, 1, { brand: 'initech' })]),
      'application/json',
    );
    expect(response.status).toBe(200);
    expect((await page(server.url, {}, 'quarantine-other')).total).toBe(1);
    expect((await page(server.url)).total).toBe(0);
    const elsewhere = await replay(server.url, undefined, 'quarantine-other');
    expect(elsewhere.body).toEqual({ replayed: 0, stillRejected: 1, counts: { unknown_brand: 1 } });
  });
});
