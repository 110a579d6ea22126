import * as flechette from '@uwdata/flechette';
import * as A from 'apache-arrow';
import * as lz4 from 'lz4js';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeArrow } from '../../server/demo/arrow.js';
import { type TestServer, putWorkspace, startServer } from '../helpers/server.js';
import { typeNames } from '../interop/arrow-schema.js';
import {
  type PyCase,
  type PyColumn,
  type StoredEvent,
  postArrow,
  pythonStreams,
  pythonVersions,
  storedEvents,
} from '../interop/producers.js';

// Streams written by the real producers, with their default options and compressed: pyarrow 25
// (none, lz4, zstd), polars 1.44 (string_view, Categorical as dictionary<uint32, string_view>,
// Datetime(us); lz4, zstd), nodejs-polars 0.25 (LargeUtf8, Datetime(ms)), flechette 2.6 (stream
// format, dictionary strings, decimal64, lz4) and arrow-js 21.2. Each round-trips exactly: what
// the DuckDB file holds is the events as written, to the microsecond and to the last bit.

const N = 240;
const BASE_US = BigInt(Date.UTC(2026, 2, 9, 20, 0, 0)) * 1000n;
const BRANDS = ['acme', 'globex', 'initech'];
const KINDS: [touchpoint: string, source: string, metric: string][] = [
  ['search', 'google', 'impressions'],
  ['search', 'bing', 'clicks'],
  ['site', 'web', 'visits'],
  ['social', 'facebook', 'mentions'],
  // Longer than 12 bytes: a string view keeps it in a data buffer, not inline.
  ['search', 'an-aggregator-with-a-long-name', 'clicks'],
];

/**
 * N events; `msOnly`: whole milliseconds, for producers that write timestamps from JS numbers;
 * `quarters`: values in quarters, which a decimal(18, 2) writer converts without rounding.
 */
function events(msOnly: boolean, quarters = false): StoredEvent[] {
  return Array.from({ length: N }, (_, i) => {
    const [touchpoint, source, metric] = KINDS[i % KINDS.length]!;
    const us = BASE_US + BigInt(i) * 61_234_567n + (msOnly ? 0n : BigInt((i * 7919) % 1000));
    return {
      brand: BRANDS[(i * 7) % BRANDS.length]!,
      touchpoint,
      source,
      metric,
      us: msOnly ? (us / 1000n) * 1000n : us,
      value: ((i * 37) % 101) * 1.25 - 40 + (i % 3 === 0 ? (quarters ? 0.25 : 0.1) : 0),
    };
  });
}

const EXACT_US = events(false);
const EXACT_MS = events(true);
const EXACT_QUARTERS = events(true, true);
const msOf = (e: StoredEvent) => Number(e.us / 1000n);
const col = <K extends keyof StoredEvent>(evs: StoredEvent[], key: K) => evs.map((e) => e[key]);

const byKey = (list: StoredEvent[]) =>
  [...list]
    .map(({ brand, touchpoint, source, metric, us, value }) => ({
      brand,
      touchpoint,
      source,
      metric,
      us,
      value,
    }))
    .sort((a, b) =>
      a.source < b.source ? -1 : a.source > b.source ? 1 : a.us < b.us ? -1 : a.us > b.us ? 1 : 0,
    );

// ---------------------------------------------------------------------------------------------
// Python producers: columns built from Python objects, types inferred as a user's would be.

const usToDatetime = 'datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=v)';
function pyColumns(evs: StoredEvent[]): PyColumn[] {
  return [
    { name: 'ts', expr: `pa.array([${usToDatetime} for v in values])`, values: evs.map((e) => Number(e.us)) },
    ...(['brand', 'touchpoint', 'source', 'metric'] as const).map((name) => ({
      name,
      expr: 'pa.array(values)',
      values: col(evs, name),
    })),
    { name: 'value', expr: 'pa.array(values)', values: col(evs, 'value') },
  ];
}

