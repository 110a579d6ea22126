import * as A from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, putWorkspace, startServer } from '../helpers/server.js';
import {
  type PyColumn,
  PythonProducer,
  type StoredEvent,
  postArrow,
  pythonVersions,
  storedEvents,
} from '../interop/producers.js';

// Random Arrow schemas and values, written by pyarrow (any compression, batches with their own
// dictionaries, deltas) and by arrow-js. The property: every row is stored with exactly the value
// and instant a model computes from the values as written, or rejected with the code docs/api.md
// documents on the field the model names; or the whole request is a 400 naming the column; and
// accepted + rejected = rows sent. The model is independent of the decoder: BigInt arithmetic
// for instants and integers, and a decimal's text read as a JavaScript number for decimals.

const DAY_US = 86_400_000_000n;
const TS_MIN_MS = Date.parse('2000-01-01T00:00:00Z');
/** Instants well inside [TS_MIN, now]: 2025-01-01 .. 2026-06-01. */
const LOW_MS = Date.UTC(2025, 0, 1);
const HIGH_MS = Date.UTC(2026, 5, 1);

type TsUnit = 's' | 'ms' | 'us' | 'ns';
const PER_US: Record<TsUnit, bigint> = { s: 1_000_000n, ms: 1000n, us: 1n, ns: 1n };

type ValueType =
  | { kind: 'int'; bits: 8 | 16 | 32 | 64; signed: boolean }
  | { kind: 'float'; bits: 16 | 32 | 64 }
  | { kind: 'decimal'; bits: 32 | 64 | 128 | 256; precision: number; scale: number };
type TsType =
  | { kind: 'timestamp'; unit: TsUnit; tz: string | null }
  | { kind: 'date32' | 'date64' | 'int64' }
  | { kind: 'iso'; storage: TextStorage };
type TextStorage = 'string' | 'large_string' | 'string_view';
type StrType =
  | { kind: 'plain'; storage: TextStorage | 'binary' }
  | { kind: 'dict'; bits: 8 | 16 | 32 | 64; signed: boolean; storage: TextStorage };

/** A value as written: integers and decimals' unscaled digits as BigInt, floats as numbers. */
type RawValue = bigint | number | null;
type RawTs = bigint | string | null;
/** A string field: its text (plain) or its dictionary index; null is a null. */
type RawStr = string | number | null;

interface Batch {
  ts: RawTs[];
  strings: Record<StrField, RawStr[]>;
  /** Per string field, this batch's dictionary (dictionary-encoded fields only). */
  dictionaries: Partial<Record<StrField, (string | null)[]>>;
  value: RawValue[];
}

const STR_FIELDS = ['brand', 'touchpoint', 'source', 'metric'] as const;
type StrField = (typeof STR_FIELDS)[number];

interface Scenario {
  producer: 'pyarrow' | 'arrow-js';
  compression: 'lz4' | 'zstd' | null;
  deltas: boolean;
  tsType: TsType;
  valueType: ValueType;
  strTypes: Record<StrField, StrType>;
  batches: Batch[];
  /** A column given a type it can never take: the request must be a 400 naming it. */
  broken: { column: 'ts' | 'value' | 'brand'; pyType: string; name: string } | null;
}

// Pools: valid and invalid values of each field (the validator's verdicts are in `stringVerdict`).
const POOLS: Record<StrField, string[]> = {
  brand: ['acme', 'globex', 'initech', 'umbrella', '', 'b'.repeat(65)],
  touchpoint: ['search', 'site', 'nowhere'],
  source: ['google', 'an-aggregator-with-a-long-name', 'Bad Source', 's'.repeat(70)],
  metric: ['clicks', 'visits', 'nope'],
};

// ---------------------------------------------------------------------------------------------
// Arbitraries

