import * as A from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, putWorkspace, startServer } from '../helpers/server.js';
import {
  type PyCase,
  type PyColumn,
  postArrow,
  pythonStreams,
  pythonVersions,
  storedEvents,
} from '../interop/producers.js';

// Every Arrow type, in each of the six columns: one request per case to a workspace of its own.
// A case's rows are either stored (read back from the DuckDB file: the exact instant in
// microseconds and the exact double, against references computed here from the values as
// written) or rejected with the row error docs/api.md documents; a type a column can never take
// is a 400 naming the column and the type, with a hint. Streams are written by pyarrow (every
// type, compressed or not) and by arrow-js (the types it writes).

const BASE_MS = Date.UTC(2026, 2, 10, 10, 0, 0); // 1773136800000
const US = (ms: number) => BigInt(ms) * 1000n;

type Column = 'ts' | 'brand' | 'touchpoint' | 'source' | 'metric' | 'value';

/** What one row must become: stored with these fields, or rejected with this code on `field`. */
type Row = { stored: { value?: number; us?: bigint; text?: string } } | { rejected: string; field?: Column };

interface Case {
  name: string;
  column: Column;
  rows: number;
  expect: Row[] | { refused: string };
  py?: Omit<PyColumn, 'name'>;
  js?: () => A.Vector;
  /** Other columns of the stream: extras, before the six. */
  pyExtras?: PyColumn[];
  options?: Omit<Extract<PyCase, { producer: 'pyarrow' }>, 'producer' | 'batches'>;
  /** Several batches (pyarrow): the tested column's spec per batch. */
  pyBatches?: Omit<PyColumn, 'name'>[];
}

const value = (v: number): Row => ({ stored: { value: v } });
const at = (us: bigint): Row => ({ stored: { us } });
const text = (s: string): Row => ({ stored: { text: s } });
const no = (code: string): Row => ({ rejected: code });
const refused = (type: string) => ({ refused: type });

const LONG = 'y'.repeat(65);
const LONG_SOURCE = 'a-much-longer-source-name-x';

// ---------------------------------------------------------------------------------------------
// The cases

const cases: Case[] = [];
const py = (
  name: string,
  column: Column,
  spec: Omit<PyColumn, 'name'>,
  expect: Case['expect'],
  extra: Partial<Case> = {},
) =>
  cases.push({ name: `pyarrow ${name}`, column, rows: spec.values?.length ?? 2, py: spec, expect, ...extra });
const js = (name: string, column: Column, make: () => A.Vector, expect: Case['expect']) =>
  cases.push({
    name: `arrow-js ${name}`,
    column,
    rows: Array.isArray(expect) ? expect.length : 2,
    js: make,
    expect,
  });

// value: integers of every width, floats, decimals of every width and scale, null, dictionaries.
py('value int8', 'value', { type: 'pa.int8()', values: [-128, 0, 127, null] }, [
  value(-128),
  value(0),
  value(127),
  no('missing_field'),
]);
py('value int16', 'value', { type: 'pa.int16()', values: [-32768, 32767] }, [value(-32768), value(32767)]);
py('value int32', 'value', { type: 'pa.int32()', values: [-2147483648, 2147483647] }, [
  value(-2147483648),
  value(2147483647),
]);
py(
  'value int64',
  'value',
  {
    type: 'pa.int64()',
    values: [
      '-1000000000000000',
      '9007199254740993',
      '1152921504606846976',
      '-9223372036854775808',
      123,
      null,
    ],
  },
  [
    value(-1e15),
    no('invalid_value'),
    no('value_out_of_range'),
    no('value_out_of_range'),
    value(123),
    no('missing_field'),
  ],
);
py('value uint8', 'value', { type: 'pa.uint8()', values: [0, 255] }, [value(0), value(255)]);
py('value uint16', 'value', { type: 'pa.uint16()', values: [65535] }, [value(65535)]);
py('value uint32', 'value', { type: 'pa.uint32()', values: [4294967295] }, [value(4294967295)]);
py(
  'value uint64',
  'value',
  { type: 'pa.uint64()', values: ['18446744073709551615', '9007199254740992', 42] },
  [no('invalid_value'), no('value_out_of_range'), value(42)],
);
py(
  'value float16',
  'value',
  { type: 'pa.float16()', values: [1.5, 65504, -0.00006103515625, 'NaN', 'Infinity', null] },
  [
    value(1.5),
    value(65504),
    value(-0.00006103515625),
    no('invalid_value'),
    no('invalid_value'),
    no('missing_field'),
  ],
);
py(
  'value float32',
  'value',
  { type: 'pa.float32()', values: [0.1, -3.4028234663852886e38, 'NaN', '-Infinity', 16777217] },
  [
    value(Math.fround(0.1)),
    no('value_out_of_range'),
    no('invalid_value'),
    no('invalid_value'),
    value(16777216),
  ],
);
py(
  'value float64',
  'value',
  {
    type: 'pa.float64()',
    values: [0.1, 1e15, 1.0000000000000002e15, 5e-324, 'NaN', 'Infinity', '-Infinity', -0.5],
  },
  [
    value(0.1),
    value(1e15),
    no('value_out_of_range'),
    value(5e-324),
    no('invalid_value'),
    no('invalid_value'),
    no('invalid_value'),
    value(-0.5),
  ],
);
// Decimals: the reference is the decimal's exact text read as a JavaScript number (as JSON would).
const decimal = (type: string, digits: (string | null)[], expect?: Row[]) =>
  py(
    `value ${type}`,
    'value',
    { type: `pa.${type}`, values: digits },
    expect ?? digits.map((d) => (d === null ? no('missing_field') : value(Number(d)))),
  );
