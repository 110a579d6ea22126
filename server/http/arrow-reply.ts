import { Bool, Float64, Table, TimestampMillisecond, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import type { FastifyReply, FastifyRequest } from 'fastify';

// Chart data as Arrow IPC for clients that ask for it (Accept), in one encoding for every route.

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

/** A column of an Arrow answer: text, numbers (null for no value), flags or instants (epoch ms). */
export type ArrowColumn =
  | { kind: 'utf8'; values: readonly string[] }
  | { kind: 'bool'; values: readonly boolean[] }
  | { kind: 'float64'; values: readonly (number | null)[] }
  | { kind: 'timestamp_ms'; values: readonly number[] };

export const acceptsArrow = (request: FastifyRequest) =>
  request.headers.accept?.includes(ARROW_STREAM) === true;

function vectorOf(column: ArrowColumn) {
  switch (column.kind) {
    case 'utf8':
      return vectorFromArray([...column.values], new Utf8());
    case 'bool':
      return vectorFromArray([...column.values], new Bool());
    case 'float64':
      return vectorFromArray([...column.values], new Float64());
    case 'timestamp_ms':
      return vectorFromArray([...column.values], new TimestampMillisecond());
  }
}

/** Sends the columns as one Arrow IPC stream, in the order given. */
export function sendArrow(reply: FastifyReply, columns: Record<string, ArrowColumn>): FastifyReply {
  const vectors = Object.fromEntries(
    Object.entries(columns).map(([name, column]) => [name, vectorOf(column)]),
  );
  // The typed reply only knows the JSON schema; Arrow bytes go out untyped.
  return reply.type(ARROW_STREAM).send(Buffer.from(tableToIPC(new Table(vectors), 'stream')));
}