const unitArb = fc.constantFrom<TsUnit>('s', 'ms', 'us', 'ns');
const tsTypeArb: fc.Arbitrary<TsType> = fc.oneof(
  fc.record({
    kind: fc.constant('timestamp' as const),
    unit: unitArb,
    tz: fc.constantFrom(null, 'UTC', 'Europe/Paris', '+05:30'),
  }),
  fc.record({ kind: fc.constantFrom('date32' as const, 'date64' as const, 'int64' as const) }),
  fc.record({
    kind: fc.constant('iso' as const),
    storage: fc.constantFrom<TextStorage>('string', 'large_string', 'string_view'),
  }),
);
const MAX_DIGITS = { 32: 9, 64: 18, 128: 38, 256: 76 } as const;
const valueTypeArb: fc.Arbitrary<ValueType> = fc.oneof(
  fc.record({
    kind: fc.constant('int' as const),
    bits: fc.constantFrom(8 as const, 16 as const, 32 as const, 64 as const),
    signed: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('float' as const),
    bits: fc.constantFrom(16 as const, 32 as const, 64 as const),
  }),
  fc.constantFrom(32 as const, 64 as const, 128 as const, 256 as const).chain((bits) =>
    fc.integer({ min: 1, max: MAX_DIGITS[bits] }).chain((precision) =>
      fc.record({
        kind: fc.constant('decimal' as const),
        bits: fc.constant(bits),
        precision: fc.constant(precision),
        // pyarrow refuses a negative scale whose value outgrows the width's digits.
        scale: fc.integer({ min: Math.max(-3, precision - MAX_DIGITS[bits]), max: precision }),
      }),
    ),
  ),
);
const strTypeArb: fc.Arbitrary<StrType> = fc.oneof(
  fc.record({
    kind: fc.constant('plain' as const),
    storage: fc.constantFrom<TextStorage | 'binary'>('string', 'large_string', 'string_view', 'binary'),
  }),
  fc.record({
    kind: fc.constant('dict' as const),
    bits: fc.constantFrom(8 as const, 16 as const, 32 as const, 64 as const),
    signed: fc.boolean(),
    storage: fc.constantFrom<TextStorage>('string', 'large_string', 'string_view'),
  }),
);

const big = (min: bigint, max: bigint) => fc.bigInt({ min, max });

function intRange(bits: number, signed: boolean): [bigint, bigint] {
  const b = BigInt(bits);
  return signed ? [-(1n << (b - 1n)), (1n << (b - 1n)) - 1n] : [0n, (1n << b) - 1n];
}

function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function rawValueArb(t: ValueType): fc.Arbitrary<RawValue> {
  let arb: fc.Arbitrary<RawValue>;
  if (t.kind === 'int') {
    const [min, max] = intRange(t.bits, t.signed);
    arb = fc.oneof(
      { weight: 4, arbitrary: big(min > -1000000n ? min : -1000000n, max < 1000000n ? max : 1000000n) },
      { weight: 1, arbitrary: fc.constantFrom(min, max) },
      { weight: 1, arbitrary: big(min, max) },
    );
  } else if (t.kind === 'float') {
    const special = fc.constantFrom(NaN, Infinity, -Infinity, 1e20, -1e16);
    if (t.bits === 16) arb = fc.integer({ min: 0, max: 0xffff }).map(half);
    else {
      const plain = fc.oneof(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.integer({ min: -1000, max: 1000 }).map((n) => n / 8),
      );
      arb = fc.oneof({ weight: 5, arbitrary: plain }, { weight: 1, arbitrary: special });
      if (t.bits === 32) arb = arb.map((v) => Math.fround(v as number));
    }
  } else {
    const max = 10n ** BigInt(t.precision) - 1n;
    arb = fc.oneof(big(-max, max), big(-1000n < -max ? -max : -1000n, 1000n > max ? max : 1000n));
  }
  return fc.oneof({ weight: 8, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) });
}

function rawTsArb(t: TsType): fc.Arbitrary<RawTs> {
  const ms = fc.integer({ min: LOW_MS, max: HIGH_MS });
  let arb: fc.Arbitrary<RawTs>;
  const int64 = intRange(64, true);
  const extremes = fc.constantFrom(int64[0], int64[1], 1n << 62n, -(1n << 62n), 0n, -1n);
  switch (t.kind) {
    case 'timestamp': {
      const inRange = fc
        .tuple(ms, fc.integer({ min: 0, max: 999_999 }))
        .map(([m, sub]) =>
          t.unit === 's'
            ? BigInt(Math.floor(m / 1000))
            : t.unit === 'ms'
              ? BigInt(m)
              : t.unit === 'us'
                ? BigInt(m) * 1000n + BigInt(sub % 1000)
                : BigInt(m) * 1_000_000n + BigInt(sub),
        );
      arb = fc.oneof({ weight: 6, arbitrary: inRange }, { weight: 1, arbitrary: extremes });
      break;
    }
    case 'date32':
      arb = fc.oneof(
        { weight: 6, arbitrary: ms.map((m) => BigInt(Math.floor(m / 86_400_000))) },
        { weight: 1, arbitrary: fc.constantFrom(2147483647n, -2147483648n, 0n) },
      );
      break;
    case 'date64':
    case 'int64':
      arb = fc.oneof({ weight: 6, arbitrary: ms.map(BigInt) }, { weight: 1, arbitrary: extremes });
      break;
    case 'iso':
      arb = fc.oneof(
        { weight: 6, arbitrary: ms.map((m) => new Date(m).toISOString()) },
        { weight: 1, arbitrary: fc.constantFrom('', 'not a date', '2026-02-30T10:00:00Z', '1773136800000') },
      );
      break;
  }
  return fc.oneof({ weight: 10, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) });
}

