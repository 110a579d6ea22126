import { errors } from '../../errors.js';
import { BatchBuilder, CHUNK_ROWS, type DecodedBatch, type RawRecord, yieldToLoop } from '../batch.js';
import { Spans, spanQuoting } from './spans.js';

/** Newline-delimited JSON, one event object a line; blank lines are skipped and not counted. */
export async function decodeNdjson(body: Buffer): Promise<DecodedBatch> {
  const builder = new BatchBuilder(Math.max(1024, Math.ceil(body.length / 100)));
  const spans = new Spans();
  let pos = 0;
  let line = 0;
  let sinceYield = 0;
  while (pos < body.length) {
    let end = body.indexOf(10, pos);
    if (end === -1) end = body.length;
    line++;
    const text = body.toString('utf8', pos, end);
    if (text.trim() !== '') {
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (error) {
        throw errors.malformedBody(
          `Line ${line} (record ${spans.length}) is not valid JSON: ${(error as Error).message}.`,
          'Send one JSON object per line; nothing of this request was stored.',
        );
      }
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw errors.malformedBody(
          `Line ${line} (record ${spans.length}) is not a JSON object.`,
          'Each line must be one event object such as {"ts": …, "brand": …, "value": 1}.',
        );
      }
      builder.push(record as RawRecord, false);
      spans.push(pos, end);
      if (++sinceYield === CHUNK_ROWS) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
    pos = end + 1;
  }
  return builder.finish('ndjson', spanQuoting(body, spans));
}