decimal('decimal32(9, 2)', ['1.50', '-2.25', '9999999.99', '-0.01', null]);
decimal('decimal64(18, 2)', ['1.50', '9999999999999.99', '-0.05']);
decimal('decimal64(18, 6)', ['123456789012.345678', '-0.000001']);
decimal('decimal128(12, 2)', ['1.50', '-2.25', '0.10']);
decimal(
  'decimal128(38, 10)',
  [
    '1.5000000000',
    '-2.2500000000',
    '0.1234567891',
    '99999.9999999999',
    '1234567890123456789012345678.9012345678',
  ],
  [
    value(1.5),
    value(-2.25),
    value(0.1234567891),
    value(Number('99999.9999999999')),
    no('value_out_of_range'),
  ],
);
decimal(
  'decimal128(38, 0)',
  ['9007199254740993', '123', '-999999999999999'],
  [no('invalid_value'), value(123), value(-999999999999999)],
);
decimal('decimal128(5, -2)', ['1.5E+3', '-2E+2'], [value(1500), value(-200)]);
decimal('decimal128(38, 37)', ['0.1000000000000000000000000000000000001']);
decimal('decimal256(76, 30)', ['0.123456789012345678901234567890', '-12345.500000000000000000000000000000']);
decimal('decimal256(40, 2)', ['1.50', '-0.07']);
py('value null', 'value', { type: 'pa.null()', values: [null, null] }, [
  no('missing_field'),
  no('missing_field'),
]);
py(
  'value dictionary<int8, float64>',
  'value',
  { type: 'pa.dictionary(pa.int8(), pa.float64())', values: [0, 1, 2, 5, null], dictionary: [1.5, 'NaN', 3] },
  [value(1.5), no('invalid_value'), value(3), no('invalid_dictionary_index'), no('missing_field')],
);
py(
  'value dictionary<int16, decimal128(10, 2)>',
  'value',
  { type: 'pa.dictionary(pa.int16(), pa.decimal128(10, 2))', values: [0, 1], dictionary: ['1.50', '2.25'] },
  [value(1.5), value(2.25)],
);
for (const [type, values, name] of [
  ['pa.bool_()', [true, false], 'Bool'],
  ['pa.string()', ['1', '2'], 'Utf8'],
  ['pa.large_string()', ['1', '2'], 'LargeUtf8'],
  ['pa.string_view()', ['1', '2'], 'Utf8View'],
  ['pa.binary()', ['1', '2'], 'Binary'],
  ['pa.timestamp("ms")', [1, 2], 'Timestamp(ms)'],
  ['pa.date32()', [1, 2], 'Date32(day)'],
  ['pa.time32("s")', [1, 2], 'Time32(s)'],
  ['pa.time64("ns")', [1, 2], 'Time64(ns)'],
  ['pa.duration("us")', [1, 2], 'Duration(us)'],
  ['pa.list_(pa.float64())', [[1], [2]], 'List<Float64>'],
  ['pa.large_list(pa.float64())', [[1], [2]], 'LargeList<Float64>'],
  ['pa.list_view(pa.float64())', [[1], [2]], 'ListView<Float64>'],
  [
    'pa.list_(pa.float64(), 2)',
    [
      [1, 2],
      [3, 4],
    ],
    'FixedSizeList(2)<Float64>',
  ],
  ['pa.struct([("a", pa.float64())])', [{ a: 1 }, { a: 2 }], 'Struct<a: Float64>'],
  ['pa.map_(pa.string(), pa.float64())', [[['a', 1]], [['b', 2]]], 'Map<'],
] as [string, unknown[], string][]) {
  py(`value ${type}`, 'value', { type, values }, refused(name));
}
py(
  'value month_day_nano_interval',
  'value',
  { expr: 'pa.array([(1, 2, 3), None], pa.month_day_nano_interval())' },
  refused('Interval(month_day_nano)'),
);
py(
  'value dense union',
  'value',
  {
    expr: 'pa.UnionArray.from_dense(pa.array([0, 0], pa.int8()), pa.array([0, 1], pa.int32()), [pa.array([1.0, 2.0])])',
  },
  refused('Union(dense)'),
);
py(
  'value sparse union',
  'value',
  { expr: 'pa.UnionArray.from_sparse(pa.array([0, 0], pa.int8()), [pa.array([1.0, 2.0])])' },
  refused('Union(sparse)'),
);
py(
  'value run-end encoded',
  'value',
  { expr: 'pc.run_end_encode(pa.array([1.0, 1.0]))' },
  refused('RunEndEncoded<'),
);
py(
  'value dictionary<int8, string>',
  'value',
  { type: 'pa.dictionary(pa.int8(), pa.string())', values: [0, 0], dictionary: ['1'] },
  refused('Dictionary<Int8, Utf8>'),
);