function stringsArb(
  field: StrField,
  t: StrType,
  rows: number,
): fc.Arbitrary<{ values: RawStr[]; dictionary?: (string | null)[] }> {
  const pool = POOLS[field];
  // Mostly valid values: the first entries of each pool are the valid ones.
  const text = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...pool.slice(0, field === 'brand' ? 3 : 2)) },
    { weight: 1, arbitrary: fc.constantFrom(...pool) },
  );
  if (t.kind === 'plain')
    return fc
      .array(fc.oneof({ weight: 12, arbitrary: text }, { weight: 1, arbitrary: fc.constant(null) }), {
        minLength: rows,
        maxLength: rows,
      })
      .map((values) => ({ values }));
  return fc
    .array(fc.oneof({ weight: 10, arbitrary: text }, { weight: 1, arbitrary: fc.constant(null) }), {
      minLength: 1,
      maxLength: 5,
    })
    .chain((dictionary) => {
      const [min, max] = intRange(t.bits, t.signed);
      // Indices outside the dictionary (those a double holds: the extremes of 8, 16 and 32 bits).
      const small = t.bits <= 32;
      const candidates = [
        BigInt(dictionary.length),
        100n,
        ...(small ? [max] : []),
        ...(t.signed ? [-1n, -3n, ...(small ? [min] : [])] : []),
      ];
      const outside = fc.constantFrom(...candidates.filter((k) => k >= min && k <= max).map(Number));
      const index = fc.oneof(
        { weight: 12, arbitrary: fc.integer({ min: 0, max: dictionary.length - 1 }) },
        { weight: 1, arbitrary: outside },
        { weight: 1, arbitrary: fc.constant(null) },
      );
      return fc.array(index, { minLength: rows, maxLength: rows }).map((values) => ({ values, dictionary }));
    });
}

