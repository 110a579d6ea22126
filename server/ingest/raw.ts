// How a rejected row is kept and quoted: bounded, whatever a producer sent (a 50 MB string, a
// 100 000-deep array), and never through a recursive serializer.

/** The quarantine keeps at most this many bytes of a rejected row as it was sent. */
export const RAW_KEEP_BYTES = 4096;

/** A rejected row as sent, as kept: its JSON text, or its first RAW_KEEP_BYTES and a mark (`cut`). */
export interface RawText {
  text: string;
  cut: boolean;
}

/** Ends the kept prefix of a cut row. */
const cutMark = (bytes: number) => `… [cut: ${bytes} bytes in all]`;

/** The longest prefix of `bytes` of at most `max` bytes that ends on a UTF-8 character boundary. */
function utf8Prefix(bytes: Uint8Array, max: number): number {
  if (bytes.length <= max) return bytes.length;
  let end = max;
  // Continuation bytes are 10xxxxxx: step back to the start of the character cut in two.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return end;
}

export function keepRawBytes(bytes: Buffer): RawText {
  if (bytes.length <= RAW_KEEP_BYTES) return { text: bytes.toString('utf8'), cut: false };
  return {
    text: `${bytes.toString('utf8', 0, utf8Prefix(bytes, RAW_KEEP_BYTES))}${cutMark(bytes.length)}`,
    cut: true,
  };
}

export function keepRawString(text: string): RawText {
  // A character takes at most 3 bytes in UTF-8 (4 for a surrogate pair, which is 2 characters).
  if (text.length * 3 <= RAW_KEEP_BYTES) return { text, cut: false };
  return keepRawBytes(Buffer.from(text, 'utf8'));
}

/** At most this many characters of a string are quoted in a message. */
const QUOTE_CHARS = 80;

/**
 * A short text of a value as sent, for a row's error message: numbers as written (NaN, Infinity,
 * 1e+20), strings quoted and cut, objects and arrays named rather than printed.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'missing';
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return value.length <= QUOTE_CHARS
        ? JSON.stringify(value)
        : `${JSON.stringify(value.slice(0, QUOTE_CHARS))}… (${value.length} characters)`;
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array (${value.length} items)`;
      return 'an object';
  }
}

/** A string field cut for keeping in a raw row (CSV fields, Arrow strings). */
export const cutField = (s: string) => (s.length > RAW_KEEP_BYTES ? s.slice(0, RAW_KEEP_BYTES) : s);