// ts: timestamps of every unit, with and without zone (the same instant either way), dates,
// int64/uint64 epoch ms, ISO text; values beyond any date are row rejections, never a 500.
py(
  'ts timestamp[s]',
  'ts',
  { type: 'pa.timestamp("s")', values: [1773136800, 1773136801, null, '4611686018427387904', -1] },
  [
    at(1773136800000000n),
    at(1773136801000000n),
    no('missing_field'),
    no('invalid_ts'),
    no('ts_out_of_range'),
  ],
);
py('ts timestamp[s, UTC]', 'ts', { type: 'pa.timestamp("s", tz="UTC")', values: [1773136800] }, [
  at(1773136800000000n),
]);
py(
  'ts timestamp[s, Europe/Paris]',
  'ts',
  { type: 'pa.timestamp("s", tz="Europe/Paris")', values: [1773136800] },
  [at(1773136800000000n)],
);
py(
  'ts timestamp[ms]',
  'ts',
  { type: 'pa.timestamp("ms")', values: [1773136800123, '100000000000000000', '-9223372036854775808'] },
  [at(1773136800123000n), no('invalid_ts'), no('invalid_ts')],
);
py('ts timestamp[ms, +05:30]', 'ts', { type: 'pa.timestamp("ms", tz="+05:30")', values: [1773136800123] }, [
  at(1773136800123000n),
]);
py('ts timestamp[us]', 'ts', { type: 'pa.timestamp("us")', values: [1773136800123456, 1773136800000001] }, [
  at(1773136800123456n),
  at(1773136800000001n),
]);
py(
  'ts timestamp[us, America/New_York]',
  'ts',
  { type: 'pa.timestamp("us", tz="America/New_York")', values: [1773136800123456] },
  [at(1773136800123456n)],
);
// Nanoseconds: the nearest microsecond, halves up (reference: exact BigInt arithmetic).
const nsToUs = (ns: string) => (BigInt(ns) + 500n) / 1000n;
const nanos = [
  '1773136800123456789',
  '1773136800123456499',
  '1773136800123456500',
  '1773136800000000999',
  '1773136800999999500',
];
py('ts timestamp[ns]', 'ts', { type: 'pa.timestamp("ns")', values: [...nanos, '-9223372036854775808'] }, [
  ...nanos.map((ns) => at(nsToUs(ns))),
  no('ts_out_of_range'),
]);
py(
  'ts timestamp[ns, UTC]',
  'ts',
  { type: 'pa.timestamp("ns", tz="UTC")', values: nanos },
  nanos.map((ns) => at(nsToUs(ns))),
);
py('ts date32', 'ts', { type: 'pa.date32()', values: [20522, null, 2147483647] }, [
  at(20522n * 86_400_000_000n),
  no('missing_field'),
  no('invalid_ts'),
]);
py('ts date64', 'ts', { type: 'pa.date64()', values: [1773100800000] }, [at(1773100800000000n)]);
py('ts int64 epoch ms', 'ts', { type: 'pa.int64()', values: [1773136800123, null, '9223372036854775807'] }, [
  at(1773136800123000n),
  no('missing_field'),
  no('invalid_ts'),
]);
py('ts uint64 epoch ms', 'ts', { type: 'pa.uint64()', values: [1773136800000, '18446744073709551615'] }, [
  at(1773136800000000n),
  no('invalid_ts'),
]);
const isoTexts = [
  '2026-03-10T10:00:00Z',
  '2026-03-10T11:00:00+01:00',
  'not a date',
  '',
  null,
  '1773136800000',
  '2026-03-10T10:00:00.123Z',
];
const isoExpect = [
  at(US(BASE_MS)),
  at(US(BASE_MS)),
  no('invalid_ts'),
  no('missing_field'),
  no('missing_field'),
  at(US(BASE_MS)),
  at(US(BASE_MS + 123)),
];
py('ts string (ISO 8601)', 'ts', { type: 'pa.string()', values: isoTexts }, isoExpect);
py('ts large_string', 'ts', { type: 'pa.large_string()', values: isoTexts }, isoExpect);
py('ts string_view', 'ts', { type: 'pa.string_view()', values: isoTexts }, isoExpect);
py(
  'ts dictionary<int16, string>',
  'ts',
  {
    type: 'pa.dictionary(pa.int16(), pa.string())',
    values: [0, 1, 0, 7, null],
    dictionary: ['2026-03-10T10:00:00Z', '2026-03-10T10:01:00.5Z'],
  },
  [
    at(US(BASE_MS)),
    at(US(BASE_MS + 60_500)),
    at(US(BASE_MS)),
    no('invalid_dictionary_index'),
    no('missing_field'),
  ],
);
py(
  'ts dictionary<int8, timestamp[ms]>',
  'ts',
  {
    type: 'pa.dictionary(pa.int8(), pa.timestamp("ms"))',
    values: [0, 1],
    dictionary: [1773136800000, 1773136860000],
  },
  [at(1773136800000000n), at(1773136860000000n)],
);
py('ts null', 'ts', { type: 'pa.null()', values: [null, null] }, [no('missing_field'), no('missing_field')]);
for (const [type, values, name] of [
  ['pa.int8()', [1, 2], 'Int8'],
  ['pa.int16()', [1, 2], 'Int16'],
  ['pa.int32()', [1773136800, 2], 'Int32'],
  ['pa.uint8()', [1, 2], 'Uint8'],
  ['pa.uint16()', [1, 2], 'Uint16'],
  ['pa.uint32()', [1773136800, 2], 'Uint32'],
  ['pa.float16()', [1, 2], 'Float16'],
  ['pa.float32()', [1, 2], 'Float32'],
  ['pa.float64()', [1773136800000, 2], 'Float64'],
  ['pa.decimal128(13, 0)', ['1773136800000', '2'], 'Decimal128(13, 0)'],
  ['pa.bool_()', [true, false], 'Bool'],
  ['pa.binary()', ['2026-03-10T10:00:00Z', 'x'], 'Binary'],
  ['pa.time32("s")', [3600, 7200], 'Time32(s)'],
  ['pa.time32("ms")', [3600, 7200], 'Time32(ms)'],
  ['pa.time64("us")', [3600, 7200], 'Time64(us)'],
  ['pa.time64("ns")', [3600, 7200], 'Time64(ns)'],
  ['pa.duration("s")', [1, 2], 'Duration(s)'],
  ['pa.duration("ns")', [1, 2], 'Duration(ns)'],
  ['pa.list_(pa.timestamp("ms"))', [[1], [2]], 'List<Timestamp(ms)>'],
  ['pa.struct([("t", pa.timestamp("ms"))])', [{ t: 1 }, { t: 2 }], 'Struct<t: Timestamp(ms)>'],
] as [string, unknown[], string][]) {
  py(`ts ${type}`, 'ts', { type, values }, refused(name));
}
py(
  'ts month_day_nano_interval',
  'ts',
  { expr: 'pa.array([(1, 2, 3), None], pa.month_day_nano_interval())' },
  refused('Interval(month_day_nano)'),
);

