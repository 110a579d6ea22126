// The ts and value columns as numbers: value from any integer, float or decimal; ts as epoch
// milliseconds from a timestamp of any unit, a date, int64 or uint64 epoch ms, or ISO 8601 text.
// Every conversion is exact or correctly rounded; what a double cannot hold is marked, not guessed.
import { DAY } from '../../../shared/time.js';
import { NumProblem, parseTimestamp } from '../batch.js';
import { type Column, f32, f64, i32, int64, smallInts, u16 } from './arrow-buffers.js';
import { TEXT_KINDS, typeName } from './arrow-columns.js';
import { decodedEntries, dictionaryIndices } from './arrow-dictionaries.js';
import { ArrowFormatError, TWO_32 } from './arrow-flatbuffers.js';
import { forEachText, utf8 } from './arrow-strings.js';

const NONE = NumProblem.None;
const INVALID = NumProblem.Invalid;
const MISSING = NumProblem.Missing;

/** Writes a plain column's numbers into out/problems at `at`, whatever its nulls hold. */
type Convert = (col: Column, out: Float64Array, problems: Uint8Array, at: number) => void;

/** Writes the value column of a batch into out/problems at `at`. */
export const fillValue = (col: Column, out: Float64Array, problems: Uint8Array, at: number) =>
  fillNumbers(col, out, problems, at, values);

/** Writes the ts column of a batch, as epoch milliseconds, into out/problems at `at`. */
export const fillTs = (col: Column, out: Float64Array, problems: Uint8Array, at: number) =>
  fillNumbers(col, out, problems, at, timestamps);

function fillNumbers(col: Column, out: Float64Array, problems: Uint8Array, at: number, convert: Convert) {
  const n = col.length;
  if (!col.dictionary && col.field.type.kind === 'null') {
    out.fill(NaN, at, at + n);
    problems.fill(MISSING, at, at + n);
    return;
  }
  if (col.dictionary) gather(col, out, problems, at, convert);
  else convert(col, out, problems, at);
  // Nulls are marked after: the loops above stay free of a test per row.
  if (col.validity === null) return;
  for (let i = 0; i < n; i++) {
    if (!col.isValid(i)) {
      out[at + i] = NaN;
      problems[at + i] = MISSING;
    }
  }
}

interface NumberEntries {
  length: number;
  values: Float64Array;
  problems: Uint8Array;
}

function extendNumbers(previous: NumberEntries | undefined, length: number): NumberEntries {
  const entries = { length, values: new Float64Array(length), problems: new Uint8Array(length) };
  if (previous) {
    entries.values.set(previous.values);
    entries.problems.set(previous.problems);
  }
  return entries;
}