function polarsColumns(evs: StoredEvent[], ts: string): Extract<PyCase, { producer: 'polars' }>['columns'] {
  return [
    {
      name: 'ts',
      expr: `pl.Series([${usToDatetime} for v in values])${ts}`,
      values: evs.map((e) => Number(e.us)),
    },
    { name: 'brand', dtype: 'pl.Categorical', values: col(evs, 'brand') },
    {
      name: 'touchpoint',
      dtype: 'pl.Enum(["search", "site", "social", "media", "viral"])',
      values: col(evs, 'touchpoint'),
    },
    { name: 'source', values: col(evs, 'source') },
    { name: 'metric', dtype: 'pl.Categorical', values: col(evs, 'metric') },
    { name: 'value', values: col(evs, 'value') },
  ];
}

interface Producer {
  name: string;
  events: StoredEvent[];
  /** The stream, written now (JavaScript producers) or by Python in beforeAll. */
  bytes?: () => Uint8Array;
  python?: PyCase;
  /** The Arrow types the stream must carry (checks the producer wrote what this test claims). */
  types?: Record<string, string>;
}

const producers: Producer[] = [
  {
    name: 'pyarrow pa.ipc.new_stream, default options',
    events: EXACT_US,
    python: { producer: 'pyarrow', batches: [{ columns: pyColumns(EXACT_US) }] },
    types: { ts: 'Timestamp(us)', brand: 'Utf8', value: 'Float64' },
  },
  {
    name: 'pyarrow, compression="lz4"',
    events: EXACT_US,
    python: { producer: 'pyarrow', compression: 'lz4', batches: [{ columns: pyColumns(EXACT_US) }] },
  },
  {
    name: 'pyarrow, compression="zstd"',
    events: EXACT_US,
    python: { producer: 'pyarrow', compression: 'zstd', batches: [{ columns: pyColumns(EXACT_US) }] },
  },
  {
    name: 'pyarrow write_table in batches of 50, zstd',
    events: EXACT_US,
    python: {
      producer: 'pyarrow',
      compression: 'zstd',
      chunk: 50,
      batches: [{ columns: pyColumns(EXACT_US) }],
    },
  },
  {
    name: 'polars 1.44 write_ipc_stream, defaults',
    events: EXACT_US,
    python: { producer: 'polars', columns: polarsColumns(EXACT_US, '') },
    types: {
      ts: 'Timestamp(us)',
      brand: 'Dictionary<Uint32, Utf8View>',
      source: 'Utf8View',
      touchpoint: 'Dictionary<Uint8, Utf8View>',
    },
  },
  {
    name: 'polars, compression="lz4"',
    events: EXACT_US,
    python: { producer: 'polars', compression: 'lz4', columns: polarsColumns(EXACT_US, '') },
  },
  {
    name: 'polars, compression="zstd"',
    events: EXACT_US,
    python: { producer: 'polars', compression: 'zstd', columns: polarsColumns(EXACT_US, '') },
  },
  {
    name: 'polars, Datetime("ns", "UTC")',
    events: EXACT_US,
    python: {
      producer: 'polars',
      compression: 'zstd',
      columns: polarsColumns(EXACT_US, '.cast(pl.Datetime("ns")).dt.replace_time_zone("UTC")'),
    },
    types: { ts: 'Timestamp(ns, "UTC")' },
  },
  {
    name: 'nodejs-polars 0.25 writeIPCStream, defaults',
    events: EXACT_MS,
    bytes: () => nodePolars(EXACT_MS).writeIPCStream(),
    types: { ts: 'Timestamp(ms)', brand: 'LargeUtf8' },
  },
  {
    name: 'nodejs-polars, compression "lz4"',
    events: EXACT_MS,
    bytes: () => nodePolars(EXACT_MS).writeIPCStream({ compression: 'lz4' }),
  },
  {
    name: 'nodejs-polars, compression "zstd"',
    events: EXACT_MS,
    bytes: () => nodePolars(EXACT_MS).writeIPCStream({ compression: 'zstd' }),
  },
  {
    name: 'flechette 2.6 tableToIPC(table, { format: "stream" })',
    events: EXACT_QUARTERS,
    bytes: () => flechette.tableToIPC(flechetteTable(EXACT_QUARTERS), { format: 'stream' })!,
    types: { ts: 'Timestamp(us)', brand: 'Dictionary<Int32, Utf8>', value: 'Decimal64(18, 2)' },
  },
  {
    name: 'flechette, codec LZ4_FRAME (lz4js)',
    events: EXACT_QUARTERS,
    bytes: () => {
      flechette.setCompressionCodec(flechette.CompressionType.LZ4_FRAME, {
        encode: (bytes) => lz4.compress(bytes),
        decode: (bytes, length) => lz4.decompress(bytes, length),
      });
      return flechette.tableToIPC(flechetteTable(EXACT_QUARTERS), {
        format: 'stream',
        codec: flechette.CompressionType.LZ4_FRAME,
      })!;
    },
  },
  {
    name: 'arrow-js 21.2 tableToIPC(tableFromArrays(...)), defaults',
    events: EXACT_MS,
    bytes: () =>
      A.tableToIPC(
        A.tableFromArrays({
          ts: EXACT_MS.map((e) => new Date(msOf(e))),
          brand: col(EXACT_MS, 'brand'),
          touchpoint: col(EXACT_MS, 'touchpoint'),
          source: col(EXACT_MS, 'source'),
          metric: col(EXACT_MS, 'metric'),
          value: Float64Array.from(col(EXACT_MS, 'value')),
        }),
      ),
    types: { ts: 'Timestamp(ms)', brand: 'Dictionary<Int32, Utf8>' },
  },
  {
    name: 'arrow-js RecordBatchStreamWriter, several batches (the demo feeder’s encoder)',
    events: EXACT_MS,
    bytes: () => {
      const dict = (key: 'brand' | 'touchpoint' | 'source' | 'metric') => [...new Set(col(EXACT_MS, key))];
      const dicts = {
        brands: dict('brand'),
        touchpoints: dict('touchpoint'),
        sources: dict('source'),
        metrics: dict('metric'),
      };
      const codes = (key: 'brand' | 'touchpoint' | 'source' | 'metric', values: string[]) =>
        Int32Array.from(EXACT_MS, (e) => values.indexOf(e[key]));
      return encodeArrow(
        {
          ...dicts,
          brand: codes('brand', dicts.brands),
          touchpoint: codes('touchpoint', dicts.touchpoints),
          source: codes('source', dicts.sources),
          metric: codes('metric', dicts.metrics),
          ts: Float64Array.from(EXACT_MS, msOf),
          value: Float64Array.from(col(EXACT_MS, 'value')),
        },
        0,
        N,
        64,
      );
    },
  },
];