// Strings (source, where any [a-z0-9_-] text is valid; brand, touchpoint, metric below).
const texts = ['google', LONG_SOURCE, '', null, LONG, 'Bad Source'];
const textExpect = [
  text('google'),
  text(LONG_SOURCE),
  no('missing_field'),
  no('missing_field'),
  no('too_long'),
  no('invalid_source'),
];
for (const type of ['pa.string()', 'pa.large_string()', 'pa.string_view()'])
  py(`source ${type}`, 'source', { type, values: texts }, textExpect);
for (const type of ['pa.binary()', 'pa.large_binary()', 'pa.binary_view()']) {
  // Binary is read as UTF-8; bytes that are not UTF-8 cannot make a valid id.
  py(`source ${type}`, 'source', { type, values: [...texts, { hex: 'ff41' }] }, [
    ...textExpect,
    no('invalid_source'),
  ]);
}
py('source fixed_size_binary(6)', 'source', { type: 'pa.binary(6)', values: ['google', 'yahoo1', null] }, [
  text('google'),
  text('yahoo1'),
  no('missing_field'),
]);
for (const index of ['int8', 'int16', 'int32', 'int64']) {
  py(
    `source dictionary<${index}, string>`,
    'source',
    {
      type: `pa.dictionary(pa.${index}(), pa.string())`,
      values: [0, 1, 5, null, -3, 2],
      dictionary: ['google', 'bing', LONG],
    },
    [
      text('google'),
      text('bing'),
      no('invalid_dictionary_index'),
      no('missing_field'),
      no('invalid_dictionary_index'),
      no('too_long'),
    ],
  );
}
for (const index of ['uint8', 'uint16', 'uint32', 'uint64']) {
  py(
    `source dictionary<${index}, string>`,
    'source',
    {
      type: `pa.dictionary(pa.${index}(), pa.string())`,
      values: [0, 1, 100, null, 2],
      dictionary: ['google', 'bing', LONG],
    },
    [text('google'), text('bing'), no('invalid_dictionary_index'), no('missing_field'), no('too_long')],
  );
}
for (const values of ['pa.large_string()', 'pa.string_view()', 'pa.binary()']) {
  for (const index of ['int32', 'uint32']) {
    py(
      `source dictionary<${index}, ${values}>`,
      'source',
      {
        type: `pa.dictionary(pa.${index}(), ${values})`,
        values: [0, 1, 3],
        dictionary: ['google', LONG_SOURCE],
      },
      [text('google'), text(LONG_SOURCE), no('invalid_dictionary_index')],
    );
  }
}
py(
  'source dictionary with a null entry',
  'source',
  { type: 'pa.dictionary(pa.int8(), pa.string())', values: [0, 1], dictionary: ['google', null] },
  [text('google'), no('missing_field')],
);
py('source null', 'source', { type: 'pa.null()', values: [null, null] }, [
  no('missing_field'),
  no('missing_field'),
]);
py('brand string_view', 'brand', { type: 'pa.string_view()', values: ['acme', 'globex', 'umbrella'] }, [
  text('acme'),
  text('globex'),
  no('unknown_brand'),
]);
py(
  'brand dictionary<uint32, string_view> (polars Categorical)',
  'brand',
  {
    type: 'pa.dictionary(pa.uint32(), pa.string_view())',
    values: [1, 0, 9],
    dictionary: ['acme', 'initech'],
  },
  [text('initech'), text('acme'), no('invalid_dictionary_index')],
);
py(
  'touchpoint dictionary<uint8, string>',
  'touchpoint',
  { type: 'pa.dictionary(pa.uint8(), pa.string())', values: [0, 1], dictionary: ['search', 'nowhere'] },
  [text('search'), no('unknown_touchpoint')],
);
py('metric large_string', 'metric', { type: 'pa.large_string()', values: ['clicks', 'nope'] }, [
  text('clicks'),
  no('unknown_metric'),
]);
for (const [type, values, name] of [
  ['pa.int32()', [1, 2], 'Int32'],
  ['pa.float64()', [1, 2], 'Float64'],
  ['pa.bool_()', [true, false], 'Bool'],
  ['pa.timestamp("ms")', [1, 2], 'Timestamp(ms)'],
  ['pa.date32()', [1, 2], 'Date32(day)'],
  ['pa.decimal128(10, 2)', ['1', '2'], 'Decimal128(10, 2)'],
  ['pa.list_(pa.string())', [['a'], ['b']], 'List<Utf8>'],
  ['pa.struct([("a", pa.string())])', [{ a: 'x' }, { a: 'y' }], 'Struct<a: Utf8>'],
  ['pa.map_(pa.string(), pa.string())', [[['a', 'b']], [['c', 'd']]], 'Map<'],
] as [string, unknown[], string][]) {
  py(`source ${type}`, 'source', { type, values }, refused(name));
}
py(
  'source dictionary<int8, int64>',
  'source',
  { type: 'pa.dictionary(pa.int8(), pa.int64())', values: [0, 0], dictionary: [1] },
  refused('Dictionary<Int8, Int64>'),
);
py(
  'source run-end encoded',
  'source',
  { expr: 'pc.run_end_encode(pa.array(["google", "google"]))' },
  refused('RunEndEncoded<'),
);
py(
  'source dense union',
  'source',
  {
    expr: 'pa.UnionArray.from_dense(pa.array([0, 0], pa.int8()), pa.array([0, 1], pa.int32()), [pa.array(["a", "b"])])',
  },
  refused('Union(dense)'),
);
py('brand int64', 'brand', { type: 'pa.int64()', values: [1, 2] }, refused('Int64'));

