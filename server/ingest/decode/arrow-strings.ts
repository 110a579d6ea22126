// The brand, touchpoint, source and metric columns as codes into the batch's DictColumn: utf8,
// large_utf8, utf8_view or binary of any kind read as UTF-8, plain or dictionary-encoded (each
// dictionary entry mapped once, the rows then looked up).
import { MAX_ID_LENGTH } from '../../../shared/schemas/ingest.js';
import { BAD_INDEX, type DictColumn, MISSING, TOO_LONG } from '../batch.js';
import { type Column, i32 } from './arrow-buffers.js';
import { typeName } from './arrow-columns.js';
import { decodedEntries, dictionaryIndices } from './arrow-dictionaries.js';
import { ArrowFormatError } from './arrow-flatbuffers.js';

const TEXT = new TextDecoder();

export function utf8(bytes: Uint8Array, s: number, e: number): string {
  // Short ASCII, the usual id, is cheaper built directly than through TextDecoder.
  if (e - s <= 24) {
    let ascii = true;
    for (let k = s; k < e; k++) {
      if (bytes[k]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(s, e) as unknown as number[]);
  }
  return TEXT.decode(bytes.subarray(s, e));
}

/** UTF-8 of at most this many bytes can hold MAX_ID_LENGTH UTF-16 units (3 bytes make one at least). */
const MAX_ID_BYTES = 3 * MAX_ID_LENGTH;

/**
 * Codes of one string field, cached by their bytes: a value seen before costs a hash and a
 * compare, not a decode and a Map lookup. Bounded (4096 distinct values); past it, plain decoding.
 */
export class StringCodes {
  private readonly slots = new Int32Array(1 << 13);
  private starts = new Int32Array(256);
  private lengths = new Int32Array(256);
  private codes = new Int32Array(256);
  private pool = new Uint8Array(8192);
  private used = 0;
  private count = 0;

  constructor(readonly column: DictColumn) {}

  code(bytes: Uint8Array, s: number, e: number): number {
    const length = e - s;
    if (length === 0) return MISSING;
    if (length > MAX_ID_BYTES) return TOO_LONG;
    let h = 0x811c9dc5;
    for (let k = s; k < e; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (let entry = this.slots[slot]! - 1; entry >= 0; entry = this.slots[slot]! - 1) {
      if (this.lengths[entry] === length && this.same(entry, bytes, s, length)) return this.codes[entry]!;
      slot = (slot + 1) & mask;
    }
    const code = this.column.code(utf8(bytes, s, e));
    if (this.count < 4096) this.remember(slot, bytes, s, length, code);
    return code;
  }

  private same(entry: number, bytes: Uint8Array, s: number, length: number): boolean {
    const start = this.starts[entry]!;
    for (let k = 0; k < length; k++) if (this.pool[start + k] !== bytes[s + k]) return false;
    return true;
  }

  private remember(slot: number, bytes: Uint8Array, s: number, length: number, code: number): void {
    if (this.count === this.starts.length) {
      this.starts = doubled(this.starts);
      this.lengths = doubled(this.lengths);
      this.codes = doubled(this.codes);
    }
    if (this.used + length > this.pool.length) {
      const next = new Uint8Array(Math.max(this.pool.length * 2, this.used + length));
      next.set(this.pool);
      this.pool = next;
    }
    this.pool.set(bytes.subarray(s, s + length), this.used);
    const entry = this.count++;
    this.starts[entry] = this.used;
    this.lengths[entry] = length;
    this.codes[entry] = code;
    this.used += length;
    this.slots[slot] = entry + 1;
  }
}

function doubled(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}

const BROKEN_OFFSETS = () => new ArrowFormatError('its string offsets point outside the string data');

/** Calls `fn` with the bytes of every valid row in [from, to) of a string column (nulls skipped). */
export function forEachText(
  col: Column,
  fn: (i: number, bytes: Uint8Array, s: number, e: number) => void,
  from = 0,
  to = col.length,
): void {
  const t = col.field.type;
  const nulls = col.validity !== null;
  if (t.kind === 'utf8' || t.kind === 'binary') {
    const offsets = i32(col.buffers[0]!);
    const data = col.buffers[1]!;
    for (let i = from; i < to; i++) {
      if (nulls && !col.isValid(i)) continue;
      const s = offsets[i]!;
      const e = offsets[i + 1]!;
      if (!(s >= 0 && s <= e && e <= data.length)) throw BROKEN_OFFSETS();
      fn(i, data, s, e);
    }
  } else if (t.kind === 'largeUtf8' || t.kind === 'largeBinary') {
    const w = i32(col.buffers[0]!);
    const data = col.buffers[1]!;
    for (let i = from; i < to; i++) {
      if (nulls && !col.isValid(i)) continue;
      if (w[2 * i + 1] !== 0 || w[2 * i + 3] !== 0) throw BROKEN_OFFSETS();
      const s = w[2 * i]!;
      const e = w[2 * i + 2]!;
      if (!(s >= 0 && s <= e && e <= data.length)) throw BROKEN_OFFSETS();
      fn(i, data, s, e);
    }
  } else if (t.kind === 'utf8View' || t.kind === 'binaryView') {
    const viewBytes = col.buffers[0]!;
    const views = i32(viewBytes);
    for (let i = from; i < to; i++) {
      if (nulls && !col.isValid(i)) continue;
      const length = views[4 * i]!;
      if (length >= 0 && length <= 12) {
        const s = 16 * i + 4;
        fn(i, viewBytes, s, s + length);
        continue;
      }
      const data = col.variadic[views[4 * i + 2]!];
      const s = views[4 * i + 3]!;
      if (!data || !(length > 0 && s >= 0 && s + length <= data.length)) {
        throw new ArrowFormatError('its string views point outside their data buffers');
      }
      fn(i, data, s, s + length);
    }
  } else if (t.kind === 'fixedSizeBinary') {
    const data = col.buffers[0]!;
    const w = t.width;
    for (let i = from; i < to; i++) {
      if (nulls && !col.isValid(i)) continue;
      fn(i, data, i * w, i * w + w);
    }
  } else {
    throw new ArrowFormatError(`a string of type ${typeName(col.field)} is not read here`);
  }
}

/** Writes the codes of a string column into `out` at `at`. */
export function fillStrings(col: Column, codes: StringCodes, out: Int32Array, at: number): void {
  const n = col.length;
  if (col.dictionary) return lookUp(col, codes, out, at);
  if (col.field.type.kind === 'null') {
    out.fill(MISSING, at, at + n);
    return;
  }
  if (col.validity !== null) out.fill(MISSING, at, at + n);
  forEachText(col, (i, bytes, s, e) => {
    out[at + i] = codes.code(bytes, s, e);
  });
}

interface CodeEntries {
  length: number;
  codes: Int32Array;
}

function extendCodes(previous: CodeEntries | undefined, length: number): CodeEntries {
  const entries = { length, codes: new Int32Array(length) };
  if (previous) entries.codes.set(previous.codes);
  return entries;
}

/** A dictionary-encoded column: its entries' codes, looked up by each row's index. */
function lookUp(col: Column, codes: StringCodes, out: Int32Array, at: number): void {
  const snapshot = col.dictionary!;
  const entries = decodedEntries(snapshot, codes, extendCodes, (part, into, from) =>
    fillStrings(part, codes, into.codes, from),
  ).codes;
  const { words, step } = dictionaryIndices(col);
  const length = snapshot.length;
  const n = col.length;
  // The hottest loop of Arrow ingest: one per index width, so that neither tests the other's case.
  if (step === 1) {
    for (let i = 0; i < n; i++) {
      const k = words[i]!;
      out[at + i] = k >= 0 && k < length ? entries[k]! : BAD_INDEX;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const k = words[2 * i]!;
      out[at + i] = words[2 * i + 1] === 0 && k >= 0 && k < length ? entries[k]! : BAD_INDEX;
    }
  }
  // Nulls are marked after: the loop above stays free of a test per row.
  if (col.validity === null) return;
  for (let i = 0; i < n; i++) if (!col.isValid(i)) out[at + i] = MISSING;
}