function nodePolars(evs: StoredEvent[]) {
  return pl.DataFrame({
    ts: evs.map((e) => new Date(msOf(e))),
    brand: col(evs, 'brand'),
    touchpoint: col(evs, 'touchpoint'),
    source: col(evs, 'source'),
    metric: col(evs, 'metric'),
    value: col(evs, 'value'),
  });
}

function flechetteTable(evs: StoredEvent[]) {
  return flechette.tableFromArrays(
    {
      ts: evs.map(msOf),
      brand: col(evs, 'brand'),
      touchpoint: col(evs, 'touchpoint'),
      source: col(evs, 'source'),
      metric: col(evs, 'metric'),
      value: col(evs, 'value'),
    },
    {
      types: { ts: flechette.timestamp(flechette.TimeUnit.MICROSECOND), value: flechette.decimal(18, 2, 64) },
    },
  );
}

let server: TestServer;
const streams = new Map<Producer, Uint8Array>();

beforeAll(async () => {
  server = await startServer();
  await pythonVersions();
  const python = producers.filter((p) => p.python);
  const written = await pythonStreams(python.map((p) => p.python!));
  python.forEach((p, k) => streams.set(p, written[k]!));
  for (const p of producers) if (p.bytes) streams.set(p, new Uint8Array(p.bytes()));
  for (const k of producers.keys()) await putWorkspace(server.url, `interop-${k}`);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('Arrow streams from real producers round-trip exactly', () => {
  for (const [k, producer] of producers.entries()) {
    it(producer.name, async () => {
      const bytes = streams.get(producer)!;
      if (producer.types) expect(typeNames(bytes)).toMatchObject(producer.types);
      const answer = await postArrow(server.url, `interop-${k}`, bytes);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({ accepted: N, rejected: 0, errors: [] });
      expect(byKey(await storedEvents(server, `interop-${k}`))).toEqual(byKey(producer.events));
    });
  }
});
