import {
  DateMillisecond,
  Float64,
  Int64,
  Table,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Utf8,
  type Vector,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MISSING, NumProblem, parseTimestamp, type DecodedBatch } from '../../server/ingest/batch.js';
import { decodeArrow } from '../../server/ingest/decode/arrow.js';
import { decodeCsv } from '../../server/ingest/decode/csv.js';
import { decodeJson } from '../../server/ingest/decode/json.js';
import { decodeNdjson } from '../../server/ingest/decode/ndjson.js';
import { ApiError } from '../../server/errors.js';

const rowsOf = (batch: DecodedBatch) =>
  Array.from({ length: batch.length }, (_, i) => ({
    ts: batch.ts[i],
    brand:
      batch.strings.brand.codes[i]! >= 0 ? batch.strings.brand.values[batch.strings.brand.codes[i]!] : null,
    metric:
      batch.strings.metric.codes[i]! >= 0
        ? batch.strings.metric.values[batch.strings.metric.codes[i]!]
        : null,
    value: batch.value[i],
  }));

const event = (brand: string, value: number) => ({
  ts: '2026-03-10T10:00:00Z',
  brand,
  touchpoint: 'search',
  source: 'google',
  metric: 'clicks',
  value,
});

async function malformed(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('JSON decoding', () => {
  it('reads an array whose strings hold brackets, commas, quotes and escapes', async () => {
    const body = Buffer.from(
      JSON.stringify([event('a,]"[}{', 1), { ...event('b\\"x', 2), extra: { nested: [1, { x: ']' }] } }]),
    );
    const batch = await decodeJson(body);
    expect(rowsOf(batch).map((r) => [r.brand, r.value])).toEqual([
      ['a,]"[}{', 1],
      ['b\\"x', 2],
    ]);
    expect(JSON.parse(batch.rawText(1).text)).toMatchObject({
      brand: 'b\\"x',
      extra: { nested: [1, { x: ']' }] },
    });
  });

  it('reads the events member of an object, whatever comes before or after it', async () => {
    const body = Buffer.from(
      `{"meta": {"events": "not this"}, "list": [1, 2], "events": [${JSON.stringify(event('a', 1))} ,
        ${JSON.stringify(event('b', 2))}], "after": [3]}`,
    );
    expect(rowsOf(await decodeJson(body)).map((r) => r.brand)).toEqual(['a', 'b']);
  });

  it('reads an empty array as zero rows', async () => {
    expect((await decodeJson(Buffer.from(' [ ] '))).length).toBe(0);
  });

  it('parses large bodies across many chunks in order', async () => {
    const events = Array.from({ length: 10_000 }, (_, i) => event(`b${i % 7}`, i));
    const batch = await decodeJson(Buffer.from(JSON.stringify(events)));
    expect(batch.length).toBe(10_000);
    expect(Array.from(batch.value)).toEqual(events.map((e) => e.value));
  });

  it('names the element and line of invalid JSON', async () => {
    const error = await malformed(
      decodeJson(Buffer.from(`[\n${JSON.stringify(event('a', 1))},\n{"ts": oops}\n]`)),
    );
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/Element 1 \(line 3\)/);
  });

  it('refuses a body that is not an array or an events object', async () => {
    expect((await malformed(decodeJson(Buffer.from('{"rows": []}')))).message).toMatch(/no "events" array/);
    expect((await malformed(decodeJson(Buffer.from('42')))).code).toBe('malformed_body');
    expect((await malformed(decodeJson(Buffer.from('[{"a":1}')))).message).toMatch(/ends before/);
  });

  it('marks missing and mistyped fields per row instead of failing the request', async () => {
    const batch = await decodeJson(Buffer.from(JSON.stringify([{ brand: 5, value: '3' }])));
    expect(batch.tsProblem[0]).toBe(NumProblem.Missing);
    expect(batch.strings.brand.codes[0]).not.toBe(MISSING);
    expect(batch.strings.brand.codes[0]).toBeLessThan(0);
    expect(batch.valueProblem[0]).toBe(NumProblem.Invalid);
  });
});

