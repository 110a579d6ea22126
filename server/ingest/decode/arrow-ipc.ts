// Arrow IPC messages, one at a time, from a stream (or from a file, in order up to its footer):
// the framing of each message checked against the body, the schema read (arrow-schema.ts), record
// batches and dictionary batches located but not decoded. Decoding is left to the columns that
// are read: the other columns of a stream cost nothing, and a crafted message can neither read
// outside the body nor make the reader loop or allocate.
import { Fb, fail } from './arrow-flatbuffers.js';
import { type ArrowSchema, readSchema } from './arrow-schema.js';

export interface BufferRegion {
  offset: number;
  length: number;
}

interface FieldNode {
  length: number;
  nullCount: number;
}

/** A record batch (also the data of a dictionary batch), located in its message. */
export interface RecordBatchMeta {
  length: number;
  /** CompressionType: 0 LZ4_FRAME, 1 ZSTD; null: uncompressed. */
  codec: number | null;
  nodeCount: number;
  bufferCount: number;
  node(i: number): FieldNode;
  buffer(i: number): BufferRegion;
  variadicCount: number;
  variadic(i: number): number;
  /** The message body the buffers are regions of. */
  body: Uint8Array;
}

export type Message =
  | { kind: 'schema'; schema: ArrowSchema }
  | { kind: 'record'; batch: RecordBatchMeta }
  | { kind: 'dictionary'; id: number; isDelta: boolean; batch: RecordBatchMeta }
  | { kind: 'other'; type: number };

// MessageHeader union ids, and their names.
const SCHEMA = 1;
const DICTIONARY = 2;
const RECORD = 3;
const MESSAGE_TYPES = ['none', 'schema', 'dictionary batch', 'record batch', 'tensor', 'sparse tensor'];

function readRecordBatch(fb: Fb, t: number, body: Uint8Array): RecordBatchMeta {
  const length = fb.scalar(t, 0, 'i64', 0);
  if (!(length >= 0 && length <= 2 ** 31)) fail(`it declares ${length} rows`);
  const nodes = fb.vector(t, 1, 16);
  const buffers = fb.vector(t, 2, 16);
  const compression = fb.table(t, 3);
  let codec: number | null = null;
  if (compression >= 0) {
    codec = fb.scalar(compression, 0, 'u8', 0);
    const method = fb.scalar(compression, 1, 'u8', 0);
    if (method !== 0) fail(`its body compression method ${method} is not BUFFER`);
  }
  const variadic = fb.vector(t, 4, 8);
  const count = (v: number, what: string) => {
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER)) fail(`${what} ${v} is out of range`);
    return v;
  };
  return {
    length,
    codec,
    nodeCount: nodes.length,
    bufferCount: buffers.length,
    node: (i) => ({
      length: count(fb.i64(nodes.start + 16 * i), 'a field node length'),
      nullCount: count(fb.i64(nodes.start + 16 * i + 8), 'a null count'),
    }),
    buffer: (i) => ({
      offset: count(fb.i64(buffers.start + 16 * i), 'a buffer offset'),
      length: count(fb.i64(buffers.start + 16 * i + 8), 'a buffer length'),
    }),
    variadicCount: variadic.length,
    variadic: (i) => count(fb.i64(variadic.start + 8 * i), 'a variadic buffer count'),
    body,
  };
}

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/**
 * The messages of an IPC stream (or of an IPC file, read in order up to its footer), one at a
 * time: the caller decides what to look at. Ends at the end-of-stream marker or the last byte.
 */
export class MessageReader {
  private pos = 0;
  private readonly end: number;
  private readonly view: DataView;
  /** An IPC file's schema, from its footer: arrow-js writes it there only. */
  private footerSchema: ArrowSchema | null = null;
  private held: Message | null = null;
  /** Messages read so far: the decoder yields to the event loop every so many. */
  count = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.length;
    if (bytes.length >= 8 && FILE_MAGIC.every((b, i) => bytes[i] === b)) {
      // The file format: magic, padding, the stream's messages, the footer, its length, magic.
      const tail = bytes.length - 10;
      const footer = tail >= 8 ? this.view.getInt32(tail, true) : -1;
      if (!(footer > 0 && tail - footer >= 8 && FILE_MAGIC.every((b, i) => bytes[tail + 4 + i] === b))) {
        fail('it starts like an Arrow file but its footer is missing');
      }
      this.pos = 8;
      this.end = tail - footer;
      const fb = new Fb(bytes.subarray(this.end, tail));
      const root = fb.root();
      const schema = fb.table(root, 1);
      if (schema >= 0) this.footerSchema = readSchema(fb, schema, fb.scalar(root, 0, 'i16', 0));
    }
  }

  next(): Message | null {
    if (this.held) {
      const held = this.held;
      this.held = null;
      return held;
    }
    const message = this.read();
    if (this.footerSchema) {
      const schema = this.footerSchema;
      this.footerSchema = null;
      if (message?.kind !== 'schema') {
        this.held = message;
        return { kind: 'schema', schema };
      }
    }
    return message;
  }

  private read(): Message | null {
    if (this.pos >= this.end) return null;
    let metaLength: number;
    if (this.pos + 4 > this.end) fail('it ends inside a message header');
    const first = this.view.getUint32(this.pos, true);
    if (first === 0xffffffff) {
      if (this.pos + 8 > this.end) fail('it ends inside a message header');
      metaLength = this.view.getInt32(this.pos + 4, true);
      this.pos += 8;
    } else {
      // Streams written before Arrow 0.15 have no continuation marker.
      metaLength = first | 0;
      this.pos += 4;
    }
    if (metaLength === 0) return null;
    if (metaLength < 0 || this.pos + metaLength > this.end) fail('it ends inside a message');
    const fb = new Fb(this.bytes.subarray(this.pos, this.pos + metaLength));
    this.pos += metaLength;
    this.count++;
    const root = fb.root();
    const version = fb.scalar(root, 0, 'i16', 0);
    if (version < 3 || version > 4) fail(`its metadata version V${version + 1} is not V4 or V5`);
    const type = fb.scalar(root, 1, 'u8', 0);
    const header = fb.table(root, 2);
    const bodyLength = fb.scalar(root, 3, 'i64', 0);
    if (!(bodyLength >= 0 && this.pos + bodyLength <= this.end)) fail('it ends inside a message body');
    const body = this.bytes.subarray(this.pos, this.pos + bodyLength);
    this.pos += bodyLength;
    if (header < 0 && type !== 0) fail(`its ${MESSAGE_TYPES[type] ?? 'message'} has no header`);
    switch (type) {
      case SCHEMA:
        return { kind: 'schema', schema: readSchema(fb, header, version) };
      case DICTIONARY: {
        const data = fb.table(header, 1);
        if (data < 0) fail('a dictionary batch has no data');
        return {
          kind: 'dictionary',
          id: fb.scalar(header, 0, 'i64', 0),
          isDelta: fb.bool(header, 2),
          batch: readRecordBatch(fb, data, body),
        };
      }
      case RECORD:
        return { kind: 'record', batch: readRecordBatch(fb, header, body) };
      default:
        return { kind: 'other', type };
    }
  }
}

export const messageTypeName = (type: number) => MESSAGE_TYPES[type] ?? `message type ${type}`;
