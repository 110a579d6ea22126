import { EVENT_FIELDS } from '../../../shared/schemas/ingest.js';
import { errors } from '../../errors.js';
import { BatchBuilder, CHUNK_ROWS, type DecodedBatch, type RawRecord, yieldToLoop } from '../batch.js';
import { cutField, describeValue, keepRawString } from '../raw.js';
import { Spans } from './spans.js';

const hint = 'Send RFC 4180 CSV with a header row naming ts, brand, touchpoint, source, metric, value.';

/**
 * Splits one record starting at `pos` in `text`: RFC 4180 quoting, "" for a quote inside a quoted
 * field, CRLF or LF line ends. Returns the fields and the position after the record, or null when
 * the record is not complete in `text`.
 */
function readRecord(text: string, pos: number, final: boolean): { fields: string[]; next: number } | null {
  const fields: string[] = [];
  let i = pos;
  for (;;) {
    if (text.charCodeAt(i) === 0x22) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) {
          if (final) throw errors.malformedBody('A quoted CSV field is never closed.', hint);
          return null;
        }
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 0x22) {
          value += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      let k = i;
      while (k < text.length) {
        const c = text.charCodeAt(k);
        if (c === 0x2c || c === 0x0a || c === 0x0d) break;
        k++;
      }
      fields.push(text.slice(i, k));
      i = k;
    }
    const c = text.charCodeAt(i);
    if (c === 0x2c) {
      i++;
      continue;
    }
    if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) return { fields, next: i + 2 };
    if (c === 0x0a || c === 0x0d) return { fields, next: i + 1 };
    if (i >= text.length) return final ? { fields, next: i } : null;
    throw errors.malformedBody(`Unexpected character after a quoted CSV field: "${text[i]}".`, hint);
  }
}

const SLICE_BYTES = 1 << 20;

/** CSV with a header row; read in 1 MB slices cut at line ends. */
export async function decodeCsv(body: Buffer): Promise<DecodedBatch> {
  const builder = new BatchBuilder(Math.max(1024, Math.ceil(body.length / 60)));
  const texts: string[] = [];
  const where = new Spans(); // (slice index, start char) per record
  let header: string[] | null = null;
  let columns: number[] = [];
  let carry = '';
  let line = 0;
  let offset = 0;
  while (offset < body.length || carry !== '') {
    let end = Math.min(body.length, offset + SLICE_BYTES);
    if (end < body.length) {
      const nl = body.indexOf(10, end);
      end = nl === -1 ? body.length : nl + 1;
    }
    const final = end >= body.length;
    const text = carry + body.toString('utf8', offset, end);
    offset = end;
    texts.push(text);
    const slice = texts.length - 1;
    let pos = 0;
    let sinceYield = 0;
    while (pos < text.length) {
      const start = pos;
      const record = readRecord(text, pos, final);
      if (!record) break;
      pos = record.next;
      line++;
      if (record.fields.length === 1 && record.fields[0]!.trim() === '') continue;
      if (!header) {
        header = record.fields.map((f) => f.trim());
        const missing = EVENT_FIELDS.filter((f) => !header!.includes(f));
        if (missing.length > 0) throw headerError(header, missing);
        columns = EVENT_FIELDS.map((f) => header!.indexOf(f));
        continue;
      }
      if (record.fields.length !== header.length) {
        throw errors.malformedBody(
          `CSV line ${line} (record ${where.length}) has ${record.fields.length} fields; the header has ${header.length}.`,
          hint,
        );
      }
      const raw: RawRecord = {};
      EVENT_FIELDS.forEach((f, k) => (raw[f] = record.fields[columns[k]!]));
      builder.push(raw, true);
      where.push(slice, start);
      if (++sinceYield === CHUNK_ROWS) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
    carry = text.slice(pos);
    if (final) break;
  }
  if (!header) throw errors.malformedBody('The CSV body is empty: no header row.', hint);
  const names = header;
  const fieldsOf = (row: number) => readRecord(texts[where.start(row)]!, where.end(row), true)!.fields;
  return builder.finish('csv', {
    rawText: (row) => {
      const fields = fieldsOf(row);
      return keepRawString(
        JSON.stringify(Object.fromEntries(names.map((n, k) => [n, cutField(fields[k]!)]))),
      );
    },
    describe: (row, field) => describeValue(fieldsOf(row)[names.indexOf(field)]),
  });
}

const OTHER_DELIMITERS = [';', '\t', '|'];

/** A header without the event columns: say which delimiter it seems to use, if not a comma. */
function headerError(header: string[], missing: readonly string[]) {
  const line = header.join(',');
  const delimiter = OTHER_DELIMITERS.find((d) =>
    EVENT_FIELDS.every((f) => line.split(d).some((c) => c.trim() === f)),
  );
  if (delimiter) {
    const name = delimiter === '\t' ? 'tabs' : `"${delimiter}"`;
    return errors.malformedBody(
      `The CSV header separates its columns with ${name}; this hub reads comma-separated CSV (RFC 4180).`,
      'Export with commas as the delimiter (in Excel: "CSV UTF-8 (comma delimited)") and a dot as the decimal mark, or send JSON; nothing of this request was stored.',
    );
  }
  return errors.malformedBody(`The CSV header lacks the column(s) ${missing.join(', ')}.`, hint);
}