describe('NDJSON decoding', () => {
  it('skips blank lines, accepts CRLF, and counts records not lines', async () => {
    const body = Buffer.from(`${JSON.stringify(event('a', 1))}\r\n\r\n   \n${JSON.stringify(event('b', 2))}`);
    const batch = await decodeNdjson(body);
    expect(rowsOf(batch).map((r) => r.brand)).toEqual(['a', 'b']);
    expect(JSON.parse(batch.rawText(1).text)).toEqual(event('b', 2));
  });

  it('names the line of a line that is not JSON', async () => {
    const error = await malformed(decodeNdjson(Buffer.from(`${JSON.stringify(event('a', 1))}\n\n{oops\n`)));
    expect(error.message).toMatch(/^Line 3 \(record 1\)/);
  });
});

describe('CSV decoding', () => {
  it('handles quoted commas, quotes, newlines, CRLF and any column order', async () => {
    const body = Buffer.from(
      'value,metric,brand,ts,touchpoint,source\r\n' +
        '1,clicks,"a,b",2026-03-10T10:00:00Z,search,google\r\n' +
        '2.5,clicks,"say ""hi""\nthere",2026-03-10T10:00:00+01:00,search,google\r\n',
    );
    const batch = await decodeCsv(body);
    expect(rowsOf(batch)).toEqual([
      { ts: Date.parse('2026-03-10T10:00:00Z'), brand: 'a,b', metric: 'clicks', value: 1 },
      { ts: Date.parse('2026-03-10T09:00:00Z'), brand: 'say "hi"\nthere', metric: 'clicks', value: 2.5 },
    ]);
    expect(JSON.parse(batch.rawText(1).text)).toMatchObject({ brand: 'say "hi"\nthere', value: '2.5' });
  });

  it('reads bodies larger than one slice without losing or splitting records', async () => {
    const lines = ['ts,brand,touchpoint,source,metric,value'];
    for (let i = 0; i < 40_000; i++)
      lines.push(`2026-03-10T10:00:00Z,"brand ${i % 5}",search,google,clicks,${i}`);
    const batch = await decodeCsv(Buffer.from(lines.join('\n')));
    expect(batch.length).toBe(40_000);
    expect(batch.value[39_999]).toBe(39_999);
    expect(JSON.parse(batch.rawText(25_000).text)).toMatchObject({ brand: 'brand 0', value: '25000' });
  });

  it('says which column the header lacks, and which line has the wrong field count', async () => {
    expect((await malformed(decodeCsv(Buffer.from('ts,brand,value\n')))).message).toMatch(
      /lacks the column\(s\) touchpoint, source, metric/,
    );
    const error = await malformed(
      decodeCsv(Buffer.from('ts,brand,touchpoint,source,metric,value\n2026-03-10T10:00:00Z,a,search\n')),
    );
    expect(error.message).toMatch(/line 2 \(record 0\) has 3 fields/);
  });
});