// Dictionaries across batches: a replacement, and deltas (an index past the entries sent so far
// is out of its dictionary even if a later delta adds that entry).
cases.push({
  name: 'pyarrow source dictionary replaced between batches',
  column: 'source',
  rows: 3,
  pyBatches: [
    { type: 'pa.dictionary(pa.int8(), pa.string())', values: [0, 1], dictionary: ['google', 'bing'] },
    { type: 'pa.dictionary(pa.int8(), pa.string())', values: [0], dictionary: ['yahoo'] },
  ],
  expect: [text('google'), text('bing'), text('yahoo')],
});
for (const compression of [null, 'zstd'] as const) {
  cases.push({
    name: `pyarrow source dictionary deltas${compression ? `, ${compression}` : ''}`,
    column: 'source',
    rows: 5,
    options: { deltas: true, compression },
    pyBatches: [
      { type: 'pa.dictionary(pa.int16(), pa.string())', values: [0, 2], dictionary: ['google', 'bing'] },
      {
        type: 'pa.dictionary(pa.int16(), pa.string())',
        values: [2, 1],
        dictionary: ['google', 'bing', 'yahoo'],
      },
      {
        type: 'pa.dictionary(pa.int16(), pa.string())',
        values: [3],
        dictionary: ['google', 'bing', 'yahoo', LONG_SOURCE],
      },
    ],
    expect: [text('google'), no('invalid_dictionary_index'), text('yahoo'), text('bing'), text(LONG_SOURCE)],
  });
}

// Columns of unusual types besides the six (before them, so their buffers are skipped right),
// uncompressed, compressed, and in the file format: they never make the request fail.
const EXTRAS: PyColumn[] = [
  { name: 'x_ree', expr: 'pc.run_end_encode(pa.array([1, 1, 2]))' },
  { name: 'x_list_view', expr: 'pa.array([[1], [2, 3], None], pa.list_view(pa.int32()))' },
  { name: 'x_large_list_view', expr: 'pa.array([["a"], [], None], pa.large_list_view(pa.string()))' },
  {
    name: 'x_string_view',
    type: 'pa.string_view()',
    values: ['a-view-string-longer-than-twelve', null, 'short'],
  },
  { name: 'x_binary_view', type: 'pa.binary_view()', values: ['another-long-binary-view-value', 'x', null] },
  {
    name: 'x_union',
    expr: 'pa.UnionArray.from_dense(pa.array([0, 1, 0], pa.int8()), pa.array([0, 0, 1], pa.int32()), [pa.array([1.5, 2.5]), pa.array(["s"])])',
  },
  {
    name: 'x_sparse_union',
    expr: 'pa.UnionArray.from_sparse(pa.array([0, 1, 0], pa.int8()), [pa.array([1, 2, 3]), pa.array(["a", "b", "c"])])',
  },
  { name: 'x_map', type: 'pa.map_(pa.string(), pa.int64())', values: [[['a', 1]], [], null] },
  {
    name: 'x_struct',
    type: 'pa.struct([("a", pa.int64()), ("b", pa.string_view())])',
    values: [{ a: 1, b: 'a-long-struct-string-view' }, null, { a: 3, b: 'z' }],
  },
  { name: 'x_interval', expr: 'pa.array([(1, 2, 3), None, (4, 5, 6)], pa.month_day_nano_interval())' },
  { name: 'x_fsl', type: 'pa.list_(pa.float32(), 2)', values: [[1, 2], null, [3, 4]] },
  { name: 'x_dec256', type: 'pa.decimal256(50, 10)', values: ['1.5', null, '2'] },
  { name: 'x_null', type: 'pa.null()', values: [null, null, null] },
  {
    name: 'x_dictionary',
    type: 'pa.dictionary(pa.int8(), pa.string_view())',
    values: [0, 1, null],
    dictionary: ['p', 'a-long-dictionary-view-entry'],
  },
];
for (const [label, options] of [
  ['', {}],
  [', lz4', { compression: 'lz4' }],
  [', zstd', { compression: 'zstd' }],
  [', IPC file format', { format: 'file' }],
] as [string, Case['options']][]) {
  cases.push({
    name: `pyarrow extra columns of every unusual type${label}`,
    column: 'source',
    rows: 3,
    py: { type: 'pa.string_view()', values: [LONG_SOURCE, 'bing', 'google'] },
    pyExtras: EXTRAS,
    options,
    expect: [text(LONG_SOURCE), text('bing'), text('google')],
  });
}
for (const compression of ['lz4', 'zstd'] as const) {
  py(
    `value decimal64(18, 2), ${compression}`,
    'value',
    { type: 'pa.decimal64(18, 2)', values: ['1.50', '-2.25', null] },
    [value(1.5), value(-2.25), no('missing_field')],
    { options: { compression } },
  );
  py(
    `source dictionary<uint32, string_view>, ${compression}`,
    'source',
    {
      type: 'pa.dictionary(pa.uint32(), pa.string_view())',
      values: [0, 1, 4],
      dictionary: ['google', LONG_SOURCE],
    },
    [text('google'), text(LONG_SOURCE), no('invalid_dictionary_index')],
    { options: { compression } },
  );
  py(
    `ts timestamp[ns, UTC], ${compression}`,
    'ts',
    { type: 'pa.timestamp("ns", tz="UTC")', values: nanos },
    nanos.map((ns) => at(nsToUs(ns))),
    { options: { compression } },
  );
}