function gather(col: Column, out: Float64Array, problems: Uint8Array, at: number, convert: Convert): void {
  const snapshot = col.dictionary!;
  const entries = decodedEntries(snapshot, convert, extendNumbers, (part, into, from) =>
    fillNumbers(part, into.values, into.problems, from, convert),
  );
  const { values, problems: entryProblems } = entries;
  const { words, step } = dictionaryIndices(col);
  const length = snapshot.length;
  const n = col.length;
  for (let i = 0; i < n; i++) {
    const k = words[i * step]!;
    if (k >= 0 && k < length && (step === 1 || words[i * step + 1] === 0)) {
      out[at + i] = values[k]!;
      problems[at + i] = entryProblems[k]!;
    } else {
      out[at + i] = NaN;
      problems[at + i] = NumProblem.BadIndex;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// value

const values: Convert = (col, out, problems, at) => {
  const t = col.field.type;
  const data = col.buffers[0]!;
  const n = col.length;
  if (t.kind === 'float') floats(data, t.bits, n, out, problems, at);
  else if (t.kind === 'int') ints(data, t.bits, t.signed, n, out, problems, at);
  else if (t.kind === 'decimal') decimals(data, t.bits, t.scale, n, out, problems, at);
  else throw new ArrowFormatError(`value of type ${typeName(col.field)} is not read here`);
};

function floats(
  data: Uint8Array,
  bits: number,
  n: number,
  out: Float64Array,
  problems: Uint8Array,
  at: number,
) {
  if (bits === 64) out.set(f64(data).subarray(0, n), at);
  else if (bits === 32) out.set(f32(data).subarray(0, n), at);
  else {
    const h = u16(data);
    for (let i = 0; i < n; i++) out[at + i] = half(h[i]!);
  }
  for (let i = 0; i < n; i++) {
    const x = out[at + i]!;
    problems[at + i] = x - x === 0 ? NONE : INVALID;
  }
}

function ints(
  data: Uint8Array,
  bits: number,
  signed: boolean,
  n: number,
  out: Float64Array,
  problems: Uint8Array,
  at: number,
) {
  if (bits < 64) {
    const v = smallInts(data, bits, signed);
    for (let i = 0; i < n; i++) out[at + i] = v[i]!;
    problems.fill(NONE, at, at + n);
    return;
  }
  const w = i32(data);
  for (let i = 0; i < n; i++) {
    const hi = signed ? w[2 * i + 1]! : w[2 * i + 1]! >>> 0;
    const x = hi * TWO_32 + (w[2 * i]! >>> 0);
    out[at + i] = x;
    // Below 2^53 in magnitude the double is exact; above it, compare with the integer itself.
    problems[at + i] =
      (hi >= -0x200000 && hi < 0x200000) || BigInt(x) === big64(w, i, signed) ? NONE : NumProblem.Inexact;
  }
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

function decimals(
  data: Uint8Array,
  bits: number,
  scale: number,
  n: number,
  out: Float64Array,
  problems: Uint8Array,
  at: number,
) {
  const w = i32(data);
  const stride = bits / 32;
  // 10^|scale| is an exact double up to 10^22.
  const fast = scale >= -22 && scale <= 22;
  const divide = scale > 0;
  const p = POW10[Math.abs(scale)] ?? 1;
  for (let i = 0; i < n; i++) {
    const base = i * stride;
    let u = w[base]!;
    let exact = fast;
    if (exact && stride > 1) {
      // Exact in a double: below 2^53, the words above the second only the sign's extension.
      const hi = w[base + 1]!;
      const ext = hi < 0 ? -1 : 0;
      exact = hi >= -0x200000 && hi < 0x200000;
      for (let k = 2; exact && k < stride; k++) exact = w[base + k] === ext;
      u = hi * TWO_32 + (u >>> 0);
    }
    // Both operands are exact doubles: one correctly rounded operation is the nearest double.
    const x = divide ? u / p : u * p;
    if (exact && (divide || Math.abs(x) <= Number.MAX_SAFE_INTEGER)) {
      out[at + i] = x;
      problems[at + i] = NONE;
    } else {
      const nearest = decimalNumber(bigDecimal(w, stride, i, bits), scale);
      out[at + i] = nearest.n;
      problems[at + i] = nearest.inexact ? NumProblem.Inexact : NONE;
    }
  }
}

/** The nearest double of unscaled × 10^-scale, and whether an integer (scale <= 0) was inexact. */
function decimalNumber(unscaled: bigint, scale: number): { n: number; inexact: boolean } {
  const n = Number(`${unscaled}e${-scale}`);
  if (scale > 0 || !Number.isFinite(n) || Math.abs(n) <= Number.MAX_SAFE_INTEGER)
    return { n, inexact: false };
  return { n, inexact: -scale > 400 || BigInt(n) !== unscaled * 10n ** BigInt(-scale) };
}

export function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The 64-bit integer at `i` exactly, as a BigInt (quoting and the rare inexact cases only). */
export function big64(words: Int32Array, i: number, signed: boolean): bigint {
  const v = (BigInt(words[2 * i + 1]! >>> 0) << 32n) | BigInt(words[2 * i]! >>> 0);
  return signed ? BigInt.asIntN(64, v) : v;
}

export function bigDecimal(words: Int32Array, stride: number, i: number, bits: number): bigint {
  let v = 0n;
  for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[i * stride + k]! >>> 0);
  return BigInt.asIntN(bits, v);
}

/** A decimal's exact text: its digits with the point `scale` places from the right. */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  let text: string;
  if (scale <= 0)
    text =
      scale === 0 || unscaled === 0n
        ? digits
        : scale >= -40
          ? digits + '0'.repeat(-scale)
          : `${digits}e${-scale}`;
  else if (scale > 40) text = `${digits}e-${scale}`;
  else if (digits.length > scale)
    text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  else text = `0.${'0'.repeat(scale - digits.length)}${digits}`;
  return negative ? `-${text}` : text;
}

// ---------------------------------------------------------------------------------------------
// ts

const timestamps: Convert = (col, out, problems, at) => {
  const t = col.field.type;
  if (TEXT_KINDS.has(t.kind)) return parsedTimestamps(col, out, problems, at);
  const n = col.length;
  const w = i32(col.buffers[0]!);
  if (t.kind === 'date' && t.unit === 'day') {
    for (let i = 0; i < n; i++) out[at + i] = w[i]! * DAY;
  } else if (t.kind === 'int' && !t.signed) {
    for (let i = 0; i < n; i++) out[at + i] = (w[2 * i + 1]! >>> 0) * TWO_32 + (w[2 * i]! >>> 0);
  } else {
    // The unit is chosen once per column, not per row.
    switch (t.kind === 'timestamp' ? t.unit : 'ms') {
      case 's':
        for (let i = 0; i < n; i++) out[at + i] = int64(w, i) * 1000;
        break;
      case 'ms':
        for (let i = 0; i < n; i++) out[at + i] = int64(w, i);
        break;
      case 'us':
        for (let i = 0; i < n; i++) out[at + i] = int64(w, i) / 1000;
        break;
      default:
        for (let i = 0; i < n; i++) out[at + i] = nanosToMs(w[2 * i]! >>> 0, w[2 * i + 1]!);
    }
  }
  problems.fill(NONE, at, at + n);
};

/** Epoch ms of epoch nanoseconds given as two 32-bit words, rounded to the µs (halves up). */
function nanosToMs(lo: number, hi: number): number {
  // ns = 1000 × (hi × 4294967 + ⌊t / 1000⌋) + (t mod 1000), t = hi × 296 + lo: exact in doubles.
  const t = hi * 296 + lo;
  const q = Math.floor(t / 1000);
  const micros = hi * 4294967 + q + (t - q * 1000 >= 500 ? 1 : 0);
  return micros / 1000;
}

function parsedTimestamps(col: Column, out: Float64Array, problems: Uint8Array, at: number): void {
  // Rows of one export often share their timestamp.
  let last = '';
  let lastMs = NaN;
  forEachText(col, (i, bytes, s, e) => {
    if (s === e) {
      out[at + i] = NaN;
      problems[at + i] = MISSING;
      return;
    }
    const text = utf8(bytes, s, e);
    if (text !== last) {
      last = text;
      lastMs = parseTimestamp(text);
    }
    out[at + i] = lastMs;
    problems[at + i] = Number.isFinite(lastMs) ? NONE : INVALID;
  });
}
