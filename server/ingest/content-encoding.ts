import { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { CONTENT_ENCODINGS } from '../../shared/schemas/ingest.js';
import { ApiError, errors } from '../errors.js';

// Content-Encoding of ingest bodies: gzip, deflate and br through zlib, zstd through fzstd (Node
// 20's zlib has none), each a stream the body is piped through.

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC = [0x1f, 0x8b];

const startsWith = (bytes: Buffer, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/** The Content-Encoding header as a list of codings, outermost last (RFC 9110 §8.4). */
export function codings(header: string | undefined): string[] {
  if (!header) return [];
  const list = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  for (const c of list) {
    if (!(CONTENT_ENCODINGS as readonly string[]).includes(c) && c !== 'x-gzip') {
      throw errors.unsupportedEncoding(header);
    }
  }
  return list;
}

/** Checked before reading: an unknown coding is refused with the headers. */
export function checkEncoding(header: string | undefined): void {
  codings(header);
}

/** zstd through fzstd (Node 20's zlib has no zstd), as a Transform. */
function zstdStream(maxBytes: number): Transform {
  let first = true;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        if (first) {
          first = false;
          checkZstdWindow(chunk, maxBytes);
        }
        decoder.push(chunk);
        callback();
      } catch (error) {
        callback(zstdError(error));
      }
    },
    flush(callback) {
      try {
        decoder.push(new Uint8Array(0), true);
        callback();
      } catch (error) {
        callback(zstdError(error));
      }
    },
  });
  // fzstd may hand out views of its window: copy before they are overwritten.
  const decoder = new ZstdDecompress((data) => transform.push(Buffer.from(data)));
  return transform;
}

const zstdError = (error: unknown) =>
  error instanceof ApiError
    ? error
    : errors.malformedBody(
        `The body is not valid zstd: ${(error as Error).message}.`,
        'Compress it with a standard zstd library, or drop Content-Encoding: zstd.',
      );

/** A frame declaring a window larger than the body limit would allocate it up front: refuse it. */
function checkZstdWindow(head: Buffer, maxBytes: number): void {
  if (head.length < 6 || !startsWith(head, ZSTD_MAGIC)) return;
  const flags = head[4]!;
  const singleSegment = (flags >> 5) & 1;
  const contentSizeFlag = flags >> 6;
  let window: number;
  if (singleSegment) {
    const dictBytes = [0, 1, 2, 4][flags & 3]!;
    const at = 5 + dictBytes;
    const sizeBytes = contentSizeFlag ? 1 << contentSizeFlag : 1;
    window = 0;
    for (let k = sizeBytes - 1; k >= 0; k--) window = window * 256 + (head[at + k] ?? 0);
    if (contentSizeFlag === 1) window += 256;
  } else {
    const descriptor = head[5]!;
    const base = 2 ** (10 + (descriptor >> 3));
    window = base + (base / 8) * (descriptor & 7);
  }
  if (window > maxBytes) throw errors.tooLarge(Math.round(maxBytes / 1048576), true);
}

export function decoderFor(coding: string, maxBytes: number): Transform {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return zstdStream(maxBytes);
  }
}

/** A known compression the bytes start with (a body sent without its Content-Encoding). */
export function compressionOf(bytes: Buffer): 'gzip' | 'zstd' | '' {
  return startsWith(bytes, GZIP_MAGIC) ? 'gzip' : startsWith(bytes, ZSTD_MAGIC) ? 'zstd' : '';
}