const BROKEN = [
  { column: 'value' as const, pyType: 'pa.bool_()', name: 'Bool', js: new A.Bool(), values: [true] },
  { column: 'value' as const, pyType: 'pa.string()', name: 'Utf8', js: new A.Utf8(), values: ['1'] },
  { column: 'ts' as const, pyType: 'pa.time32("s")', name: 'Time32(s)', js: new A.TimeSecond(), values: [1] },
  { column: 'ts' as const, pyType: 'pa.float64()', name: 'Float64', js: new A.Float64(), values: [1] },
  { column: 'ts' as const, pyType: 'pa.int32()', name: 'Int32', js: new A.Int32(), values: [1] },
  { column: 'brand' as const, pyType: 'pa.float64()', name: 'Float64', js: new A.Float64(), values: [1] },
];

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    producer: fc.constantFrom<'pyarrow' | 'arrow-js'>('pyarrow', 'arrow-js'),
    compression: fc.constantFrom<'lz4' | 'zstd' | null>(null, 'lz4', 'zstd'),
    deltas: fc.boolean(),
    tsType: tsTypeArb,
    valueType: valueTypeArb,
    strTypes: fc.record({
      brand: strTypeArb,
      touchpoint: strTypeArb,
      source: strTypeArb,
      metric: strTypeArb,
    }),
    sizes: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 3 }),
    broken: fc.oneof(
      { weight: 9, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom(...BROKEN) },
    ),
  })
  .chain((s) => {
    // arrow-js writes uncompressed streams, and decimals of 128 bits (38 digits) here.
    const valueType: ValueType =
      s.producer === 'arrow-js' && s.valueType.kind === 'decimal'
        ? {
            ...s.valueType,
            bits: 128,
            precision: Math.min(s.valueType.precision, 38),
            scale: Math.min(s.valueType.scale, 38),
          }
        : s.valueType;
    const batch = (rows: number, first: boolean) =>
      fc.record({
        ts: fc.array(rawTsArb(s.tsType), { minLength: rows, maxLength: rows }),
        value: fc.array(rawValueArb(valueType), { minLength: rows, maxLength: rows }),
        brand: stringsArb('brand', s.strTypes.brand, rows),
        touchpoint: stringsArb('touchpoint', s.strTypes.touchpoint, rows),
        source: stringsArb('source', s.strTypes.source, rows),
        metric: stringsArb('metric', s.strTypes.metric, rows),
        first: fc.constant(first),
      });
    return fc.tuple(...s.sizes.map((rows, k) => batch(rows, k === 0))).map((batches): Scenario => {
      // arrow-js writes one dictionary per column: its batches share the first one's.
      const shared = Object.fromEntries(STR_FIELDS.map((f) => [f, batches[0]![f].dictionary]));
      return {
        producer: s.producer,
        compression: s.producer === 'pyarrow' ? s.compression : null,
        deltas: s.deltas,
        tsType: s.tsType,
        valueType,
        strTypes: s.strTypes,
        broken: s.broken ? { column: s.broken.column, pyType: s.broken.pyType, name: s.broken.name } : null,
        batches: batches.map((b) => {
          const dictionaries: Batch['dictionaries'] = {};
          const strings = {} as Batch['strings'];
          for (const f of STR_FIELDS) {
            const dictionary = s.producer === 'arrow-js' ? shared[f] : b[f].dictionary;
            if (dictionary) {
              dictionaries[f] = dictionary;
              // Indices within the batch's own dictionary stay valid against the shared one.
              strings[f] = b[f].values.map((k) =>
                typeof k === 'number' && k >= 0 && k < b[f].dictionary!.length && k >= dictionary.length
                  ? 0
                  : k,
              );
            } else strings[f] = b[f].values;
          }
          return { ts: b.ts, value: b.value, strings, dictionaries };
        }),
      };
    });
  });

// ---------------------------------------------------------------------------------------------
// The model

type Outcome =
  | {
      stored: StoredEvent;
    }
  | { field: string; code: string };

const VALID_PAIRS = new Set(['search|clicks', 'site|visits']);

