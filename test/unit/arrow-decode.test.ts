import * as flechette from '@uwdata/flechette';
import * as A from 'apache-arrow';
import fc from 'fast-check';
import * as lz4js from 'lz4js';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../server/errors.js';
import { BAD_INDEX, type DecodedBatch, MISSING, NumProblem, TOO_LONG } from '../../server/ingest/batch.js';
import { decodeArrow } from '../../server/ingest/decode/arrow.js';
import { CompressionError, lz4Decompress } from '../../server/ingest/decode/arrow-compression.js';

// The Arrow decoder below the HTTP layer: its LZ4 decoder against lz4js, the decompression and
// row budgets, quoting of rejected rows, and fuzzing: truncated and corrupted streams of every
// kind answer a 400 (or a 413), never another error.

const AT = Date.UTC(2026, 2, 10, 10, 0, 0);

/** pyarrow 25 (compression="zstd"): 40 rows, ts ms, brand dictionary, touchpoint and source string_view. */
const PYARROW_ZSTD = Buffer.from(
  '/////5ABAAAQAAAAAAAKAAwABgAFAAgACgAAAAABBAAEAAAA/P7//wQAAAAGAAAANAEAAMwAAACMAAAAYAAAADQAAAAEAAAA9P7//wAAAQMQAAAAGAAAAAQAAAAAAAAABQAAAHZhbHVlAAAA5v7//wAAAgAg////AAABBRAAAAAYAAAABAAAAAAAAAAGAAAAbWV0cmljAABM////SP///wAAARgQAAAAGAAAAAQAAAAAAAAABgAAAHNvdXJjZQAAdP///3D///8AAAEYEAAAABwAAAAEAAAAAAAAAAoAAAB0b3VjaHBvaW50AACg////EAAYAAgABgAHAAwAEAAUABAAAAAAAAEFFAAAAEQAAAAgAAAABAAAAAAAAAAFAAAAYnJhbmQAAAAIAAgAAAAEAAgAAAAMAAAACAAMAAgABwAIAAAAAAAAASAAAAAEAAQABAAAABAAFAAIAAYABwAMAAAAEAAQAAAAAAABChAAAAAcAAAABAAAAAAAAAACAAAAdHMAAAAABgAIAAYABgAAAAAAAQAAAAAA/////8AAAAAUAAAAAAAAAAwAGAAGAAUACAAMAAwAAAAAAgQAGAAAAEAAAAAAAAAAAAAAAAgACAAAAAQACAAAABAAAAAMAB4AEAAEAAgADAAMAAAAYAAAACQAAAAYAAAAAgAAAAAAAAAAAAAAAAAGAAgABwAGAAAAAAAAAQMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAdAAAAAAAAACAAAAAAAAAAGwAAAAAAAAAAAAAAAQAAAAIAAAAAAAAAAAAAAAAAAAAMAAAAAAAAACi1L/0gDGEAAAAAAAAEAAAACgAAAAAAAAoAAAAAAAAAKLUv/SAKUQAAYWNtZWdsb2JleAAAAAAA/////+ABAAAUAAAAAAAAAAwAGgAGAAUACAAMAAwAAAAAAwQAIAAAAPgCAAAAAAAAAAAAAAAADgAgABQABAAIAAwAEAAOAAAAPAEAAEAAAAA0AAAAEAAAACgAAAAAAAAAAAAAAAIAAAABAAAAAAAAAAEAAAAAAAAAAAAAAAAABgAIAAcABgAAAAAAAAEPAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAxgAAAAAAAADIAAAAAAAAAAAAAAAAAAAAyAAAAAAAAABSAAAAAAAAACABAAAAAAAAAAAAAAAAAAAgAQAAAAAAACYAAAAAAAAASAEAAAAAAAAAAAAAAAAAAEgBAAAAAAAAAAAAAAAAAABIAQAAAAAAAGsAAAAAAAAAuAEAAAAAAAA4AAAAAAAAAPABAAAAAAAAAAAAAAAAAADwAQAAAAAAAGUAAAAAAAAAWAIAAAAAAAAeAAAAAAAAAHgCAAAAAAAAAAAAAAAAAAB4AgAAAAAAAH4AAAAAAAAAAAAAAAYAAAAoAAAAAAAAAAAAAAAAAAAAKAAAAAAAAAAAAAAAAAAAACgAAAAAAAAAAAAAAAAAAAAoAAAAAAAAAAAAAAAAAAAAKAAAAAAAAAAAAAAAAAAAACgAAAAAAAAAAAAAAAAAAABAAQAAAAAAACi1L/1gQAClBQD0BwBpMNecAQAAYFMxwD0yICgzgBI04PxA5zWg0TYAvDdgpjjAkDkgezqAZTvgTzxAOj2gJD4ADz9g+cDjQCDOQYC4QuCiQ0CNRKB3RQBiRmBMR8A2SCAhSYALSuD1QOBLoMpMALVNYJ9OwIlPIHRQgF5R4EhSQDNToB1U15wBAAAmIODXMm60IeNGGzJutIG4DRk32pBxow0ZN7QhxuAbbci40YaMG23IuNEG4jZk4BtrkxcAAKAAAAAAAAAAKLUv/SCgDQIA5AIAAAAAAQABAAEAAQABAAEAAQABAAEAAQABAAEAAQABAAEAAQABAAEAAQABAAAAExQAAxhjjDHGGGOMMcYYFwEAAAAAAACAAgAAAAAAACi1L/1ggAGlAABYBgAAAHNlYXJjaAACAG1mFmiBFwAAgAIAAAAAAAAotS/9YIABzQIAlAIeAAAAYW4tYQAGAAAAZ29vZ2xlAB48WniWtNLwDgEsSmiGpMLg/hwCOhYAIBFARNAw0AhoDjQMNAKaAw0DjQAigoaBRkBzoGGgEdAcaBhoZCgGoHkXHAEAAAAAAFgCAAAAAAAAKLUv/WBYATUBAPBhbi1hZ2dyZWdhdG9yLXdpdGgtYS1sb25nLW5hbWUBAN4IlXICpAAAAAAAAAAotS/9IKSlAgBCChQfsOdmhyQIoiAESRAkQRCFGWeMM8YaM84YZ4w1ZpyhKX/c8cYZX1zxxBE/3PDCCR9c8MAB/+69O/ft2rNjv269OvXp0qNDf+68OfPlypMjHwAAAADwAAAAAAAAACi1L/0g8G0AADBjbGlja3MBAOdQpQgAAEABAAAAAAAAKLUv/WBAAGUDAHQDAADgPwDw+ABABAgMEBIUFhgaHB4gISIjJCUmJygpKissLS4vMIAAMYAAMoAAM0AAAAAAAIAzQCYg4NdZDMxstCzjMsuSL7Ms+TLLki+zLPkykyVfZlnyZZYlX2ZZ8mWWJd+BNLOlaAfXsAAA/////wAAAAA=',
  'base64',
);

