import type { RawRecord } from '../batch.js';
import { describeValue, keepRawBytes } from '../raw.js';

/** Byte ranges of records inside a request body, kept so a rejected record can be quoted as sent. */
export class Spans {
  private data = new Int32Array(2048);
  length = 0;

  push(start: number, end: number): void {
    if (this.length * 2 + 2 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length * 2] = start;
    this.data[this.length * 2 + 1] = end;
    this.length++;
  }

  start(i: number): number {
    return this.data[i * 2]!;
  }

  end(i: number): number {
    return this.data[i * 2 + 1]!;
  }
}

/** 1-based line of a byte offset, for error messages. */
export function lineOf(body: Buffer, offset: number): number {
  let line = 1;
  for (let i = body.indexOf(10); i !== -1 && i < offset; i = body.indexOf(10, i + 1)) line++;
  return line;
}

/** Rejected rows of a JSON or NDJSON body are quoted from their bytes as sent. */
export function spanQuoting(body: Buffer, spans: Spans) {
  let parsedRow = -1;
  let parsed: RawRecord = {};
  return {
    rawText: (row: number) => keepRawBytes(body.subarray(spans.start(row), spans.end(row))),
    describe: (row: number, field: string) => {
      if (row !== parsedRow) {
        // JSON.parse is not recursive in V8: a 100 000-deep element parses; only printing it would not.
        parsed = JSON.parse(body.toString('utf8', spans.start(row), spans.end(row))) as RawRecord;
        parsedRow = row;
      }
      return describeValue(parsed[field]);
    },
  };
}
