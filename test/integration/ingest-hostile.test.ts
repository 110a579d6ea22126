import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { Float64, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../shared/schemas/errors.js';
import { ownerToken } from '../helpers/sign-in.js';
import type { IngestResult } from '../../shared/schemas/ingest.js';
import type { QuarantinePage } from '../../shared/schemas/quarantine.js';
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

// What an adversarial producer found on the ingest path: each case answered with a row rejection
// or a 4xx a person can act on, never a 500, never a wrong or silently missing value, and the
// valid rows of the same request stored.

const JSON_TYPE = 'application/json';
const NDJSON = 'application/x-ndjson';
const CSV = 'text/csv';
const ARROW = 'application/vnd.apache.arrow.stream';
const WINDOW = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };

async function answer<T = IngestResult>(response: Response): Promise<{ status: number; body: T }> {
  return { status: response.status, body: (await response.json()) as T };
}

async function visits(url: string, ws: string): Promise<{ sum: number | null; count: number }> {
  const query = new URLSearchParams({ metric: 'visits', grain: 'day', ...WINDOW });
  const response = await fetch(`${url}/api/v1/workspaces/${ws}/series?${query}`);
  expect(response.status).toBe(200);
  const rows = ((await response.json()) as { rows: SeriesRow[] }).rows;
  return {
    sum: rows.some((r) => r.sum === null) ? null : rows.reduce((s, r) => s + r.sum, 0),
    count: rows.reduce((s, r) => s + r.count, 0),
  };
}