function table(
  columns: Partial<Record<'ts' | 'brand' | 'touchpoint' | 'source' | 'metric' | 'value', A.Vector>>,
  n = 3,
): A.Table {
  const rows = Array.from({ length: n }, (_, i) => i);
  return new A.Table({
    ts:
      columns.ts ??
      A.vectorFromArray(
        rows.map((i) => AT + i * 60_000),
        new A.TimestampMillisecond(),
      ),
    brand:
      columns.brand ??
      A.vectorFromArray(
        rows.map((i) => ['acme', 'globex'][i % 2]!),
        new A.Dictionary(new A.Utf8(), new A.Int32()),
      ),
    touchpoint:
      columns.touchpoint ??
      A.vectorFromArray(
        rows.map(() => 'search'),
        new A.Utf8(),
      ),
    source:
      columns.source ??
      A.vectorFromArray(
        rows.map((i) => (i % 2 ? 'an-aggregator-with-a-long-name' : 'google')),
        new A.Utf8View(),
      ),
    metric:
      columns.metric ??
      A.vectorFromArray(
        rows.map(() => 'clicks'),
        new A.LargeUtf8(),
      ),
    value:
      columns.value ??
      A.vectorFromArray(
        rows.map((i) => i * 1.5),
        new A.Float64(),
      ),
  });
}
const ipc = (t: A.Table) => Buffer.from(A.tableToIPC(t, 'stream'));

const str = (batch: DecodedBatch, field: 'brand' | 'touchpoint' | 'source' | 'metric', row: number) => {
  const code = batch.strings[field].codes[row]!;
  return code >= 0 ? batch.strings[field].values[code] : code;
};

async function outcome(body: Uint8Array): Promise<'ok' | number> {
  try {
    await decodeArrow(Buffer.from(body));
    return 'ok';
  } catch (error) {
    if (!(error instanceof ApiError)) throw new Error(`not an API error: ${(error as Error).stack}`);
    if (process.env.DEBUG_ARROW) console.log(error.message);
    expect(error.hint.length).toBeGreaterThan(20);
    return error.status;
  }
}