// arrow-js: the types it writes, built from raw buffers where the unit matters.
function bitmap(valid: boolean[]): Uint8Array {
  const bits = new Uint8Array(Math.ceil(valid.length / 8));
  valid.forEach((v, i) => {
    if (v) bits[i >> 3]! |= 1 << (i & 7);
  });
  return bits;
}
function raw<T extends A.DataType>(
  type: T,
  data: ArrayLike<number | bigint>,
  valid?: boolean[],
  length = data.length,
): A.Vector {
  const Array_ = type.ArrayType as unknown as { from(a: ArrayLike<number | bigint>): A.DataType['TArray'] };
  return A.makeVector(
    A.makeData({
      type,
      length,
      nullCount: valid ? valid.filter((v) => !v).length : 0,
      nullBitmap: valid ? bitmap(valid) : undefined,
      data: Array_.from(data),
    } as never),
  );
}
const ints: [A.DataType, (number | bigint)[], Row[]][] = [
  [new A.Int8(), [-128, 127], [value(-128), value(127)]],
  [new A.Int16(), [-32768, 32767], [value(-32768), value(32767)]],
  [new A.Int32(), [-2147483648, 7], [value(-2147483648), value(7)]],
  [new A.Int64(), [-5n, 9007199254740993n], [value(-5), no('invalid_value')]],
  [new A.Uint8(), [255, 0], [value(255), value(0)]],
  [new A.Uint16(), [65535, 1], [value(65535), value(1)]],
  [new A.Uint32(), [4294967295, 1], [value(4294967295), value(1)]],
  [new A.Uint64(), [18446744073709551615n, 3n], [no('invalid_value'), value(3)]],
];
for (const [type, data, expect] of ints) js(`value ${type}`, 'value', () => raw(type, data), expect);
js('value Float16', 'value', () => A.vectorFromArray([1.5, NaN, null], new A.Float16()), [
  value(1.5),
  no('invalid_value'),
  no('missing_field'),
]);
js('value Float32', 'value', () => A.vectorFromArray([0.1, Infinity], new A.Float32()), [
  value(Math.fround(0.1)),
  no('invalid_value'),
]);
js('value Float64', 'value', () => A.vectorFromArray([0.1, -Infinity, null], new A.Float64()), [
  value(0.1),
  no('invalid_value'),
  no('missing_field'),
]);
js(
  'value Decimal128(12, 2)',
  'value',
  () =>
    raw(
      new A.Decimal(2, 12, 128),
      new Uint32Array([150, 0, 0, 0, 2 ** 32 - 225, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1]),
      undefined,
      2,
    ),
  [value(1.5), value(-2.25)],
);
js('value Null', 'value', () => A.makeVector(A.makeData({ type: new A.Null(), length: 2 })), [
  no('missing_field'),
  no('missing_field'),
]);
const tsRaw: [A.DataType, bigint[], bigint[]][] = [
  [new A.TimestampSecond(), [1773136800n], [1773136800000000n]],
  [new A.TimestampMillisecond(), [1773136800123n], [1773136800123000n]],
  [new A.TimestampMicrosecond(), [1773136800123456n], [1773136800123456n]],
  [new A.TimestampNanosecond(), [1773136800123456789n], [1773136800123457n]],
  [new A.Timestamp(A.TimeUnit.SECOND, 'Europe/Paris'), [1773136800n], [1773136800000000n]],
  [new A.Timestamp(A.TimeUnit.NANOSECOND, 'UTC'), [1773136800000000500n], [1773136800000001n]],
  [new A.Int64(), [1773136800007n], [1773136800007000n]],
  [new A.Uint64(), [1773136800007n], [1773136800007000n]],
  [new A.DateMillisecond(), [1773100800000n], [1773100800000000n]],
];
for (const [type, data, us] of tsRaw) js(`ts ${type}`, 'ts', () => raw(type, data), us.map(at));
js('ts DateDay', 'ts', () => raw(new A.DateDay(), [20522]), [at(1773100800000000n)]);
js(
  'ts Timestamp<SECOND> beyond any date',
  'ts',
  () => raw(new A.TimestampSecond(), [4611686018427387904n, 1773136800n], [true, true]),
  [no('invalid_ts'), at(1773136800000000n)],
);
js('ts Utf8 (ISO 8601)', 'ts', () => A.vectorFromArray(['2026-03-10T10:00:00Z', 'soon'], new A.Utf8()), [
  at(US(BASE_MS)),
  no('invalid_ts'),
]);
for (const [type, name] of [
  [new A.Int32(), 'Int32'],
  [new A.Float64(), 'Float64'],
  [new A.TimeSecond(), 'Time32(s)'],
  [new A.TimeMillisecond(), 'Time32(ms)'],
  [new A.TimeMicrosecond(), 'Time64(us)'],
  [new A.TimeNanosecond(), 'Time64(ns)'],
  [new A.DurationSecond(), 'Duration(s)'],
  [new A.DurationMillisecond(), 'Duration(ms)'],
  [new A.DurationMicrosecond(), 'Duration(us)'],
  [new A.DurationNanosecond(), 'Duration(ns)'],
  [new A.IntervalDayTime(), 'Interval(day_time)'],
  [new A.IntervalYearMonth(), 'Interval(year_month)'],
  [new A.IntervalMonthDayNano(), 'Interval(month_day_nano)'],
  [new A.Bool(), 'Bool'],
] as [A.DataType, string][]) {
  js(`ts ${type}`, 'ts', () => A.vectorFromArray([null, null], type), refused(name));
}
for (const [type, name] of [
  [new A.List(new A.Field('item', new A.Float64())), 'List<Float64>'],
  [new A.Struct([new A.Field('a', new A.Float64())]), 'Struct<a: Float64>'],
  [new A.FixedSizeList(2, new A.Field('item', new A.Float64())), 'FixedSizeList(2)<Float64>'],
  [new A.Bool(), 'Bool'],
  [new A.Utf8(), 'Utf8'],
] as [A.DataType, string][]) {
  js(`value ${type}`, 'value', () => A.vectorFromArray([null, null], type), refused(name));
}
js(
  'value Map',
  'value',
  () =>
    A.vectorFromArray(
      [null, null],
      new A.Map_(
        new A.Field(
          'entries',
          new A.Struct<{ key: A.Utf8; value: A.Float64 }>([
            new A.Field('key', new A.Utf8(), false),
            new A.Field('value', new A.Float64()),
          ]),
        ),
      ),
    ),
  refused('Map<'),
);
const sourceTexts = ['google', LONG_SOURCE, null, ''];
const sourceExpect = [text('google'), text(LONG_SOURCE), no('missing_field'), no('missing_field')];
for (const type of [new A.Utf8(), new A.LargeUtf8(), new A.Utf8View()])
  js(`source ${type}`, 'source', () => A.vectorFromArray(sourceTexts, type), sourceExpect);
