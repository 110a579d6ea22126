import { Float64, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../shared/schemas/ingest.js';
import type { SeriesRow } from '../../shared/schemas/series.js';
import {
  type TestServer,
  expectError,
  visitAt,
  postEvents,
  putWorkspace,
  startServer,
  toCsv,
  toNdjson,
} from '../helpers/server.js';

const JSON_TYPE = 'application/json';
const NDJSON = 'application/x-ndjson';
const CSV = 'text/csv';
const ARROW = 'application/vnd.apache.arrow.stream';
const WINDOW = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };

async function ingest(
  url: string,
  ws: string,
  body: string | Uint8Array,
  contentType: string,
  options: { idempotencyKey?: string } = {},
): Promise<{ status: number; body: IngestResult; replayed: string | null }> {
  const response = await postEvents(url, ws, body, contentType, options);
  return {
    status: response.status,
    body: (await response.json()) as IngestResult,
    replayed: response.headers.get('idempotent-replayed'),
  };
}

async function visits(url: string, ws: string, params: Record<string, string> = {}): Promise<SeriesRow[]> {
  const query = new URLSearchParams({ metric: 'visits', grain: 'day', ...WINDOW, ...params });
  const response = await fetch(`${url}/api/v1/workspaces/${ws}/series?${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: SeriesRow[] }).rows;
}

/** Sum and count of visits over the whole window (0/0 when nothing is stored). */
async function visitTotals(url: string, ws: string): Promise<{ sum: number; count: number }> {
  const rows = await visits(url, ws);
  return { sum: rows.reduce((s, r) => s + r.sum, 0), count: rows.reduce((s, r) => s + r.count, 0) };
}

/** `{ row, field, code }` of each listed row error (messages are for people, checked apart). */
const codes = (result: IngestResult) => result.errors.map(({ row, field, code }) => ({ row, field, code }));

describe('row rejections', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('JSON: every rejection code comes with its 0-based row and field, and the valid rows are kept', async () => {
    await putWorkspace(server.url, 'rows-json');
    const farFuture = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const rows: object[] = [
      visitAt(0, 5), // 0 valid
      { ...visitAt(1, 1), brand: undefined }, // 1 missing brand
      { ...visitAt(2, 1), brand: 42 }, // 2 brand as a number
      { ...visitAt(3, 1), ts: 'yesterday' }, // 3
      { ...visitAt(4, 1), ts: '2026-03-10T10:00:00' }, // 4 no offset
      { ...visitAt(5, 1), ts: '1999-12-31T23:59:59Z' }, // 5 before 2000
      { ...visitAt(6, 1), ts: farFuture }, // 6 more than a day ahead
      visitAt(7, 1, { brand: 'umbrella' }), // 7
      visitAt(8, 1, { touchpoint: 'radio' }), // 8
      visitAt(9, 1, { source: 'Web' }), // 9 uppercase
      visitAt(10, 1, { metric: 'page_views' }), // 10
      visitAt(11, 1, { touchpoint: 'social', source: 'facebook', metric: 'clicks' }), // 11 clicks on social
      { ...visitAt(12, 1), value: '12' }, // 12 a string value in JSON
      { ...visitAt(13, 1), value: null }, // 13 null value (NaN cannot be written in JSON)
      { ...visitAt(14, 1), ts: undefined }, // 14 missing ts
      { ...visitAt(15, 1), metric: undefined }, // 15 missing metric
      visitAt(16, 7), // 16 valid
      visitAt(17, 1, { source: 'web site' }), // 17 a space in the source
      { ...visitAt(18, 1), value: true }, // 18 a boolean value
    ];
    const { status, body } = await ingest(server.url, 'rows-json', JSON.stringify(rows), JSON_TYPE);
    expect(status).toBe(200);
    expect(body.accepted).toBe(2);
    expect(body.rejected).toBe(17);
    expect(codes(body)).toEqual([
      { row: 1, field: 'brand', code: 'missing_field' },
      { row: 2, field: 'brand', code: 'invalid_type' },
      { row: 3, field: 'ts', code: 'invalid_ts' },
      { row: 4, field: 'ts', code: 'invalid_ts' },
      { row: 5, field: 'ts', code: 'ts_out_of_range' },
      { row: 6, field: 'ts', code: 'ts_out_of_range' },
      { row: 7, field: 'brand', code: 'unknown_brand' },
      { row: 8, field: 'touchpoint', code: 'unknown_touchpoint' },
      { row: 9, field: 'source', code: 'invalid_source' },
      { row: 10, field: 'metric', code: 'unknown_metric' },
      { row: 11, field: 'metric', code: 'metric_not_valid_for_touchpoint' },
      { row: 12, field: 'value', code: 'invalid_value' },
      { row: 13, field: 'value', code: 'missing_field' },
      { row: 14, field: 'ts', code: 'missing_field' },
      { row: 15, field: 'metric', code: 'missing_field' },
      { row: 17, field: 'source', code: 'invalid_source' },
      { row: 18, field: 'value', code: 'invalid_value' },
    ]);
    for (const error of body.errors) expect(error.message.length).toBeGreaterThan(0);
    expect(body.errors.find((e) => e.row === 7)!.message).toContain('umbrella');
    expect(await visits(server.url, 'rows-json')).toEqual([
      { bucket: '2026-03-10T00:00:00+00:00', sum: 12, count: 2, min: 5, max: 7, last: null },
    ]);
  });

  it('NDJSON: the row index counts non-empty lines only', async () => {
    await putWorkspace(server.url, 'rows-ndjson');
    const body = [
      JSON.stringify(visitAt(0, 1)), // row 0
      '',
      JSON.stringify(visitAt(1, 2)), // row 1
      '   ',
      '',
      JSON.stringify(visitAt(2, 3, { brand: 'umbrella' })), // row 2, on line 6
      JSON.stringify({ ...visitAt(3, 4), value: null }), // row 3
      '',
      JSON.stringify(visitAt(4, 8)), // row 4
    ].join('\n');
    const result = await ingest(server.url, 'rows-ndjson', body, NDJSON);
    expect(result.status).toBe(200);
    expect(result.body.accepted).toBe(3);
    expect(result.body.rejected).toBe(2);
    expect(codes(result.body)).toEqual([
      { row: 2, field: 'brand', code: 'unknown_brand' },
      { row: 3, field: 'value', code: 'missing_field' },
    ]);
    expect(await visitTotals(server.url, 'rows-ndjson')).toEqual({ sum: 11, count: 3 });
  });

  it('CSV: the row index counts records after the header, not lines; "abc" is an invalid value', async () => {
    await putWorkspace(server.url, 'rows-csv');
    const body = [
      'ts,brand,touchpoint,source,metric,value',
      `${visitAt(0, 1).ts},acme,site,web,visits,1`, // record 0
      `${visitAt(1, 1).ts},acme,site,"we\nb",visits,2`, // record 1: a quoted field over two lines
      `${visitAt(2, 1).ts},globex,site,web,visits,4`, // record 2
      `${visitAt(3, 1).ts},acme,site,web,visits,abc`, // record 3, on line 6
      `${visitAt(4, 1).ts},acme,site,web,visits,`, // record 4: empty value
      `not-a-date,acme,site,web,visits,1`, // record 5
      `${visitAt(6, 1).ts},acme,site,web,visits,"16"`, // record 6: quoted number
    ].join('\n');
    const result = await ingest(server.url, 'rows-csv', body, CSV);
    expect(result.status).toBe(200);
    expect(codes(result.body)).toEqual([
      { row: 1, field: 'source', code: 'invalid_source' },
      { row: 3, field: 'value', code: 'invalid_value' },
      { row: 4, field: 'value', code: 'missing_field' },
      { row: 5, field: 'ts', code: 'invalid_ts' },
    ]);
    expect(result.body.accepted).toBe(3);
    expect(result.body.rejected).toBe(4);
    expect(await visitTotals(server.url, 'rows-csv')).toEqual({ sum: 21, count: 3 });
  });

  it('Arrow: the row index counts across record batches', async () => {
    await putWorkspace(server.url, 'rows-arrow');
    const tsType = new TimestampMillisecond();
    const valueType = new Float64();
    const types = { brand: new Utf8(), touchpoint: new Utf8(), source: new Utf8(), metric: new Utf8() };
    const batch = (rows: { minute: number; brand: string; value: number | null }[]) =>
      new Table({
        ts: vectorFromArray(
          rows.map((r) => Date.parse('2026-03-10T10:00:00Z') + r.minute * 60_000),
          tsType,
        ),
        brand: vectorFromArray(
          rows.map((r) => r.brand),
          types.brand,
        ),
        touchpoint: vectorFromArray(
          rows.map(() => 'site'),
          types.touchpoint,
        ),
        source: vectorFromArray(
          rows.map(() => 'web'),
          types.source,
        ),
        metric: vectorFromArray(
          rows.map(() => 'visits'),
          types.metric,
        ),
        value: vectorFromArray(
          rows.map((r) => r.value),
          valueType,
        ),
      });
    const first = batch([
      { minute: 0, brand: 'acme', value: 1 },
      { minute: 1, brand: 'acme', value: 2 },
      { minute: 2, brand: 'globex', value: 4 },
    ]);
    const second = batch([
      { minute: 3, brand: 'acme', value: 8 }, // row 3
      { minute: 4, brand: 'umbrella', value: 16 }, // row 4
      { minute: 5, brand: 'acme', value: null }, // row 5
      { minute: 6, brand: 'initech', value: 32 }, // row 6
      { minute: 7, brand: 'acme', value: NaN }, // row 7
    ]);
    const bytes = tableToIPC(new Table([...first.batches, ...second.batches]), 'stream');
    const result = await ingest(server.url, 'rows-arrow', bytes, ARROW);
    expect(result.status).toBe(200);
    expect(codes(result.body)).toEqual([
      { row: 4, field: 'brand', code: 'unknown_brand' },
      { row: 5, field: 'value', code: 'missing_field' },
      { row: 7, field: 'value', code: 'invalid_value' },
    ]);
    expect(result.body.accepted).toBe(5);
    expect(result.body.rejected).toBe(3);
    expect(await visitTotals(server.url, 'rows-arrow')).toEqual({ sum: 47, count: 5 });

    // The same stream cut in the middle of its second batch is refused whole: nothing more is stored.
    const truncated = bytes.subarray(0, bytes.length - 200);
    await expectError(await postEvents(server.url, 'rows-arrow', truncated, ARROW), 400, 'malformed_body');
    expect(await visitTotals(server.url, 'rows-arrow')).toEqual({ sum: 47, count: 5 });
  });

  it('JSON strings holding brackets, commas and escaped quotes do not move element boundaries', async () => {
    await putWorkspace(server.url, 'rows-tricky');
    const body = JSON.stringify({
      meta: { events: [{ ts: 'not an event' }], note: 'a "quoted" ], [ {note}' },
      events: [
        visitAt(0, 1),
        visitAt(1, 2, { brand: 'um"br],[{ella}\\' }),
        visitAt(2, 4, { source: 'a,b' }),
        visitAt(3, 8),
      ],
      after: [[], {}],
    });
    const result = await ingest(server.url, 'rows-tricky', body, JSON_TYPE);
    expect(result.status).toBe(200);
    expect(codes(result.body)).toEqual([
      { row: 1, field: 'brand', code: 'unknown_brand' },
      { row: 2, field: 'source', code: 'invalid_source' },
    ]);
    expect(result.body.accepted).toBe(2);
    expect(await visitTotals(server.url, 'rows-tricky')).toEqual({ sum: 9, count: 2 });
  });

  it('NDJSON with CRLF line ends counts rows the same way', async () => {
    await putWorkspace(server.url, 'rows-crlf');
    const body = [
      JSON.stringify(visitAt(0, 1)),
      '',
      JSON.stringify(visitAt(1, 2, { metric: 'nope' })),
      JSON.stringify(visitAt(2, 4)),
    ]
      .map((line) => `${line}\r\n`)
      .join('');
    const result = await ingest(server.url, 'rows-crlf', body, NDJSON);
    expect(result.status).toBe(200);
    expect(codes(result.body)).toEqual([{ row: 1, field: 'metric', code: 'unknown_metric' }]);
    expect(await visitTotals(server.url, 'rows-crlf')).toEqual({ sum: 5, count: 2 });
  });

  it('more than 100 rejected rows: counts are exact, errors lists the first 100', async () => {
    await putWorkspace(server.url, 'rows-many');
    // 260 rows: even rows name an unknown brand, odd rows are valid with value = row index.
    const rows = Array.from({ length: 260 }, (_, i) =>
      i % 2 === 0 ? visitAt(i % 600, 1, { brand: 'umbrella' }) : visitAt(i % 600, i),
    );
    const result = await ingest(server.url, 'rows-many', toNdjson(rows), NDJSON);
    expect(result.status).toBe(200);
    expect(result.body.accepted).toBe(130);
    expect(result.body.rejected).toBe(130);
    expect(result.body.errors).toHaveLength(100);
    expect(codes(result.body)).toEqual(
      Array.from({ length: 100 }, (_, k) => ({ row: 2 * k, field: 'brand', code: 'unknown_brand' })),
    );
    // Sum of the odd numbers below 260 = 130².
    expect(await visitTotals(server.url, 'rows-many')).toEqual({ sum: 16_900, count: 130 });
  });
});

describe('whole-request errors', () => {
  let server: TestServer;
  let small: TestServer;
  beforeAll(async () => {
    server = await startServer();
    small = await startServer({ maxBodyMb: 1 });
    await putWorkspace(server.url, 'req');
    await putWorkspace(small.url, 'req');
  });
  afterAll(async () => {
    await server?.close();
    await small?.close();
  });

  it('malformed JSON: 400 naming the element and its line, nothing stored', async () => {
    const body = `[\n  ${JSON.stringify(visitAt(0, 1))},\n  {"ts": oops, "brand": "acme"},\n  ${JSON.stringify(visitAt(2, 1))}\n]`;
    const error = await expectError(
      await postEvents(server.url, 'req', body, JSON_TYPE),
      400,
      'malformed_body',
    );
    expect(error.message).toContain('Element 1');
    expect(error.message).toContain('line 3');
    expect(await visitTotals(server.url, 'req')).toEqual({ sum: 0, count: 0 });
  });

  it('JSON that is not an array of events: 400', async () => {
    await expectError(await postEvents(server.url, 'req', '{"rows": []}', JSON_TYPE), 400, 'malformed_body');
    await expectError(await postEvents(server.url, 'req', '"hello"', JSON_TYPE), 400, 'malformed_body');
    await expectError(await postEvents(server.url, 'req', '[1, 2]', JSON_TYPE), 400, 'malformed_body');
    await expectError(
      await postEvents(server.url, 'req', `[${JSON.stringify(visitAt(0, 1))}`, JSON_TYPE),
      400,
      'malformed_body',
    );
  });

  it('malformed NDJSON line: 400 saying "Line N", nothing stored', async () => {
    const body = [
      JSON.stringify(visitAt(0, 1)),
      '',
      '{"ts": "2026-03-10T10:00:00Z",',
      JSON.stringify(visitAt(1, 1)),
    ].join('\n');
    const error = await expectError(await postEvents(server.url, 'req', body, NDJSON), 400, 'malformed_body');
    expect(error.message).toContain('Line 3');
    expect(await visitTotals(server.url, 'req')).toEqual({ sum: 0, count: 0 });
  });

  it('CSV header missing a column: 400 naming it', async () => {
    const body = 'ts,brand,touchpoint,source,metric\n2026-03-10T10:00:00Z,acme,site,web,visits\n';
    const error = await expectError(await postEvents(server.url, 'req', body, CSV), 400, 'malformed_body');
    expect(error.message).toContain('value');
  });

  it('garbage Arrow bytes: 400', async () => {
    const garbage = new Uint8Array(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 256));
    await expectError(await postEvents(server.url, 'req', garbage, ARROW), 400, 'malformed_body');
    await expectError(
      await postEvents(server.url, 'req', 'not an arrow stream at all', ARROW),
      400,
      'malformed_body',
    );
  });

  it('unknown workspace: 404 unknown_workspace', async () => {
    const error = await expectError(
      await postEvents(server.url, 'nowhere', JSON.stringify([visitAt(0, 1)]), JSON_TYPE),
      404,
      'unknown_workspace',
    );
    expect(error.message).toContain('nowhere');
  });

  it('a body larger than MAX_BODY_MB: 413 body_too_large, nothing stored', async () => {
    const row = JSON.stringify(visitAt(0, 1)) + '\n';
    const big = row.repeat(Math.ceil((1.5 * 1024 * 1024) / row.length));
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const error = await expectError(await postEvents(small.url, 'req', big, NDJSON), 413, 'body_too_large');
    expect(error.message).toContain('1 MB');
    expect(await visitTotals(small.url, 'req')).toEqual({ sum: 0, count: 0 });
  });

  it('a streamed (chunked) body larger than MAX_BODY_MB: 413 too', async () => {
    const row = new TextEncoder().encode(JSON.stringify(visitAt(0, 1)) + '\n');
    const chunk = new Uint8Array(row.length * 1000);
    for (let i = 0; i < 1000; i++) chunk.set(row, i * row.length);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 2 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${small.url}/api/v1/workspaces/req/events`, {
      method: 'POST',
      headers: { 'content-type': NDJSON },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expectError(response, 413, 'body_too_large');
    expect(await visitTotals(small.url, 'req')).toEqual({ sum: 0, count: 0 });
  });

  it('a body just under MAX_BODY_MB is accepted', async () => {
    const rowBytes = toNdjson([visitAt(0, 1)]).length;
    const count = Math.floor((1000 * 1024) / rowBytes);
    const body = toNdjson(Array.from({ length: count }, () => visitAt(0, 1)));
    expect(body.length).toBeLessThan(1024 * 1024);
    expect(body.length).toBeGreaterThan(990 * 1024);
    const result = await ingest(small.url, 'req', body, NDJSON);
    expect(result.status).toBe(200);
    expect(result.body.accepted).toBe(count);
    expect(await visitTotals(small.url, 'req')).toEqual({ sum: count, count });
  });

  it('text/plain: 415 whose hint lists the supported types', async () => {
    const error = await expectError(
      await postEvents(server.url, 'req', JSON.stringify([visitAt(0, 1)]), 'text/plain'),
      415,
      'unsupported_media_type',
    );
    for (const type of ['application/json', 'application/x-ndjson', 'text/csv', ARROW]) {
      expect(error.hint).toContain(type);
    }
  });
});