describe('LZ4 frames', () => {
  it('decompresses what lz4js compresses, byte for byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 8 }), (bytes, period) => {
        // Repetitive data too, so that the frames hold matches, overlapping ones included.
        const data = bytes.map((b, i) => (i % period === 0 ? b : bytes[i - (i % period)]!));
        const frame = lz4js.compress(data);
        expect(Array.from(lz4Decompress(frame, data.length))).toEqual(Array.from(data));
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a frame that decompresses to another length than declared, or points outside its output', () => {
    const data = new Uint8Array(1000).fill(7);
    const frame = lz4js.compress(data);
    expect(() => lz4Decompress(frame, 999)).toThrow(CompressionError);
    expect(() => lz4Decompress(frame, 1001)).toThrow(CompressionError);
    // A block whose match offset points before the output start: magic, flags, BD, HC, block.
    const bad = new Uint8Array([
      0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0, 5, 0, 0, 0, 0x1f, 0x41, 0xff, 0xff, 0x00, 0, 0, 0, 0,
    ]);
    expect(() => lz4Decompress(bad, 100)).toThrow(CompressionError);
    // A block of long matches claiming far more output than declared stops at the declared length.
    const bomb = new Uint8Array([
      0x04,
      0x22,
      0x4d,
      0x18,
      0x40,
      0x40,
      0xc0,
      10,
      0,
      0,
      0,
      0x1f,
      0x41,
      0x01,
      0x00,
      ...new Array(5).fill(0xff),
      0x00,
      0,
      0,
      0,
      0,
    ]);
    expect(() => lz4Decompress(bomb, 64)).toThrow(/past its declared length/);
  });
});