const bytes = (s: string | null) => (s === null ? null : new TextEncoder().encode(s));
for (const type of [new A.Binary(), new A.LargeBinary(), new A.BinaryView()])
  js(`source ${type}`, 'source', () => A.vectorFromArray(sourceTexts.map(bytes), type), sourceExpect);
js(
  'source FixedSizeBinary(6)',
  'source',
  () => A.vectorFromArray([bytes('google'), null], new A.FixedSizeBinary(6)),
  [text('google'), no('missing_field')],
);
for (const index of [
  new A.Int8(),
  new A.Int16(),
  new A.Int32(),
  new A.Int64(),
  new A.Uint8(),
  new A.Uint16(),
  new A.Uint32(),
  new A.Uint64(),
]) {
  js(
    `source Dictionary<${index}, Utf8>`,
    'source',
    () => {
      const dictionary = A.vectorFromArray(['google', LONG_SOURCE], new A.Utf8());
      const type = new A.Dictionary(new A.Utf8(), index as A.Int8);
      const wide = index.bitWidth === 64;
      const keys = [1, 0, 7, 1].map((k) => (wide ? BigInt(k) : k));
      const Keys = index.ArrayType as unknown as {
        from(a: ArrayLike<number | bigint>): A.DataType['TArray'];
      };
      return A.makeVector(
        A.makeData({
          type,
          length: 4,
          nullCount: 1,
          nullBitmap: bitmap([true, true, true, false]),
          data: Keys.from(keys),
          dictionary,
        } as never),
      );
    },
    [text(LONG_SOURCE), text('google'), no('invalid_dictionary_index'), no('missing_field')],
  );
}
js('source Null', 'source', () => A.makeVector(A.makeData({ type: new A.Null(), length: 2 })), [
  no('missing_field'),
  no('missing_field'),
]);
js('source Int32', 'source', () => A.vectorFromArray([1, 2], new A.Int32()), refused('Int32'));
js(
  'source SparseUnion',
  'source',
  () =>
    A.makeVector(
      A.makeData({
        type: new A.SparseUnion([0], [new A.Field('s', new A.Utf8())]),
        length: 2,
        nullCount: 0,
        typeIds: new Int8Array([0, 0]),
        children: [A.vectorFromArray(['a', 'b'], new A.Utf8()).data[0]!],
      } as never),
    ),
  refused('Union(sparse)'),
);

// ---------------------------------------------------------------------------------------------
// Building each case's stream

const identity = (column: Column) => (column === 'source' ? 'ts' : 'source');
const tsOf = (i: number) => BASE_MS + i * 60_000;
const sourceOf = (i: number) => `r${i}`;

function defaultsPy(n: number, tested: Column): PyColumn[] {
  const rows = Array.from({ length: n }, (_, i) => i);
  const all: PyColumn[] = [
    { name: 'ts', type: 'pa.timestamp("ms")', values: rows.map(tsOf) },
    { name: 'brand', type: 'pa.string()', values: rows.map(() => 'acme') },
    { name: 'touchpoint', type: 'pa.string()', values: rows.map(() => 'search') },
    { name: 'source', type: 'pa.string()', values: rows.map(sourceOf) },
    { name: 'metric', type: 'pa.string()', values: rows.map(() => 'clicks') },
    { name: 'value', type: 'pa.float64()', values: rows.map((i) => i + 1) },
  ];
  return all.filter((c) => c.name !== tested);
}

function pyCaseOf(c: Case): PyCase {
  const specs = c.pyBatches ?? [c.py!];
  let first = 0;
  const batches = specs.map((spec) => {
    const n = spec.values?.length ?? c.rows;
    const others = defaultsPy(n, c.column).map((col) => ({
      ...col,
      values: col.values!.map((v, i) =>
        col.name === 'ts'
          ? tsOf(first + i)
          : col.name === 'source'
            ? sourceOf(first + i)
            : col.name === 'value'
              ? first + i + 1
              : v,
      ),
    }));
    first += n;
    return { columns: [...(c.pyExtras ?? []), ...others, { name: c.column, ...spec }] };
  });
  return { producer: 'pyarrow', ...c.options, batches };
}

function jsStream(c: Case): Uint8Array {
  const tested = c.js!();
  const n = tested.length;
  const rows = Array.from({ length: n }, (_, i) => i);
  const columns: Record<string, A.Vector> = {
    ts: A.vectorFromArray(rows.map(tsOf), new A.TimestampMillisecond()),
    brand: A.vectorFromArray(
      rows.map(() => 'acme'),
      new A.Utf8(),
    ),
    touchpoint: A.vectorFromArray(
      rows.map(() => 'search'),
      new A.Utf8(),
    ),
    source: A.vectorFromArray(rows.map(sourceOf), new A.Utf8()),
    metric: A.vectorFromArray(
      rows.map(() => 'clicks'),
      new A.Utf8(),
    ),
    value: A.vectorFromArray(
      rows.map((i) => i + 1),
      new A.Float64(),
    ),
  };
  columns[c.column] = tested;
  return A.tableToIPC(new A.Table(columns), 'stream');
}

// ---------------------------------------------------------------------------------------------

let server: TestServer;
const streams = new Map<Case, Uint8Array>();
const workspaceOf = (k: number) => `types-${k}`;