async function quarantine(
  url: string,
  ws: string,
  query: Record<string, string> = {},
): Promise<QuarantinePage> {
  const response = await fetch(`${url}/api/v1/workspaces/${ws}/quarantine?${new URLSearchParams(query)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as QuarantinePage;
}

/** An Arrow stream of one value column (float64) and the other fields constant. */
function arrowValues(values: number[]): Uint8Array {
  const n = values.length;
  return tableToIPC(
    new Table({
      ts: vectorFromArray(
        Array.from({ length: n }, (_, i) => Date.parse('2026-03-10T10:00:00Z') + i * 60_000),
        new TimestampMillisecond(),
      ),
      brand: vectorFromArray(Array(n).fill('acme'), new Utf8()),
      touchpoint: vectorFromArray(Array(n).fill('site'), new Utf8()),
      source: vectorFromArray(Array(n).fill('web'), new Utf8()),
      metric: vectorFromArray(Array(n).fill('visits'), new Utf8()),
      value: vectorFromArray(values, new Float64()),
    }),
    'stream',
  );
}

let ws = 0;
describe('hostile rows: judged one by one, never a 500', () => {
  let server: TestServer;
  let workspace: string;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  const fresh = async () => {
    workspace = `hostile-${++ws}`;
    await putWorkspace(server.url, workspace);
    return workspace;
  };

  it('an epoch ts beyond any date is an invalid_ts rejection naming the value, in JSON, NDJSON and CSV', async () => {
    const cases: [string, string, string | Uint8Array][] = [
      [
        JSON_TYPE,
        '100000000000000000000',
        `[{"ts":1e20,"brand":"acme","touchpoint":"site","source":"web","metric":"visits","value":5}, ${JSON.stringify(visitAt(1))}]`,
      ],
      [
        NDJSON,
        '9000000000000000',
        `{"ts":9e15,"brand":"acme","touchpoint":"site","source":"web","metric":"visits","value":5}\n${JSON.stringify(visitAt(1))}\n`,
      ],
      [CSV, '"9000000000000000"', toCsv([{ ...visitAt(0), ts: '9000000000000000' }, visitAt(1)])],
    ];
    for (const [type, shown, body] of cases) {
      const w = await fresh();
      const { status, body: result } = await answer(await postEvents(server.url, w, body, type));
      expect({ type, status }).toEqual({ type, status: 200 });
      expect(result.accepted).toBe(1);
      expect(result.errors.map(({ row, field, code }) => ({ row, field, code }))).toEqual([
        { row: 0, field: 'ts', code: 'invalid_ts' },
      ]);
      expect(result.errors[0]!.message).toContain(shown);
      expect(await visits(server.url, w)).toEqual({ sum: 1, count: 1 });
    }
  });

  it('a row holding a 5 000-deep object or a 100 000-deep array is quarantined, its raw text cut with a marker', async () => {
    const w = await fresh();
    const deepObject = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = `[{"ts":"2026-03-10T10:00:00Z","brand":"acme","touchpoint":"site","source":"web","metric":"visits","value":${deepObject}},
      {"ts":"2026-03-10T10:01:00Z","brand":"acme","touchpoint":"site","source":"web","metric":"visits","value":1,"extra":${deepArray}},
      {"ts":"2026-03-10T10:02:00Z","brand":"nobody","touchpoint":"site","source":"web","metric":"visits","value":1,"extra":${deepArray}}]`;
    const { status, body: result } = await answer(await postEvents(server.url, w, body, JSON_TYPE));
    expect(status).toBe(200);
    expect(result).toMatchObject({ accepted: 1, rejected: 2 });
    expect(result.errors.map((e) => [e.row, e.code])).toEqual([
      [0, 'invalid_value'],
      [2, 'unknown_brand'],
    ]);
    expect(result.errors[0]!.message).toContain('an object');
    const held = await quarantine(server.url, w);
    expect(held.rows).toHaveLength(2);
    for (const row of held.rows) {
      expect(row.cut).toBe(true);
      expect(row.raw).toBeNull();
      expect(row.rawText.startsWith('{"ts":"2026-03-10T10:0')).toBe(true);
      expect(row.rawText).toMatch(/… \[cut: \d+ bytes in all\]$/);
      expect(Buffer.byteLength(row.rawText)).toBeLessThan(4096 + 64);
    }
  });

  it('NaN and ±Infinity are named as such, not as null', async () => {
    const w = await fresh();
    const { status, body } = await answer(
      await postEvents(server.url, w, arrowValues([Number.NaN, Infinity, -Infinity, 2]), ARROW),
    );
    expect(status).toBe(200);
    expect(body.accepted).toBe(1);
    expect(body.errors.map((e) => [e.code, e.message.split(' ')[1]])).toEqual([
      ['invalid_value', 'NaN'],
      ['invalid_value', 'Infinity'],
      ['invalid_value', '-Infinity'],
    ]);
    expect(await visits(server.url, w)).toEqual({ sum: 2, count: 1 });
  });

  it('values that would overflow a bucket are rejected with a reason; no stored number turns into null', async () => {
    const w = await fresh();
    const { status, body } = await answer(
      await postEvents(
        server.url,
        w,
        toNdjson([visitAt(0, 1.7e308), visitAt(0, 1.7e308), visitAt(0, 3), visitAt(1, -2e15)]),
        NDJSON,
      ),
    );
    expect(status).toBe(200);
    expect(body.errors.map((e) => [e.row, e.code])).toEqual([
      [0, 'value_out_of_range'],
      [1, 'value_out_of_range'],
      [3, 'value_out_of_range'],
    ]);
    expect(body.errors[0]!.message).toContain('1.7e+308');
    expect(await visits(server.url, w)).toEqual({ sum: 3, count: 1 });
  });

  it('microseconds in ISO text are kept, as Arrow timestamps keep them', async () => {
    const w = await fresh();
    const rows = [
      { ...visitAt(0), ts: '2026-03-10T10:00:00.123456Z' },
      { ...visitAt(0), ts: '2026-03-10T11:00:00.000001+01:00' },
    ];
    expect((await postEvents(server.url, w, toNdjson(rows), NDJSON)).status).toBe(200);
    const ws = server.app.workspaces.require(w).key;
    const stored = await server.app.db.read((sql) =>
      sql.rows<{ us: string }>('SELECT epoch_us(ts)::VARCHAR AS us FROM events WHERE ws = $ws ORDER BY ts', {
        ws,
      }),
    );
    const base = Date.parse('2026-03-10T10:00:00Z') * 1000;
    expect(stored.map((r) => r.us)).toEqual([String(base + 1), String(base + 123_456)]);
  });

  it('ids longer than 64 characters are too_long rejections quoting only their beginning', async () => {
    const w = await fresh();
    const huge = 'x'.repeat(1_000_000);
    const { status, body } = await answer(
      await postEvents(
        server.url,
        w,
        toNdjson([{ ...visitAt(0), brand: huge }, { ...visitAt(1), metric: 'm'.repeat(65) }, visitAt(2)]),
        NDJSON,
      ),
    );
    expect(status).toBe(200);
    expect(body.errors.map((e) => [e.row, e.field, e.code])).toEqual([
      [0, 'brand', 'too_long'],
      [1, 'metric', 'too_long'],
    ]);
    expect(body.errors[0]!.message).toContain('(1000000 characters)');
    expect(body.errors[0]!.message.length).toBeLessThan(300);
    expect(await visits(server.url, w)).toEqual({ sum: 1, count: 1 });
  });
});

describe('whole-request errors a person can act on', () => {
  let server: TestServer;
  let logLines: string[];
  beforeAll(async () => {
    logLines = [];
    const logs = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        callback();
      },
    });
    server = await startServer({ maxBodyMb: 4, ingestInflightMb: 64 }, { logs });
    await putWorkspace(server.url, 'errors');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a gzip body without Content-Encoding says so; with it, it is stored (gzip, deflate, br, zstd)', async () => {
    const ndjson = toNdjson([visitAt(0), visitAt(1)]);
    const missing = await expectError(
      await postEvents(server.url, 'errors', zlib.gzipSync(ndjson), NDJSON),
      400,
      'malformed_body',
    );
    expect(missing.message).toMatch(/gzip-compressed.*no Content-Encoding/);
    expect(missing.hint).toContain('Content-Encoding: gzip');
    const zstd = execFileSync(
      'python3',
      [
        '-c',
        'import sys, pyarrow as pa; sys.stdout.buffer.write(pa.compress(sys.stdin.buffer.read(), codec="zstd", asbytes=True))',
      ],
      { input: ndjson },
    );
    const encoded: [string, Buffer][] = [
      ['gzip', zlib.gzipSync(ndjson)],
      ['deflate', zlib.deflateSync(ndjson)],
      ['br', zlib.brotliCompressSync(ndjson)],
      ['zstd', zstd],
    ];
    for (const [encoding, body] of encoded) {
      const response = await fetch(`${server.url}/api/v1/workspaces/errors/events`, {
        method: 'POST',
        headers: { 'content-type': NDJSON, 'content-encoding': encoding },
        body,
      });
      expect({ encoding, ...(await answer(response)) }).toEqual({
        encoding,
        status: 200,
        body: { accepted: 2, rejected: 0, errors: [], asOf: expect.any(String) },
      });
    }
    const unknown = await fetch(`${server.url}/api/v1/workspaces/errors/events`, {
      method: 'POST',
      headers: { 'content-type': NDJSON, 'content-encoding': 'lzma' },
      body: ndjson,
    });
    expect((await expectError(unknown, 415, 'unsupported_encoding')).hint).toContain('gzip');
  });

  it('a body that decompresses past MAX_BODY_MB is a 413 that says so', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const response = await fetch(`${server.url}/api/v1/workspaces/errors/events`, {
      method: 'POST',
      headers: { 'content-type': NDJSON, 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect((await expectError(response, 413, 'body_too_large')).message).toContain(
      'decompresses to more than 4 MB',
    );
  });

  it('a semicolon or tab CSV names the delimiter it found', async () => {
    for (const [delimiter, named] of [
      [';', '";"'],
      ['\t', 'tabs'],
    ]) {
      const csv = `ts${delimiter}brand${delimiter}touchpoint${delimiter}source${delimiter}metric${delimiter}value\n2026-03-10T10:00:00Z${delimiter}acme${delimiter}site${delimiter}web${delimiter}visits${delimiter}1,5\n`;
      const error = await expectError(
        await postEvents(server.url, 'errors', csv, CSV),
        400,
        'malformed_body',
      );
      expect(error.message).toContain(`separates its columns with ${named}`);
    }
  });

  it('two JSON documents back to back are refused as such, nothing stored', async () => {
    const before = await visits(server.url, 'errors');
    const body = `${JSON.stringify([visitAt(5)])}${JSON.stringify([visitAt(6)])}`;
    const error = await expectError(
      await postEvents(server.url, 'errors', body, JSON_TYPE),
      400,
      'malformed_body',
    );
    expect(error.message).toContain('more than one JSON document');
    expect(await visits(server.url, 'errors')).toEqual(before);
  });

  it('a __proto__ key in a JSON body is refused by name, not called invalid JSON', async () => {
    const response = await fetch(`${server.url}/api/v1/workspaces/proto`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"p","brands":[{"id":"a","name":"A","own":true}],"__proto__":{"polluted":true}}',
    });
    const error = await expectError(response, 400, 'malformed_body');
    expect(error.message).toContain('"__proto__" key');
    const broken = await fetch(`${server.url}/api/v1/workspaces/proto`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"name": "p",}',
    });
    expect((await expectError(broken, 400, 'malformed_body')).message).toMatch(/not valid JSON: .*position/);
  });

  it("Fastify's and Node's own refusals come in the API's error shape", async () => {
    const port = Number(new URL(server.url).port);
    const raw = (request: string) =>
      new Promise<{ status: number; body: ErrorBody }>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('close', () => {
          const [head, ...rest] = text.split('\r\n\r\n');
          try {
            resolve({
              status: Number(head!.split(' ')[1]),
              body: JSON.parse(rest.join('\r\n\r\n')) as ErrorBody,
            });
          } catch (error) {
            reject(new Error(`not an error body: ${text.slice(0, 300)} (${String(error)})`));
          }
        });
        socket.on('error', reject);
      });
    const host = `Host: 127.0.0.1:${port}\r\nConnection: close\r\n`;
    const answers = [
      await raw(`GET /api/v1/workspaces/%zz HTTP/1.1\r\n${host}\r\n`),
      await raw(`GET /api/v1/workspaces/${'a'.repeat(300)} HTTP/1.1\r\n${host}\r\n`),
      await raw(
        `POST /api/v1/workspaces/errors/events HTTP/1.1\r\n${host}Content-Type: ${NDJSON}\r\nContent-Length: abc\r\n\r\n{}`,
      ),
      await raw(`GET /healthz HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    ];
    expect(answers.map((a) => [a.status, a.body.error?.code])).toEqual([
      [400, 'bad_url'],
      [414, 'url_too_long'],
      [400, 'bad_request'],
      [431, 'headers_too_large'],
    ]);
    for (const a of answers) expect(a.body.error.hint.length).toBeGreaterThan(0);
    const big = await fetch(`${server.url}/api/v1/workspaces/big`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect((await expectError(big, 413, 'body_too_large')).message).toContain('1 MB');
  });

  it('a client that aborts its upload is not logged as an error', async () => {
    const port = Number(new URL(server.url).port);
    const before = logLines.length;
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /api/v1/workspaces/errors/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ownerToken(`http://127.0.0.1:${port}`)}\r\nContent-Type: ${NDJSON}\r\nContent-Length: 100000\r\n\r\n${JSON.stringify(visitAt(0))}\n`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 200);
      });
    });
    // The hub is still fine, and said nothing at error level about the client that left.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const levels = logLines.slice(before).map((line) => (JSON.parse(line) as { level: number }).level);
    expect(levels.filter((level) => level >= 50)).toEqual([]);
  });

  it('every text a client sends has a length bound: a 3 000-character list or a 100-character id is a 400 naming it', async () => {
    const long = await fetch(
      `${server.url}/api/v1/workspaces/errors/benchmark?${new URLSearchParams({ kpi: 'share_of_voice', window: '7d', source: 'web,'.repeat(750) })}`,
    );
    expect((await expectError(long, 400, 'invalid_request')).message).toContain('source');
    const metric = await fetch(`${server.url}/api/v1/workspaces/errors/metrics/${'m'.repeat(100)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'counter', touchpoints: ['site'], unit: 'u'.repeat(100) }),
    });
    expect(metric.status).toBe(400);
  });

  it('the media type is part of the idempotency fingerprint: same key, same bytes, other Content-Type is a 422', async () => {
    const body = `[${JSON.stringify(visitAt(30))}]`;
    const first = await postEvents(server.url, 'errors', body, JSON_TYPE, { idempotencyKey: 'fingerprint' });
    expect(first.status).toBe(200);
    const before = await visits(server.url, 'errors');
    const other = await postEvents(server.url, 'errors', body, NDJSON, { idempotencyKey: 'fingerprint' });
    await expectError(other, 422, 'idempotency_key_reused');
    const same = await postEvents(server.url, 'errors', body, JSON_TYPE, { idempotencyKey: 'fingerprint' });
    expect(same.status).toBe(200);
    expect(same.headers.get('idempotent-replayed')).toBe('true');
    expect(await visits(server.url, 'errors')).toEqual(before);
  });
});