describe('Arrow decoding', () => {
  it('reads a pyarrow ZSTD stream with dictionary and string_view columns', async () => {
    const batch = await decodeArrow(PYARROW_ZSTD);
    expect(batch.length).toBe(40);
    expect(batch.ts[39]).toBe(AT + 39 * 60_000);
    expect(str(batch, 'brand', 1)).toBe('globex');
    expect(str(batch, 'source', 0)).toBe('an-aggregator-with-a-long-name');
    expect(str(batch, 'touchpoint', 5)).toBe('search');
    expect(Array.from(batch.value.subarray(0, 4))).toEqual([0, 0.5, 1, 1.5]);
  });

  it('reads an LZ4 stream written by flechette, with decimal64 values', async () => {
    flechette.setCompressionCodec(flechette.CompressionType.LZ4_FRAME, {
      encode: (bytes) => lz4js.compress(bytes),
      decode: (bytes, length) => lz4js.decompress(bytes, length),
    });
    const t = flechette.tableFromArrays(
      {
        ts: [AT, AT + 1],
        brand: ['acme', 'initech'],
        touchpoint: ['search', 'search'],
        source: ['google', 'bing'],
        metric: ['clicks', 'clicks'],
        value: [1.25, -7.5],
      },
      {
        types: {
          ts: flechette.timestamp(flechette.TimeUnit.MILLISECOND),
          value: flechette.decimal(10, 2, 64),
        },
      },
    );
    const batch = await decodeArrow(
      Buffer.from(flechette.tableToIPC(t, { format: 'stream', codec: flechette.CompressionType.LZ4_FRAME })!),
    );
    expect(Array.from(batch.value)).toEqual([1.25, -7.5]);
    expect(Array.from(batch.ts)).toEqual([AT, AT + 1]);
    expect(str(batch, 'brand', 1)).toBe('initech');
  });

  it('lets apache-arrow read compressed streams once the decoder is loaded (compressionRegistry)', () => {
    const t = A.tableFromIPC(PYARROW_ZSTD);
    expect(t.numRows).toBe(40);
    expect(t.getChild('brand')!.get(1)).toBe('globex');
  });

  it('quotes rejected fields as sent: NaN, exact integers, instants beyond any date, dictionary indices', async () => {
    const keys = A.makeData({
      type: new A.Dictionary(new A.Utf8(), new A.Int8()),
      length: 3,
      nullCount: 0,
      data: Int8Array.from([0, 5, -3]),
      dictionary: A.vectorFromArray(['acme', 'globex', 'initech'], new A.Utf8()),
    });
    const body = ipc(
      table({
        ts: A.makeVector(
          A.makeData({
            type: new A.TimestampSecond(),
            length: 3,
            nullCount: 0,
            data: BigInt64Array.from([1773136800n, 4611686018427387904n, 1773136801n]),
          }),
        ),
        brand: A.makeVector(keys),
        value: A.makeVector(
          A.makeData({
            type: new A.Int64(),
            length: 3,
            nullCount: 0,
            data: BigInt64Array.from([9007199254740993n, 2n, 3n]),
          }),
        ),
      }),
    );
    const batch = await decodeArrow(body);
    expect(batch.valueProblem[0]).toBe(NumProblem.Inexact);
    expect(batch.describe(0, 'value')).toBe('9007199254740993 (Int64)');
    expect(batch.describe(1, 'ts')).toBe('4611686018427387904 (Timestamp(s))');
    expect(batch.strings.brand.codes[1]).toBe(BAD_INDEX);
    expect(batch.describe(1, 'brand')).toBe('dictionary index 5 (of 3 entries)');
    expect(batch.describe(2, 'brand')).toBe('dictionary index -3 (of 3 entries)');
    expect(JSON.parse(batch.rawText(0).text)).toEqual({
      ts: '2026-03-10T10:00:00.000Z',
      brand: 'acme',
      touchpoint: 'search',
      source: 'google',
      metric: 'clicks',
      value: 9007199254740992,
    });
    expect(batch.rawText(0).text).toContain('"value":9007199254740993');
    expect(JSON.parse(batch.rawText(1).text)).toMatchObject({ ts: 4611686018427387904000, brand: null });

    const floats = await decodeArrow(
      ipc(table({ value: A.vectorFromArray([NaN, -Infinity, 1e300], new A.Float64()) })),
    );
    expect([0, 1, 2].map((r) => floats.describe(r, 'value'))).toEqual(['NaN', '-Infinity', '1e+300']);
    expect(JSON.parse(floats.rawText(0).text).value).toBe('NaN');
    expect(floats.valueProblem[0]).toBe(NumProblem.Invalid);

    const decimals = A.makeData({
      type: new A.Decimal(2, 12, 128),
      length: 1,
      nullCount: 0,
      data: new Uint32Array([150, 0, 0, 0]),
    });
    const dec = await decodeArrow(ipc(table({ value: A.makeVector(decimals) }, 1)));
    expect(dec.value[0]).toBe(1.5);
    expect(dec.rawText(0).text).toContain('"value":1.50}');
    expect(dec.describe(0, 'value')).toBe('1.50 (Decimal128(12, 2))');
  });

  it('keeps sub-millisecond instants to the microsecond, and quotes them so', async () => {
    const ts = A.makeVector(
      A.makeData({
        type: new A.TimestampNanosecond(),
        length: 2,
        nullCount: 0,
        data: BigInt64Array.from([1773136800123456789n, 1773136800000000499n]),
      }),
    );
    const batch = await decodeArrow(
      ipc(table({ ts, brand: A.vectorFromArray(['umbrella', 'acme'], new A.Utf8()) }, 2)),
    );
    expect(Math.round(batch.ts[0]! * 1000)).toBe(1773136800123457);
    expect(Math.round(batch.ts[1]! * 1000)).toBe(1773136800000000);
    expect(JSON.parse(batch.rawText(0).text).ts).toBe('2026-03-10T10:00:00.123457Z');
  });

  it('cuts long strings without decoding them whole', async () => {
    const long = 'x'.repeat(100_000);
    const batch = await decodeArrow(
      ipc(table({ source: A.vectorFromArray([long, 'google', long], new A.Utf8()) })),
    );
    expect(batch.strings.source.codes[0]).toBe(TOO_LONG);
    expect(batch.describe(0, 'source')).toMatch(/^"x{80}"… \(100000 bytes\)$/);
    expect(batch.rawText(0).cut).toBe(true);
    expect(batch.strings.source.codes[1]).toBeGreaterThanOrEqual(0);
  });

  it('takes an IPC file too, and streams without a continuation marker (before Arrow 0.15)', async () => {
    // arrow-js writes a file's schema in its footer only.
    const file = await decodeArrow(Buffer.from(A.tableToIPC(table({}), 'file')));
    expect(file.length).toBe(3);
    expect(str(file, 'source', 1)).toBe('an-aggregator-with-a-long-name');
    const legacy = Buffer.concat(splitMessages(ipc(table({}))).map((m) => m.subarray(4)));
    const old = await decodeArrow(legacy);
    expect(old.length).toBe(3);
    expect(str(old, 'brand', 1)).toBe('globex');
  });

  it('refuses a dictionary used before it is sent, a second schema, and rows that hold no data', async () => {
    // The same stream's messages in another order: the record batch before its dictionary batch.
    const t = table({
      source: A.vectorFromArray(['google', 'bing', 'google'], new A.Dictionary(new A.Utf8(), new A.Int32())),
    });
    const bytes = ipc(t);
    const messages = splitMessages(bytes);
    // schema, dictionaries (brand, source), record batch, end marker
    expect(messages).toHaveLength(5);
    const reordered = Buffer.concat([messages[0]!, messages[3]!, messages[1]!, messages[2]!]);
    const error = await decodeArrow(reordered).catch((e: ApiError) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toMatch(
      /uses dictionary \d, which the stream has not sent before it/,
    );
    const twice = Buffer.concat([messages[0]!, messages[0]!]);
    expect(((await decodeArrow(twice).catch((e: ApiError) => e)) as ApiError).message).toContain(
      'second schema',
    );

    const nulls = (n: number) => A.makeVector(A.makeData({ type: new A.Null(), length: n }));
    const empty = (n: number) =>
      new A.Table({
        ts: nulls(n),
        brand: nulls(n),
        touchpoint: nulls(n),
        source: nulls(n),
        metric: nulls(n),
        value: nulls(n),
      });
    const few = await decodeArrow(ipc(empty(5)));
    expect(Array.from(few.tsProblem)).toEqual(new Array(5).fill(NumProblem.Missing));
    expect(few.strings.brand.codes[0]).toBe(MISSING);
    expect(await outcome(ipc(empty(100_000)))).toBe(400);
  });

  it('answers 413 past its decompression budget and its row bound, before allocating for them', async () => {
    const tight = (await decodeArrow(PYARROW_ZSTD, { maxDecompressedBytes: 1000 }).catch(
      (e: ApiError) => e,
    )) as ApiError;
    expect(tight.status).toBe(413);
    expect(tight.message).toMatch(/decompress to more than 0 MB/);
    const error = (await decodeArrow(PYARROW_ZSTD, { maxRows: 39 }).catch((e: ApiError) => e)) as ApiError;
    expect(error.status).toBe(413);
    expect(error.code).toBe('too_many_rows');
    // A compressed buffer declaring 2^40 bytes is refused by the budget, not allocated.
    const huge = Buffer.from(PYARROW_ZSTD);
    const at = huge.indexOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), 1200) - 8;
    huge.writeBigInt64LE(1n << 40n, at);
    expect(await outcome(huge)).toBe(413);
  });

  it('answers 400, never anything else, to truncated and corrupted streams', async () => {
    const streams = [
      ipc(table({})),
      PYARROW_ZSTD,
      Buffer.from(A.tableToIPC(table({}, 40), 'file')),
      ipc(
        table({
          value: A.vectorFromArray([1, 2, 3], new A.Float16()),
          ts: A.vectorFromArray(['2026-03-10T10:00:00Z', 'x', null], new A.Utf8View()),
        }),
      ),
      Buffer.from(
        flechette.tableToIPC(
          flechette.tableFromArrays(
            {
              ts: [AT],
              brand: ['acme'],
              touchpoint: ['search'],
              source: ['google'],
              metric: ['clicks'],
              value: [1],
            },
            { types: { ts: flechette.timestamp(flechette.TimeUnit.MILLISECOND) } },
          ),
          { format: 'stream', codec: flechette.CompressionType.LZ4_FRAME },
        )!,
      ),
    ];
    for (const bytes of streams) {
      expect(await outcome(bytes)).toBe('ok');
      for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 97))) {
        const status = await outcome(bytes.subarray(0, cut));
        expect(status === 'ok' || status === 400, `cut at ${cut}: ${status}`).toBe(true);
      }
    }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...streams),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        async (bytes, edits) => {
          const copy = Buffer.from(bytes);
          for (const [at, byte] of edits) copy[at % copy.length] = byte;
          const status = await outcome(copy);
          expect(status === 'ok' || status === 400 || status === 413).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

/** An IPC stream's encapsulated messages (continuation, length, metadata, body), in order. */
function splitMessages(bytes: Uint8Array): Buffer[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Buffer[] = [];
  let p = 0;
  while (p < bytes.length) {
    const length = view.getInt32(p + 4, true);
    if (length === 0) {
      out.push(Buffer.from(bytes.subarray(p, p + 8)));
      break;
    }
    const meta = new DataView(bytes.buffer, bytes.byteOffset + p + 8, length);
    // Message.bodyLength: the 4th field of the root table (absent: 0).
    const root = meta.getUint32(0, true);
    const vtable = root - meta.getInt32(root, true);
    const offset = meta.getUint16(vtable, true) > 10 ? meta.getUint16(vtable + 10, true) : 0;
    const body = offset ? Number(meta.getBigInt64(root + offset, true)) : 0;
    out.push(Buffer.from(bytes.subarray(p, p + 8 + length + body)));
    p += 8 + length + body;
  }
  return out;
}