describe('idempotency keys', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('same key and same bytes: the same answer, replayed, counted once', async () => {
    await putWorkspace(server.url, 'idem-same');
    const body = JSON.stringify([visitAt(0, 3), visitAt(1, 4), visitAt(2, 5, { brand: 'umbrella' })]);
    const first = await ingest(server.url, 'idem-same', body, JSON_TYPE, { idempotencyKey: 'batch-1' });
    expect(first.status).toBe(200);
    expect(first.replayed).toBeNull();
    expect(first.body.accepted).toBe(2);
    expect(first.body.rejected).toBe(1);
    const second = await ingest(server.url, 'idem-same', body, JSON_TYPE, { idempotencyKey: 'batch-1' });
    expect(second.status).toBe(200);
    expect(second.replayed).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await visitTotals(server.url, 'idem-same')).toEqual({ sum: 7, count: 2 });
    // The rejected row was quarantined once, too.
    const quarantine = await fetch(`${server.url}/api/v1/workspaces/idem-same/quarantine`);
    expect(((await quarantine.json()) as { total: number }).total).toBe(1);
  });

  it('same key with different bytes: 422, nothing stored', async () => {
    await putWorkspace(server.url, 'idem-diff');
    const first = await ingest(server.url, 'idem-diff', JSON.stringify([visitAt(0, 3)]), JSON_TYPE, {
      idempotencyKey: 'k',
    });
    expect(first.status).toBe(200);
    const response = await postEvents(server.url, 'idem-diff', JSON.stringify([visitAt(0, 30)]), JSON_TYPE, {
      idempotencyKey: 'k',
    });
    await expectError(response, 422, 'idempotency_key_reused');
    expect(await visitTotals(server.url, 'idem-diff')).toEqual({ sum: 3, count: 1 });
  });

  it('a key belongs to its workspace: the same key elsewhere is a new request', async () => {
    await putWorkspace(server.url, 'idem-ws-a');
    await putWorkspace(server.url, 'idem-ws-b');
    const a = await ingest(server.url, 'idem-ws-a', JSON.stringify([visitAt(0, 1)]), JSON_TYPE, {
      idempotencyKey: 'shared',
    });
    const b = await ingest(server.url, 'idem-ws-b', JSON.stringify([visitAt(0, 2)]), JSON_TYPE, {
      idempotencyKey: 'shared',
    });
    expect([a.status, a.replayed, b.status, b.replayed]).toEqual([200, null, 200, null]);
    expect(await visitTotals(server.url, 'idem-ws-b')).toEqual({ sum: 2, count: 1 });
  });

  it('concurrent duplicates are applied once', async () => {
    await putWorkspace(server.url, 'idem-race');
    const rows = Array.from({ length: 3000 }, (_, i) => visitAt(i % 500, 2));
    const body = toNdjson(rows);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        ingest(server.url, 'idem-race', body, NDJSON, { idempotencyKey: 'race' }),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ accepted: 3000, rejected: 0, errors: [], asOf: expect.any(String) });
    }
    expect(answers.filter((a) => a.replayed !== 'true')).toHaveLength(1);
    expect(await visitTotals(server.url, 'idem-race')).toEqual({ sum: 6000, count: 3000 });
  });

  it('concurrent requests with one key and different bytes: one is stored, the other is 422', async () => {
    await putWorkspace(server.url, 'idem-clash');
    const bodies = [
      toNdjson(Array.from({ length: 2000 }, () => visitAt(0, 1))),
      toNdjson([visitAt(0, 1000)]),
    ];
    const [a, b] = await Promise.all(
      bodies.map((body) => postEvents(server.url, 'idem-clash', body, NDJSON, { idempotencyKey: 'clash' })),
    );
    const statuses = [a!.status, b!.status].sort();
    expect(statuses).toEqual([200, 422]);
    const stored = await visitTotals(server.url, 'idem-clash');
    expect([
      { sum: 2000, count: 2000 },
      { sum: 1000, count: 1 },
    ]).toContainEqual(stored);
    expect(stored).toEqual(a!.status === 200 ? { sum: 2000, count: 2000 } : { sum: 1000, count: 1 });
  });

  it('an error answer is not remembered: the retry proceeds', async () => {
    const body = JSON.stringify([visitAt(0, 9)]);
    const missing = await postEvents(server.url, 'idem-late', body, JSON_TYPE, { idempotencyKey: 'late-1' });
    await expectError(missing, 404, 'unknown_workspace');
    await putWorkspace(server.url, 'idem-late');
    const retry = await ingest(server.url, 'idem-late', body, JSON_TYPE, { idempotencyKey: 'late-1' });
    expect(retry.status).toBe(200);
    expect(retry.replayed).toBeNull();
    expect(retry.body.accepted).toBe(1);
    expect(await visitTotals(server.url, 'idem-late')).toEqual({ sum: 9, count: 1 });
  });

  it('a malformed body is not remembered: a corrected body under the same key is stored', async () => {
    await putWorkspace(server.url, 'idem-fix');
    const broken = await postEvents(server.url, 'idem-fix', '[{"ts": ', JSON_TYPE, {
      idempotencyKey: 'fix-1',
    });
    await expectError(broken, 400, 'malformed_body');
    const fixed = await ingest(server.url, 'idem-fix', JSON.stringify([visitAt(0, 6)]), JSON_TYPE, {
      idempotencyKey: 'fix-1',
    });
    expect(fixed.status).toBe(200);
    expect(fixed.replayed).toBeNull();
    expect(await visitTotals(server.url, 'idem-fix')).toEqual({ sum: 6, count: 1 });
  });

  it('a key survives a restart', async () => {
    let first: TestServer | undefined = await startServer();
    const dataDir = first.dataDir;
    const body = toCsv([visitAt(0, 11), visitAt(1, 12)]);
    let restarted: TestServer | undefined;
    try {
      await putWorkspace(first.url, 'idem-restart');
      const before = await ingest(first.url, 'idem-restart', body, CSV, {
        idempotencyKey: 'nightly-2026-03-10',
      });
      expect(before.status).toBe(200);
      expect(before.body.accepted).toBe(2);
      await first.close();
      first = undefined;
      restarted = await startServer({ dataDir });
      const after = await ingest(restarted.url, 'idem-restart', body, CSV, {
        idempotencyKey: 'nightly-2026-03-10',
      });
      expect(after.status).toBe(200);
      expect(after.replayed).toBe('true');
      expect(after.body).toEqual(before.body);
      const conflict = await postEvents(restarted.url, 'idem-restart', toCsv([visitAt(0, 99)]), CSV, {
        idempotencyKey: 'nightly-2026-03-10',
      });
      await expectError(conflict, 422, 'idempotency_key_reused');
      expect(await visitTotals(restarted.url, 'idem-restart')).toEqual({ sum: 23, count: 2 });
    } finally {
      await first?.close();
      await restarted?.close();
    }
  });
});
