// Compressed Arrow IPC buffers (LZ4_FRAME, ZSTD), decompressed to exactly the length each buffer
// declares and never past it: the decoder checks declared lengths against its budget first.
//
// LZ4: a frame decoder of our own, checked at every step (lz4js 0.2.0, which the tests compare it
// with, writes past its output silently and lets a crafted block spin for 255 bytes of output per
// input byte). ZSTD: fzstd 0.1.1 into an output buffer of the declared length, allocated here
// (fzstd would size its own from the frame header, up to 2 GB).
import { CompressionType, compressionRegistry } from 'apache-arrow';
import { decompress as zstdDecompress } from 'fzstd';

export class CompressionError extends Error {}

const fail = (message: string): never => {
  throw new CompressionError(message);
};

export const CODEC_NAMES: Record<number, string> = { 0: 'LZ4_FRAME', 1: 'ZSTD' };

const LZ4_MAGIC = 0x184d2204;

const u32 = (b: Uint8Array, p: number) => {
  if (p + 4 > b.length) fail('the LZ4 frame is cut short');
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
};

/** One LZ4 block into `out` from `d`; returns the new end of the output. */
function lz4Block(src: Uint8Array, s: number, end: number, out: Uint8Array, d: number): number {
  const limit = out.length;
  while (s < end) {
    const token = src[s++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (s >= end) fail('an LZ4 block is cut short');
        b = src[s++]!;
        literals += b;
      } while (b === 255);
    }
    if (s + literals > end) fail('an LZ4 block is cut short');
    if (d + literals > limit) fail('an LZ4 block decompresses past its declared length');
    if (literals > 16) out.set(src.subarray(s, s + literals), d);
    else for (let k = 0; k < literals; k++) out[d + k] = src[s + k]!;
    s += literals;
    d += literals;
    if (s >= end) break; // the last sequence has literals only
    if (s + 2 > end) fail('an LZ4 block is cut short');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) fail('an LZ4 match points before the start of its buffer');
    let match = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (s >= end) fail('an LZ4 block is cut short');
        b = src[s++]!;
        match += b;
      } while (b === 255);
    }
    if (d + match > limit) fail('an LZ4 block decompresses past its declared length');
    if (offset >= match) out.copyWithin(d, d - offset, d - offset + match);
    else for (let k = 0; k < match; k++) out[d + k] = out[d - offset + k]!;
    d += match;
  }
  return d;
}

/** An LZ4 frame (or several, and skippable frames) decompressed to exactly `length` bytes. */
export function lz4Decompress(src: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = 0;
  let d = 0;
  while (s < src.length) {
    const magic = u32(src, s);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      s += 8 + u32(src, s + 4);
      continue;
    }
    if (magic !== LZ4_MAGIC) fail('an LZ4_FRAME buffer does not start with the LZ4 frame magic number');
    if (s + 7 > src.length) fail('the LZ4 frame is cut short');
    const flags = src[s + 4]!;
    if (flags >>> 6 !== 1) fail('the LZ4 frame version is not 01');
    if (flags & 1) fail('the LZ4 frame needs a dictionary');
    s += 6 + (flags & 8 ? 8 : 0) + 1; // descriptor, content size, header checksum
    const blockChecksum = (flags & 16) !== 0;
    for (;;) {
      const word = u32(src, s);
      s += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (s + size > src.length) fail('an LZ4 block is cut short');
      if (word & 0x80000000) {
        if (d + size > length) fail('an LZ4 block decompresses past its declared length');
        out.set(src.subarray(s, s + size), d);
        d += size;
      } else {
        d = lz4Block(src, s, s + size, out, d);
      }
      s += size + (blockChecksum ? 4 : 0);
    }
    if (flags & 4) s += 4; // content checksum
  }
  if (d !== length) fail(`an LZ4_FRAME buffer decompresses to ${d} bytes, not the ${length} it declares`);
  return out;
}

/** The content size a zstd frame header declares, or -1 when it has none. */
function zstdContentSize(src: Uint8Array): number {
  if (src.length < 6 || src[0] !== 0x28 || src[1] !== 0xb5 || src[2] !== 0x2f || src[3] !== 0xfd) {
    fail('a ZSTD buffer does not start with the zstd frame magic number');
  }
  const flags = src[4]!;
  const single = (flags >>> 5) & 1;
  const fcsFlag = flags >>> 6;
  const dictBytes = [0, 1, 2, 4][flags & 3]!;
  const sizeBytes = fcsFlag === 0 ? single : 1 << fcsFlag;
  if (sizeBytes === 0) return -1;
  let p = 5 + (single ? 0 : 1) + dictBytes;
  if (p + sizeBytes > src.length) fail('the zstd frame header is cut short');
  let size = 0;
  for (let k = sizeBytes - 1; k >= 0; k--) size = size * 256 + src[p + k]!;
  p += sizeBytes;
  return sizeBytes === 2 ? size + 256 : size;
}

function zstdDecompressTo(src: Uint8Array, length: number): Uint8Array {
  const declared = zstdContentSize(src);
  if (declared >= 0 && declared !== length) {
    fail(`a ZSTD buffer's frame holds ${declared} bytes, not the ${length} its buffer declares`);
  }
  // A fresh buffer: its data starts at offset 0, so typed views over it are aligned.
  const out = new Uint8Array(length);
  try {
    zstdDecompress(src, out);
  } catch (error) {
    fail(`a ZSTD buffer cannot be decompressed (${(error as Error).message})`);
  }
  return out;
}

export function decompress(codec: number, src: Uint8Array, length: number): Uint8Array {
  if (length === 0) return new Uint8Array(0);
  return codec === 0 ? lz4Decompress(src, length) : zstdDecompressTo(src, length);
}

// apache-arrow's own reader (RecordBatchReader, tableFromIPC) gets the same codecs, for code and
// tests that read compressed streams through it. arrow-js 21.2 hands `decode` the bytes after a
// buffer's 8-byte length prefix, as a view of the message body: the prefix is just before them.
const PER_BUFFER_LIMIT = 1 << 30;
function declaredLength(bytes: Uint8Array): number {
  if (bytes.byteOffset < 8) fail('the buffer length prefix is missing');
  const view = new DataView(bytes.buffer, bytes.byteOffset - 8, 8);
  const length = view.getInt32(4, true) * 4294967296 + view.getUint32(0, true);
  if (!(length >= 0 && length <= PER_BUFFER_LIMIT)) fail(`a buffer declares ${length} bytes`);
  return length;
}
compressionRegistry.set(CompressionType.LZ4_FRAME, {
  decode: (bytes) => lz4Decompress(bytes, declaredLength(bytes)),
});
compressionRegistry.set(CompressionType.ZSTD, {
  decode: (bytes) => zstdDecompressTo(bytes, declaredLength(bytes)),
});
