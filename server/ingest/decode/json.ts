import { errors } from '../../errors.js';
import { BatchBuilder, CHUNK_ROWS, type DecodedBatch, type RawRecord, yieldToLoop } from '../batch.js';
import { lineOf, Spans, spanQuoting } from './spans.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

const shapeHint =
  'Send a JSON array of events, or an object {"events": [...]}; nothing of this request was stored.';

/**
 * Finds the byte range of each element of the events array (the top-level array, or the
 * `events` member of a top-level object) without parsing the elements, so that they can be
 * parsed a chunk at a time.
 */
async function elementSpans(body: Buffer): Promise<Spans> {
  const spans = new Spans();
  let depth = 0;
  let inString = false;
  let stringStart = -1;
  let lastKey = '';
  let pendingKey = '';
  let targetDepth = -1;
  let elementStart = -1;
  let topIsObject = false;
  let topClosed = false;
  for (let i = 0; i < body.length; i++) {
    // Scanning is synchronous: let the event loop turn every 1 MB.
    if ((i & 0xfffff) === 0xfffff) await yieldToLoop();
    const b = body[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) {
        inString = false;
        if (topIsObject && depth === 1) pendingKey = body.toString('utf8', stringStart + 1, i);
      }
      continue;
    }
    if (isSpace(b)) continue;
    if (topClosed) {
      throw errors.malformedBody(
        `The body holds more than one JSON document: a second one starts at line ${lineOf(body, i)}.`,
        'Send one JSON array of events (or NDJSON: one event object a line, as application/x-ndjson); nothing of this request was stored.',
      );
    }
    if (depth === targetDepth && elementStart === -1 && b !== CLOSE_ARRAY && b !== COMMA) elementStart = i;
    switch (b) {
      case QUOTE:
        inString = true;
        stringStart = i;
        break;
      case COLON:
        if (topIsObject && depth === 1) lastKey = pendingKey;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (depth === 0) {
          if (b === OPEN_ARRAY) targetDepth = 1;
          else topIsObject = true;
        } else if (
          topIsObject &&
          depth === 1 &&
          b === OPEN_ARRAY &&
          lastKey === 'events' &&
          targetDepth === -1
        ) {
          targetDepth = 2;
        }
        depth++;
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        if (depth === targetDepth && b === CLOSE_ARRAY) {
          if (elementStart !== -1) spans.push(elementStart, i);
          elementStart = -1;
          targetDepth = -2; // done: later arrays are not events
        }
        depth--;
        if (depth < 0) {
          throw errors.malformedBody(
            `Unexpected "${String.fromCharCode(b)}" at line ${lineOf(body, i)}.`,
            shapeHint,
          );
        }
        if (depth === 1 && topIsObject) lastKey = '';
        if (depth === 0) topClosed = true;
        break;
      case COMMA:
        if (depth === targetDepth) {
          if (elementStart === -1) {
            throw errors.malformedBody(`Empty array element at line ${lineOf(body, i)}.`, shapeHint);
          }
          spans.push(elementStart, i);
          elementStart = -1;
        }
        break;
      default:
        if (depth === 0) {
          throw errors.malformedBody(
            `The body starts with ${startOf(b)}, not a JSON array or object.`,
            shapeHint,
          );
        }
    }
  }
  if (inString || depth !== 0) {
    throw errors.malformedBody('The JSON body ends before its array or object is closed.', shapeHint);
  }
  if (targetDepth === -1 || (topIsObject && targetDepth !== -2)) {
    throw errors.malformedBody('The JSON body has no "events" array.', shapeHint);
  }
  return spans;
}

/** A JSON array of events, or `{ "events": [...] }`, parsed a chunk of elements at a time. */
export async function decodeJson(body: Buffer): Promise<DecodedBatch> {
  const spans = await elementSpans(body);
  const builder = new BatchBuilder(Math.max(1024, spans.length));
  for (let first = 0; first < spans.length; first += CHUNK_ROWS) {
    const last = Math.min(spans.length, first + CHUNK_ROWS) - 1;
    let records: unknown[];
    try {
      records = JSON.parse(`[${body.toString('utf8', spans.start(first), spans.end(last))}]`) as unknown[];
    } catch {
      throw findBadElement(body, spans, first, last);
    }
    if (records.length !== last - first + 1) throw findBadElement(body, spans, first, last);
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw errors.malformedBody(
          `Element ${first + i} (line ${lineOf(body, spans.start(first + i))}) is not an event object.`,
          shapeHint,
        );
      }
      builder.push(record as RawRecord, false);
    }
    await yieldToLoop();
  }
  return builder.finish('json', spanQuoting(body, spans));
}

/** The first byte of a body, named: a printable character, or its code. */
function startOf(b: number): string {
  if (b >= 0x20 && b < 0x7f) return `"${String.fromCharCode(b)}"`;
  return `byte 0x${b.toString(16).padStart(2, '0')}`;
}

function findBadElement(body: Buffer, spans: Spans, first: number, last: number) {
  for (let i = first; i <= last; i++) {
    try {
      JSON.parse(body.toString('utf8', spans.start(i), spans.end(i)));
    } catch (error) {
      return errors.malformedBody(
        `Element ${i} (line ${lineOf(body, spans.start(i))}) is not valid JSON: ${(error as Error).message}.`,
        shapeHint,
      );
    }
  }
  return errors.malformedBody(`Elements ${first}..${last} are not valid JSON.`, shapeHint);
}