function stringVerdict(field: StrField, s: string): string | null {
  if (s === '') return 'missing_field';
  if (s.length > 64) return 'too_long';
  switch (field) {
    case 'brand':
      return ['acme', 'globex', 'initech'].includes(s) ? null : 'unknown_brand';
    case 'touchpoint':
      return ['search', 'site', 'social', 'media', 'viral'].includes(s) ? null : 'unknown_touchpoint';
    case 'source':
      return /^[a-z0-9_-]{1,64}$/.test(s) ? null : 'invalid_source';
    case 'metric':
      return ['clicks', 'visits'].includes(s) ? null : 'unknown_metric';
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** The instant in µs, or the row error of ts. */
function modelTs(t: TsType, raw: RawTs): bigint | string {
  if (raw === null) return 'missing_field';
  let us: bigint;
  if (t.kind === 'iso') {
    if (raw === '') return 'missing_field';
    const ms = /^\d+$/.test(raw as string)
      ? Number(raw)
      : /Z$/.test(raw as string)
        ? Date.parse(raw as string)
        : NaN;
    if (!Number.isFinite(ms) || (raw as string).startsWith('2026-02-30')) return 'invalid_ts';
    us = BigInt(ms) * 1000n;
  } else {
    const v = raw as bigint;
    if (t.kind === 'timestamp') us = t.unit === 'ns' ? floorDiv(v + 500n, 1000n) : v * PER_US[t.unit];
    else if (t.kind === 'date32') us = v * DAY_US;
    else us = v * 1000n;
  }
  const ms = Number(us) / 1000;
  if (Math.abs(ms) > 8.64e15) return 'invalid_ts';
  if (ms < TS_MIN_MS || ms > Date.now() + 86_400_000) return 'ts_out_of_range';
  return us;
}

function decimalText(unscaled: bigint, scale: number): string {
  return `${unscaled}e${-scale}`;
}

/** The stored value, or the row error of value. */
function modelValue(t: ValueType, raw: RawValue): number | string {
  if (raw === null) return 'missing_field';
  let n: number;
  if (t.kind === 'float') {
    n = raw as number;
    if (!Number.isFinite(n)) return 'invalid_value';
  } else {
    const integer = t.kind === 'int' || t.scale <= 0;
    n = t.kind === 'int' ? Number(raw as bigint) : Number(decimalText(raw as bigint, t.scale));
    if (integer) {
      const exact = t.kind === 'int' ? (raw as bigint) : (raw as bigint) * 10n ** BigInt(-t.scale);
      if (BigInt(n) !== exact) return 'invalid_value';
    }
  }
  if (!(Math.abs(n) <= 1e15)) return 'value_out_of_range';
  return n;
}

function model(s: Scenario): Outcome[] {
  const out: Outcome[] = [];
  for (const b of s.batches) {
    for (let i = 0; i < b.ts.length; i++) {
      const us = modelTs(s.tsType, b.ts[i]!);
      if (typeof us === 'string') {
        out.push({ field: 'ts', code: us });
        continue;
      }
      const texts = {} as Record<StrField, string>;
      let problem: Outcome | null = null;
      for (const f of STR_FIELDS) {
        const raw = b.strings[f][i]!;
        const dictionary = b.dictionaries[f];
        let text: string | null;
        if (raw === null) text = null;
        else if (dictionary) {
          if ((raw as number) < 0 || (raw as number) >= dictionary.length) {
            problem = { field: f, code: 'invalid_dictionary_index' };
            break;
          }
          text = dictionary[raw as number]!;
        } else text = raw as string;
        const code = text === null ? 'missing_field' : stringVerdict(f, text);
        if (code) {
          problem = { field: f, code };
          break;
        }
        texts[f] = text!;
      }
      if (!problem && !VALID_PAIRS.has(`${texts.touchpoint}|${texts.metric}`))
        problem = { field: 'metric', code: 'metric_not_valid_for_touchpoint' };
      if (problem) {
        out.push(problem);
        continue;
      }
      const value = modelValue(s.valueType, b.value[i]!);
      if (typeof value === 'string') out.push({ field: 'value', code: value });
      else out.push({ stored: { ...texts, us, value } });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writers

const pyInt = (v: bigint) => (v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : String(v));

function pyValueColumn(t: ValueType, values: RawValue[]): PyColumn {
  if (t.kind === 'int')
    return {
      name: 'value',
      type: `pa.${t.signed ? '' : 'u'}int${t.bits}()`,
      values: values.map((v) => (v === null ? null : pyInt(v as bigint))),
    };
  if (t.kind === 'float')
    return {
      name: 'value',
      type: `pa.float${t.bits}()`,
      values: values.map((v) =>
        v === null
          ? null
          : Number.isNaN(v)
            ? 'NaN'
            : v === Infinity
              ? 'Infinity'
              : v === -Infinity
                ? '-Infinity'
                : v,
      ),
    };
  return {
    name: 'value',
    type: `pa.decimal${t.bits}(${t.precision}, ${t.scale})`,
    values: values.map((v) => (v === null ? null : `${v}E${-t.scale}`)),
  };
}

function pyTsColumn(t: TsType, values: RawTs[]): PyColumn {
  const type =
    t.kind === 'timestamp'
      ? `pa.timestamp("${t.unit}"${t.tz ? `, tz="${t.tz}"` : ''})`
      : t.kind === 'iso'
        ? `pa.${t.storage}()`
        : t.kind === 'date32'
          ? 'pa.date32()'
          : t.kind === 'date64'
            ? 'pa.date64()'
            : 'pa.int64()';
  return { name: 'ts', type, values: values.map((v) => (typeof v === 'bigint' ? pyInt(v) : v)) };
}

function pyStringColumn(f: StrField, t: StrType, b: Batch): PyColumn {
  if (t.kind === 'plain') return { name: f, type: `pa.${t.storage}()`, values: b.strings[f] };
  return {
    name: f,
    type: `pa.dictionary(pa.${t.signed ? '' : 'u'}int${t.bits}(), pa.${t.storage}())`,
    values: b.strings[f],
    dictionary: b.dictionaries[f],
  };
}

function pyStream(s: Scenario, python: PythonProducer): Promise<Uint8Array> {
  return python.write({
    producer: 'pyarrow',
    compression: s.compression,
    deltas: s.deltas,
    batches: s.batches.map((b) => {
      const columns: PyColumn[] = [
        pyTsColumn(s.tsType, b.ts),
        ...STR_FIELDS.map((f) => pyStringColumn(f, s.strTypes[f], b)),
        pyValueColumn(s.valueType, b.value),
      ];
      if (s.broken) {
        const k = columns.findIndex((c) => c.name === s.broken!.column);
        columns[k] = {
          name: s.broken.column,
          type: s.broken.pyType,
          values: b.ts.map(() => BROKEN.find((x) => x.pyType === s.broken!.pyType)!.values[0]),
        };
      }
      return { columns };
    }),
  });
}

function bitmap(values: unknown[]): Uint8Array {
  const bits = new Uint8Array(Math.ceil(values.length / 8) + 1);
  values.forEach((v, i) => {
    if (v !== null) bits[i >> 3]! |= 1 << (i & 7);
  });
  return bits;
}

function dataOf(
  type: A.DataType,
  length: number,
  data: A.DataType['TArray'],
  nulls: unknown[],
  extra: object = {},
): A.Data {
  return A.makeData({
    type,
    length,
    nullCount: nulls.filter((v) => v === null).length,
    nullBitmap: bitmap(nulls),
    data,
    ...extra,
  } as never);
}

function jsValue(t: ValueType, values: RawValue[]): A.Data {
  const n = values.length;
  if (t.kind === 'float') {
    const type = t.bits === 16 ? new A.Float16() : t.bits === 32 ? new A.Float32() : new A.Float64();
    return A.vectorFromArray(values as (number | null)[], type).data[0]!;
  }
  if (t.kind === 'int') {
    const type = new A.Int(t.signed, t.bits) as A.Int;
    const Array_ = type.ArrayType as unknown as { from(a: ArrayLike<number | bigint>): A.DataType['TArray'] };
    return dataOf(
      type,
      n,
      Array_.from(values.map((v) => (t.bits === 64 ? ((v ?? 0n) as bigint) : Number(v ?? 0n)))),
      values,
    );
  }
  const words = new Uint32Array(n * 4);
  values.forEach((v, i) => {
    let u = BigInt.asUintN(128, (v ?? 0n) as bigint);
    for (let k = 0; k < 4; k++, u >>= 32n) words[i * 4 + k] = Number(u & 0xffffffffn);
  });
  return dataOf(new A.Decimal(t.scale, t.precision, 128), n, words, values);
}

function jsTs(t: TsType, values: RawTs[]): A.Data {
  const n = values.length;
  if (t.kind === 'iso') {
    const type =
      t.storage === 'string'
        ? new A.Utf8()
        : t.storage === 'large_string'
          ? new A.LargeUtf8()
          : new A.Utf8View();
    return A.vectorFromArray(values as (string | null)[], type).data[0]!;
  }
  if (t.kind === 'date32')
    return dataOf(
      new A.DateDay(),
      n,
      Int32Array.from(values, (v) => Number(v ?? 0n)),
      values,
    );
  const unit = {
    s: A.TimeUnit.SECOND,
    ms: A.TimeUnit.MILLISECOND,
    us: A.TimeUnit.MICROSECOND,
    ns: A.TimeUnit.NANOSECOND,
  };
  const type =
    t.kind === 'timestamp'
      ? new A.Timestamp(unit[t.unit], t.tz)
      : t.kind === 'date64'
        ? new A.DateMillisecond()
        : new A.Int64();
  return dataOf(type, n, BigInt64Array.from(values, (v) => (v ?? 0n) as bigint) as never, values);
}

function jsStrings(
  t: StrType,
  values: RawStr[],
  dictionary: (string | null)[] | undefined,
  dictionaries: Map<StrField, A.Vector>,
  f: StrField,
): A.Data {
  const storage = { string: new A.Utf8(), large_string: new A.LargeUtf8(), string_view: new A.Utf8View() };
  if (t.kind === 'plain') {
    if (t.storage === 'binary')
      return A.vectorFromArray(
        values.map((v) => (v === null ? null : new TextEncoder().encode(v as string))),
        new A.Binary(),
      ).data[0]!;
    return A.vectorFromArray(values as (string | null)[], storage[t.storage]).data[0]!;
  }
  let vector = dictionaries.get(f);
  if (!vector) dictionaries.set(f, (vector = A.vectorFromArray(dictionary!, storage[t.storage])));
  const index = new A.Int(t.signed, t.bits) as A.Int;
  const type = new A.Dictionary(storage[t.storage], index as A.Int32, STR_FIELDS.indexOf(f));
  const Keys = index.ArrayType as unknown as { from(a: ArrayLike<number | bigint>): A.DataType['TArray'] };
  const keys = Keys.from(values.map((k) => (t.bits === 64 ? BigInt(k ?? 0) : Number(k ?? 0))));
  return dataOf(type, values.length, keys, values, { dictionary: vector });
}

function jsStream(s: Scenario): Uint8Array {
  const dictionaries = new Map<StrField, A.Vector>();
  const tables = s.batches.map((b) => {
    const columns: Record<string, A.Vector> = {
      ts: A.makeVector(jsTs(s.tsType, b.ts)),
      ...Object.fromEntries(
        STR_FIELDS.map((f) => [
          f,
          A.makeVector(jsStrings(s.strTypes[f], b.strings[f], b.dictionaries[f], dictionaries, f)),
        ]),
      ),
      value: A.makeVector(jsValue(s.valueType, b.value)),
    };
    if (s.broken) {
      const broken = BROKEN.find((x) => x.pyType === s.broken!.pyType)!;
      columns[s.broken.column] = A.vectorFromArray(b.ts.map(() => broken.values[0]) as never[], broken.js);
    }
    return new A.Table(columns);
  });
  return A.tableToIPC(new A.Table(tables.flatMap((t) => t.batches)), 'stream');
}

// ---------------------------------------------------------------------------------------------

let server: TestServer;
let python: PythonProducer;
let run = 0;

beforeAll(async () => {
  server = await startServer();
  await pythonVersions();
  python = new PythonProducer();
});

afterAll(async () => {
  python?.close();
  await server?.close();
});

const sortKey = (e: {
  source: string;
  us: bigint;
  value: number;
  brand: string;
  touchpoint: string;
  metric: string;
}) => `${e.source}|${e.us}|${e.value}|${e.brand}|${e.touchpoint}|${e.metric}`;

describe('Arrow ingest, random schemas and values (fast-check)', () => {
  it('stores every row exactly as the model says, or rejects it with its code, or refuses the column', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const ws = `prop-${run++}`;
        await putWorkspace(server.url, ws);
        const bytes = s.producer === 'pyarrow' ? await pyStream(s, python) : jsStream(s);
        const answer = await postArrow(server.url, ws, bytes);
        const rows = s.batches.reduce((n, b) => n + b.ts.length, 0);
        if (s.broken) {
          // A stream of no rows is a schema only: nothing to refuse.
          if (s.batches.length > 0) {
            expect(answer.status, JSON.stringify(answer.body)).toBe(400);
            expect(answer.body.error!.message).toContain(`column "${s.broken.column}" is ${s.broken.name}`);
            expect(answer.body.error!.hint.length).toBeGreaterThan(20);
          }
          return;
        }
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const outcomes = model(s);
        const rejected = outcomes.flatMap((o, row) =>
          'code' in o ? [{ row, field: o.field, code: o.code }] : [],
        );
        expect(answer.body.accepted! + answer.body.rejected!).toBe(rows);
        expect(answer.body.rejected).toBe(rejected.length);
        expect(answer.body.errors!.map(({ row, field, code }) => ({ row, field, code }))).toEqual(
          rejected.slice(0, 100),
        );
        // -0 and 0 are one value here (DuckDB may keep either).
        const stored = (await storedEvents(server, ws)).map(
          ({ brand, touchpoint, source, metric, us, value }) => ({
            brand,
            touchpoint,
            source,
            metric,
            us,
            value: value + 0,
          }),
        );
        const want = outcomes.flatMap((o) =>
          'stored' in o ? [{ ...o.stored, value: o.stored.value + 0 }] : [],
        );
        expect(stored.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1))).toEqual(
          want.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1)),
        );
      }),
      { numRuns: 100 },
    );
  }, 90_000);
});
