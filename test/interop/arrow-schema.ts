// The Arrow types of a stream's columns, as the hub names them in its messages: a check that a
// producer wrote the types a test claims it writes.
import { typeName } from '../../server/ingest/decode/arrow-columns.js';
import { MessageReader } from '../../server/ingest/decode/arrow-ipc.js';

export function typeNames(bytes: Uint8Array): Record<string, string> {
  const first = new MessageReader(bytes).next();
  if (first?.kind !== 'schema') throw new Error('the stream does not start with a schema');
  return Object.fromEntries(first.schema.fields.map((field) => [field.name, typeName(field)]));
}