describe('timestamps', () => {
  it('accepts ISO 8601 with Z or an offset, and epoch milliseconds', () => {
    expect(parseTimestamp('2026-03-10T10:00:00Z')).toBe(Date.UTC(2026, 2, 10, 10));
    expect(parseTimestamp('2026-03-10T11:00:00.500+01:00')).toBe(Date.UTC(2026, 2, 10, 10, 0, 0, 500));
    expect(parseTimestamp('2026-03-10T11:00:00+0100')).toBe(Date.UTC(2026, 2, 10, 10));
    expect(parseTimestamp('1773136800000')).toBe(1773136800000);
  });

  it('agrees with Date.parse on every valid instant, whatever the offset and fraction, and keeps the microseconds', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1990-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -12 * 4, max: 14 * 4 }),
        fc.constantFrom('', '.5', '.123', '.123456', '.000000001'),
        (date, quarters, fraction) => {
          const offsetMin = quarters * 15;
          const local = new Date(date.getTime() + offsetMin * 60_000).toISOString().slice(0, 19);
          const sign = offsetMin < 0 ? '-' : '+';
          const abs = Math.abs(offsetMin);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const text = `${local}${fraction}${zone}`;
          // Date.parse stops at the millisecond; the hub stores microseconds (nanoseconds rounded).
          const micros = fraction === '.123456' ? 0.456 : 0;
          expect(Math.round(parseTimestamp(text) * 1000)).toBe(
            Math.round((Date.parse(text) + micros) * 1000),
          );
        },
      ),
    );
  });

  it('refuses impossible dates and times', () => {
    for (const text of [
      '2026-02-29T10:00:00Z',
      '2026-02-30T10:00:00Z',
      '2026-13-01T10:00:00Z',
      '2026-03-10T24:00:00Z',
      '2026-03-10T10:60:00Z',
      '2026-03-10T10:00:00.Z',
      '2026-03-10T10:00:00.1234567891Z',
      '2026-03-10T10:00:00+1',
      '2026-03-10T10:00:00Zjunk',
    ]) {
      expect(parseTimestamp(text), text).toBeNaN();
    }
    expect(parseTimestamp('2028-02-29T10:00:00Z')).toBe(Date.UTC(2028, 1, 29, 10));
    expect(parseTimestamp('2026-03-10 10:00z')).toBe(Date.UTC(2026, 2, 10, 10));
    expect(parseTimestamp('2026-03-10T10:00:00-03')).toBe(Date.UTC(2026, 2, 10, 13));
  });

  it('refuses times without an offset, which would depend on the server clock zone', () => {
    expect(parseTimestamp('2026-03-10T10:00:00')).toBeNaN();
    expect(parseTimestamp('10/03/2026')).toBeNaN();
  });
});

describe('Arrow decoding', () => {
  const at = Date.UTC(2026, 2, 10, 10, 0, 0, 250);
  const body = (ts: Vector) =>
    Buffer.from(
      tableToIPC(
        new Table({
          ts,
          brand: vectorFromArray(['a', 'b', 'a'], new Utf8()),
          touchpoint: vectorFromArray(['search', 'search', 'search'], new Utf8()),
          source: vectorFromArray(['google', 'google', 'google'], new Utf8()),
          metric: vectorFromArray(['clicks', 'clicks', 'clicks'], new Utf8()),
          value: vectorFromArray([1, 2, 3], new Float64()),
        }),
        'stream',
      ),
    );

  it('reads timestamps of every unit, int64 epoch ms before 1970, and dates, as epoch ms', async () => {
    const cases: [Vector, number[]][] = [
      [
        vectorFromArray([at - 250, at + 750, at - 1250], new TimestampSecond()),
        [at - 250, at + 750, at - 1250],
      ],
      [vectorFromArray([at, at + 1, at - 1], new TimestampMillisecond()), [at, at + 1, at - 1]],
      // Whole seconds: epoch nanoseconds past 2^53 are exact in a double only as multiples of 512.
      [
        vectorFromArray([at - 250, at + 750, at - 250], new TimestampNanosecond()),
        [at - 250, at + 750, at - 250],
      ],
      [vectorFromArray([BigInt(at), -86_400_000n, 0n], new Int64()), [at, -86_400_000, 0]],
      [vectorFromArray([new Date(at), new Date(0), new Date(at)], new DateMillisecond()), [at, 0, at]],
    ];
    for (const [ts, expected] of cases) {
      const batch = await decodeArrow(body(ts));
      expect(Array.from(batch.ts), String(ts.type)).toEqual(expected);
    }
  });

  it('marks a null timestamp as missing, and names a batch whose ts column has the wrong type', async () => {
    const batch = await decodeArrow(body(vectorFromArray([at, null, at], new TimestampMillisecond())));
    expect(Array.from(batch.tsProblem)).toEqual([NumProblem.None, NumProblem.Missing, NumProblem.None]);
    const error = await malformed(decodeArrow(body(vectorFromArray([1, 2, 3], new Float64()))));
    expect(error.message).toMatch(/Record batch 0: column "ts" is Float64/);
  });
});
