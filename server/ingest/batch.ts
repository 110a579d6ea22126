// The one decoded shape every ingest format turns into: columns, strings dictionary-encoded.
// Validation then runs once per distinct string instead of once per row.

import type { EventField } from '../../shared/schemas/ingest.js';
import { MAX_ID_LENGTH } from '../../shared/schemas/ingest.js';
import type { RawText } from './raw.js';

/** Codes below zero mark a problem found while decoding. */
export const MISSING = -1;
export const WRONG_TYPE = -2;
/** Longer than MAX_ID_LENGTH: never kept in the dictionary, so a huge string costs nothing more. */
export const TOO_LONG = -3;
/** An Arrow dictionary index outside its dictionary. */
export const BAD_INDEX = -4;

export class DictColumn {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  codes: Int32Array;

  constructor(capacity: number) {
    this.codes = new Int32Array(capacity);
  }

  /** The value's code, or TOO_LONG. */
  code(value: string): number {
    if (value.length > MAX_ID_LENGTH) return TOO_LONG;
    let code = this.index.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.index.set(value, code);
    }
    return code;
  }

  grow(capacity: number): void {
    const next = new Int32Array(capacity);
    next.set(this.codes);
    this.codes = next;
  }
}

/**
 * Invalid: not a finite number; Inexact: an integer a 64-bit float cannot hold exactly; BadIndex: an
 * Arrow dictionary index outside its dictionary.
 */
export const NumProblem = { None: 0, Missing: 1, Invalid: 2, Inexact: 3, BadIndex: 4 } as const;

export const STRING_FIELDS = ['brand', 'touchpoint', 'source', 'metric'] as const;
export type StringField = (typeof STRING_FIELDS)[number];

export type RawRecord = Record<string, unknown>;

export interface DecodedBatch {
  format: IngestFormat;
  length: number;
  ts: Float64Array;
  tsProblem: Uint8Array;
  value: Float64Array;
  valueProblem: Uint8Array;
  strings: Record<StringField, DictColumn>;
  /** The record as sent, for the quarantine (bounded): rebuilt on demand for rejected rows only. */
  rawText(row: number): RawText;
  /** A short text of one field as sent, for a rejected row's message. */
  describe(row: number, field: EventField): string;
}

/** How a decoder quotes the rows it decoded. */
export interface RowQuoting {
  rawText(row: number): RawText;
  describe(row: number, field: EventField): string;
}

export type IngestFormat = 'json' | 'ndjson' | 'csv' | 'arrow' | 'replay';

/** Grows columns as records arrive; used by the text decoders. */
export class BatchBuilder {
  length = 0;
  ts: Float64Array;
  tsProblem: Uint8Array;
  value: Float64Array;
  valueProblem: Uint8Array;
  readonly strings: Record<StringField, DictColumn>;
  private lastTsText = '';
  private lastTsMs = NaN;

  constructor(private capacity = 1024) {
    this.ts = new Float64Array(capacity);
    this.tsProblem = new Uint8Array(capacity);
    this.value = new Float64Array(capacity);
    this.valueProblem = new Uint8Array(capacity);
    this.strings = {
      brand: new DictColumn(capacity),
      touchpoint: new DictColumn(capacity),
      source: new DictColumn(capacity),
      metric: new DictColumn(capacity),
    };
  }

  /** Makes room for `rows` more records (columnar decoders fill the arrays directly). */
  reserve(rows: number): void {
    while (this.length + rows > this.capacity) this.growTo(this.capacity * 2);
  }

  private ensure(): void {
    if (this.length < this.capacity) return;
    this.growTo(this.capacity * 2);
  }