beforeAll(async () => {
  server = await startServer();
  await pythonVersions();
  const pyCases = cases.filter((c) => !c.js);
  const written = await pythonStreams(pyCases.map(pyCaseOf));
  pyCases.forEach((c, k) => streams.set(c, written[k]!));
  for (const c of cases) if (c.js) streams.set(c, jsStream(c));
  for (const k of cases.keys()) await putWorkspace(server.url, workspaceOf(k));
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('Arrow types in each event column', () => {
  for (const [k, c] of cases.entries()) {
    it(`${c.name} → ${'refused' in c.expect ? `400 naming ${c.expect.refused}` : c.expect.map((r) => ('stored' in r ? 'stored' : r.rejected)).join(', ')}`, async () => {
      const ws = workspaceOf(k);
      const answer = await postArrow(server.url, ws, streams.get(c)!);
      if ('refused' in c.expect) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(400);
        expect(answer.body.error!.code).toBe('malformed_body');
        expect(answer.body.error!.message).toContain(`column "${c.column}" is ${c.expect.refused}`);
        expect(answer.body.error!.message).toMatch(/^Record batch 0: /);
        expect(answer.body.error!.hint.length).toBeGreaterThan(20);
        expect(await storedEvents(server, ws)).toEqual([]);
        return;
      }
      const rows = c.expect;
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const rejected = rows.flatMap((r, row) =>
        'rejected' in r ? [{ row, field: r.field ?? c.column, code: r.rejected }] : [],
      );
      expect(answer.body.errors!.map(({ row, field, code }) => ({ row, field, code }))).toEqual(rejected);
      expect(answer.body.accepted).toBe(rows.length - rejected.length);
      expect(answer.body.rejected).toBe(rejected.length);
      const stored = await storedEvents(server, ws);
      const by = identity(c.column);
      const want = rows.flatMap((r, i) =>
        'stored' in r
          ? [
              {
                brand: c.column === 'brand' ? r.stored.text : 'acme',
                touchpoint: c.column === 'touchpoint' ? r.stored.text : 'search',
                source: c.column === 'source' ? r.stored.text : sourceOf(i),
                metric: c.column === 'metric' ? r.stored.text : 'clicks',
                us: c.column === 'ts' ? r.stored.us : US(tsOf(i)),
                value: c.column === 'value' ? r.stored.value : i + 1,
              },
            ]
          : [],
      );
      const key = (e: { source?: string; us?: bigint }) => (by === 'source' ? e.source! : String(e.us));
      const sort = <T extends { source?: string; us?: bigint }>(list: T[]) =>
        [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      expect(sort(stored)).toEqual(sort(want));
      for (const e of stored) if (c.column === 'value') expect(Object.is(e.value, -0)).toBe(false);
    });
  }
});

describe('Arrow rows rejected: named as sent, kept as sent', () => {
  it('messages quote the value as written, and the quarantine holds the row as JSON a replay reads back', async () => {
    await putWorkspace(server.url, 'types-quoted');
    const [bytes] = await pythonStreams([
      {
        producer: 'pyarrow',
        compression: 'zstd',
        batches: [
          {
            columns: [
              {
                name: 'ts',
                type: 'pa.timestamp("us", tz="UTC")',
                values: [
                  1773136800123456,
                  1773136800000000,
                  1773136800000000,
                  1773136800000000,
                  '9223372036854775807',
                ],
              },
              {
                name: 'brand',
                type: 'pa.dictionary(pa.int8(), pa.string_view())',
                values: [0, 5, 0, 0, 0],
                dictionary: ['acme', 'globex', 'initech'],
              },
              {
                name: 'touchpoint',
                type: 'pa.string()',
                values: ['search', 'search', 'search', 'search', 'search'],
              },
              {
                name: 'source',
                type: 'pa.string()',
                values: ['google', 'google', 'google', 'google', 'google'],
              },
              {
                name: 'metric',
                type: 'pa.string()',
                values: ['clicks', 'clicks', 'clicks', 'clicks', 'clicks'],
              },
              {
                name: 'value',
                type: 'pa.decimal128(20, 2)',
                values: ['1.50', '2.00', '123456789012345678.90', '-0.07', '1'],
              },
            ],
          },
        ],
      },
    ]);
    const answer = await postArrow(server.url, 'types-quoted', bytes!);
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(2);
    expect(answer.body.errors!.map((e) => [e.row, e.code, e.message])).toEqual([
      [
        1,
        'invalid_dictionary_index',
        expect.stringContaining('"brand" is dictionary index 5 (of 3 entries), outside its dictionary'),
      ],
      [
        2,
        'value_out_of_range',
        expect.stringContaining('"value" 123456789012345678.90 (Decimal128(20, 2)) is beyond ±1e15'),
      ],
      [4, 'invalid_ts', expect.stringContaining('"ts" 9223372036854775807 (Timestamp(us, "UTC"))')],
    ]);
    const stored = await storedEvents(server, 'types-quoted');
    expect(stored.map((e) => [e.us, e.value])).toEqual([
      [1773136800000000n, -0.07],
      [1773136800123456n, 1.5],
    ]);
    const page = (await (await fetch(`${server.url}/api/v1/workspaces/types-quoted/quarantine`)).json()) as {
      rows: { reason: string; rawText: string; raw: Record<string, unknown>; format: string }[];
    };
    const held = Object.fromEntries(page.rows.map((r) => [r.reason, r]));
    expect(held.invalid_dictionary_index!.format).toBe('arrow');
    expect(held.invalid_dictionary_index!.raw).toEqual({
      ts: '2026-03-10T10:00:00.000Z',
      brand: null,
      touchpoint: 'search',
      source: 'google',
      metric: 'clicks',
      value: 2,
    });
    expect(held.value_out_of_range!.rawText).toContain('"value":123456789012345678.90}');
    // After the brand's dictionary is fixed nothing can change: a replay rejects the rows again.
    const replay = await fetch(`${server.url}/api/v1/workspaces/types-quoted/quarantine/replay`, {
      method: 'POST',
    });
    expect(replay.status).toBe(200);
    expect(await storedEvents(server, 'types-quoted')).toHaveLength(2);
  });
});
