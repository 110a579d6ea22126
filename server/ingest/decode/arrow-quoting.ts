// A rejected row's fields as sent: quoted in its message, and kept as JSON for the quarantine (a
// replay reads it back). Rejected rows only, read one field at a time: slow paths are fine here.
import type { EventField } from '../../../shared/schemas/ingest.js';
import { iso } from '../../../shared/time.js';
import { type DecodedBatch, NumProblem, STRING_FIELDS } from '../batch.js';
import { cutField, describeValue, keepRawString, RAW_KEEP_BYTES, type RawText } from '../raw.js';
import { type Column, f32, f64, i32, smallInts, u16 } from './arrow-buffers.js';
import { TEXT_KINDS, typeName } from './arrow-columns.js';
import { entryAt } from './arrow-dictionaries.js';
import { big64, bigDecimal, decimalText, half } from './arrow-numbers.js';
import { forEachText, utf8 } from './arrow-strings.js';

/** The columns of one batch, by field. */
export type BatchColumns = Record<EventField, Column>;

/** Row `row` of the decoded batch, row `i` of its Arrow batch, as JSON cut for the quarantine. */
export function rawRow(columns: BatchColumns, i: number, decoded: DecodedBatch, row: number): RawText {
  let text = `{"ts":${rawTs(columns.ts, i, decoded.ts[row]!, decoded.tsProblem[row]!)}`;
  for (const field of STRING_FIELDS) {
    const code = decoded.strings[field].codes[row]!;
    const s = code >= 0 ? decoded.strings[field].values[code]! : rawString(columns[field], i);
    text += `,"${field}":${s === null ? 'null' : JSON.stringify(s)}`;
  }
  return keepRawString(`${text},"value":${rawValue(columns.value, i)}}`);
}

/** One field of row `i` as sent, for a message. */
export const describeField = (columns: BatchColumns, i: number, field: EventField): string =>
  field === 'ts' || field === 'value' ? describeNumber(columns[field], i) : describeString(columns[field], i);

/** A dictionary index at row i, or null when the column is not dictionary-encoded. */
function indexAt(col: Column, i: number): bigint | null {
  const index = col.field.dictionary?.index;
  if (!index) return null;
  const data = col.buffers[0]!;
  if (index.bits < 64) return BigInt(smallInts(data, index.bits, index.signed)[i]!);
  return big64(i32(data), i, index.signed);
}

/** Follows a dictionary-encoded row to its entry; a string when the index is out of range. */
function resolve(col: Column, i: number): [Column, number] | string {
  const k = indexAt(col, i);
  if (k === null) return [col, i];
  const snapshot = col.dictionary!;
  const found = k <= BigInt(Number.MAX_SAFE_INTEGER) ? entryAt(snapshot, Number(k)) : null;
  return found ?? `dictionary index ${k} (of ${snapshot.length} entries)`;
}

/** The bytes of a string row, or null when it is null. */
function textAt(col: Column, i: number): [Uint8Array, number, number] | null {
  if (col.field.type.kind === 'null' || !col.isValid(i)) return null;
  let found: [Uint8Array, number, number] | null = null;
  forEachText(
    col,
    (_, bytes, s, e) => {
      found = [bytes, s, e];
    },
    i,
    i + 1,
  );
  return found;
}

/** Characters of a long string quoted in a message (as raw.ts quotes the text formats'). */
const QUOTE_CHARS = 80;
/** UTF-8 bytes enough for QUOTE_CHARS characters. */
const QUOTE_BYTES = 4 * QUOTE_CHARS;

function quoteText(found: [Uint8Array, number, number] | null): string {
  if (!found) return 'null';
  const [bytes, s, e] = found;
  if (e - s <= QUOTE_BYTES) return describeValue(utf8(bytes, s, e));
  const text = utf8(bytes, s, s + QUOTE_BYTES);
  return `${JSON.stringify(text.slice(0, QUOTE_CHARS))}… (${e - s} bytes)`;
}

/** Text of a string field as sent, cut for the quarantine (null: null or out of its dictionary). */
function rawString(col: Column, i: number): string | null {
  const at = resolve(col, i);
  const found = typeof at === 'string' ? null : textAt(...at);
  if (!found) return null;
  const [bytes, s, e] = found;
  return cutField(utf8(bytes, s, Math.min(e, s + 3 * RAW_KEEP_BYTES)));
}

function describeString(col: Column, i: number): string {
  const at = resolve(col, i);
  return typeof at === 'string' ? at : quoteText(textAt(...at));
}

/** The number a numeric row holds, exactly as sent: digits, decimal text, NaN, Infinity. */
function numberText(col: Column, i: number): string | null {
  const t = col.field.type;
  if (t.kind === 'null' || !col.isValid(i)) return null;
  const data = col.buffers[0]!;
  switch (t.kind) {
    case 'float':
      return String(t.bits === 64 ? f64(data)[i] : t.bits === 32 ? f32(data)[i] : half(u16(data)[i]!));
    case 'int':
      return t.bits < 64
        ? String(smallInts(data, t.bits, t.signed)[i])
        : big64(i32(data), i, t.signed).toString();
    case 'decimal':
      return decimalText(bigDecimal(i32(data), t.bits / 32, i, t.bits), t.scale);
    case 'timestamp':
      return big64(i32(data), i, true).toString();
    case 'date':
      return t.unit === 'day' ? String(i32(data)[i]) : big64(i32(data), i, true).toString();
    default:
      // ts as text: its callers quote it as text.
      return null;
  }
}

/** A numeric field as sent, for a message: "NaN", "9007199254740993 (Int64)", "dictionary index 5 (of 3 entries)". */
function describeNumber(col: Column, i: number): string {
  const at = resolve(col, i);
  if (typeof at === 'string') return at;
  const [c, j] = at;
  if (TEXT_KINDS.has(c.field.type.kind)) return quoteText(textAt(c, j));
  const text = numberText(c, j);
  if (text === null) return 'null';
  return c.field.type.kind === 'float' ? text : `${text} (${typeName(c.field)})`;
}

/** A value as a JSON literal for the quarantine: the number as sent, or a string for NaN/Infinity. */
function rawValue(col: Column, i: number): string {
  const at = resolve(col, i);
  if (typeof at === 'string') return 'null';
  const [c, j] = at;
  const text = numberText(c, j);
  if (text === null) return 'null';
  return c.field.type.kind === 'float' && !Number.isFinite(Number(text)) ? JSON.stringify(text) : text;
}

/**
 * A ts as a JSON literal for the quarantine: ISO 8601 (to the µs) when it is a date; text as sent;
 * otherwise its epoch milliseconds, which a replay rejects again as it did here.
 */
function rawTs(col: Column, i: number, ms: number, problem: number): string {
  if (problem === NumProblem.Missing) return 'null';
  if (problem === NumProblem.None && Math.abs(ms) <= 8.64e15) return JSON.stringify(isoMicros(ms));
  const at = resolve(col, i);
  if (typeof at === 'string') return 'null';
  const [c, j] = at;
  if (TEXT_KINDS.has(c.field.type.kind)) {
    const found = textAt(c, j);
    return found ? JSON.stringify(cutField(utf8(...found))) : 'null';
  }
  return Number.isFinite(ms) ? String(ms) : 'null';
}

function isoMicros(ms: number): string {
  const micros = Math.round(ms * 1000);
  const whole = Math.floor(micros / 1000);
  const rest = micros - whole * 1000;
  const text = iso(whole);
  return rest === 0 ? text : `${text.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}