  private growTo(capacity: number): void {
    this.capacity = capacity;
    const grow = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const next = make(this.capacity);
      next.set(a);
      return next;
    };
    this.ts = grow(this.ts, (n) => new Float64Array(n));
    this.tsProblem = grow(this.tsProblem, (n) => new Uint8Array(n));
    this.value = grow(this.value, (n) => new Float64Array(n));
    this.valueProblem = grow(this.valueProblem, (n) => new Uint8Array(n));
    for (const field of STRING_FIELDS) this.strings[field].grow(this.capacity);
  }

  /**
   * Adds one record. `textual` records (CSV) carry every field as text, so numbers are parsed
   * from strings; JSON records must carry `value` as a number.
   */
  push(record: RawRecord, textual: boolean): void {
    this.ensure();
    const row = this.length++;
    for (const field of STRING_FIELDS) {
      const v = record[field];
      const column = this.strings[field];
      column.codes[row] =
        v === undefined || v === null || v === ''
          ? MISSING
          : typeof v === 'string'
            ? column.code(v)
            : WRONG_TYPE;
    }
    this.setTs(row, record.ts);
    this.setValue(row, record.value, textual);
  }

  private setTs(row: number, v: unknown): void {
    if (v === undefined || v === null || v === '') {
      this.tsProblem[row] = NumProblem.Missing;
      this.ts[row] = NaN;
      return;
    }
    let ms: number;
    if (typeof v === 'number') ms = v;
    else if (typeof v === 'string') {
      // Rows of one export often share their timestamp.
      if (v !== this.lastTsText) {
        this.lastTsText = v;
        this.lastTsMs = parseTimestamp(v);
      }
      ms = this.lastTsMs;
    } else ms = NaN;
    this.ts[row] = ms;
    this.tsProblem[row] = Number.isFinite(ms) ? NumProblem.None : NumProblem.Invalid;
  }

  private setValue(row: number, v: unknown, textual: boolean): void {
    if (v === undefined || v === null || v === '') {
      this.valueProblem[row] = NumProblem.Missing;
      this.value[row] = NaN;
      return;
    }
    const n =
      typeof v === 'number' ? v : textual && typeof v === 'string' && NUMBER.test(v) ? Number(v) : NaN;
    this.value[row] = n;
    this.valueProblem[row] = Number.isFinite(n) ? NumProblem.None : NumProblem.Invalid;
  }

  finish(format: IngestFormat, quoting: RowQuoting): DecodedBatch {
    const n = this.length;
    const strings = this.strings;
    for (const field of STRING_FIELDS) strings[field].codes = strings[field].codes.subarray(0, n);
    return {
      format,
      length: n,
      ts: this.ts.subarray(0, n),
      tsProblem: this.tsProblem.subarray(0, n),
      value: this.value.subarray(0, n),
      valueProblem: this.valueProblem.subarray(0, n),
      strings,
      rawText: (row) => quoting.rawText(row),
      describe: (row, field) => quoting.describe(row, field),
    };
  }
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const EPOCH_MS = /^-?\d+$/;

/** ISO 8601 with an offset or Z, or epoch milliseconds; NaN otherwise. */
export function parseTimestamp(text: string): number {
  if (text.length >= 16 && text.charCodeAt(4) === 0x2d) return parseIso(text);
  return EPOCH_MS.test(text) ? Number(text) : NaN;
}

/** Fixed-width digits at `at`, or -1. */
function digits(s: string, at: number, count: number): number {
  let value = 0;
  for (let k = 0; k < count; k++) {
    const d = s.charCodeAt(at + k) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]](Z|±HH[:MM]|±HHMM)`, parsed by hand: it is the hottest
 * line of text ingest, and Date.parse also takes forms without an offset that we must refuse.
 */
function parseIso(s: string): number {
  const n = s.length;
  const sep = s[10];
  if (s[7] !== '-' || !(sep === 'T' || sep === 't' || sep === ' ') || s[13] !== ':') return NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  let i = 16;
  let second = 0;
  let ms = 0;
  if (s[i] === ':') {
    second = digits(s, i + 1, 2);
    i += 3;
    if (s[i] === '.') {
      i++;
      const start = i;
      while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === start || i - start > 9) return NaN;
      // Kept to the microsecond, as stored (nanoseconds round to the nearest, halves up).
      const nanos = Number(s.slice(start, i).padEnd(9, '0'));
      ms = Math.floor((nanos + 500) / 1000) / 1000;
    }
  }
  let offset = 0;
  const z = s[i];
  if (z === 'Z' || z === 'z') i++;
  else if (z === '+' || z === '-') {
    const oh = digits(s, i + 1, 2);
    i += 3;
    let om = 0;
    if (s[i] === ':') {
      om = digits(s, i + 1, 2);
      i += 3;
    } else if (i < n) {
      om = digits(s, i, 2);
      i += 2;
    }
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offset = (z === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  } else return NaN;
  if (
    i !== n ||
    year < 0 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return NaN;
  }
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return NaN;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return NaN;
  // Date.UTC drops fractions of a millisecond: they are added after.
  return Date.UTC(year, month - 1, day, hour, minute, second) + ms - offset;
}

export { yieldToLoop } from '../loop.js';

export const CHUNK_ROWS = 4096;
