import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { CONTENT_ENCODINGS } from '../../shared/schemas/ingest.js';
import { ApiError, errors } from '../errors.js';
import type { Ticket } from './admission.js';
import { codings, compressionOf, decoderFor } from './content-encoding.js';

// Reading an ingest body: decompressed if it says so (content-encoding.ts), bounded in size and in time, hashed as it
// arrives (for idempotency), its bytes counted against the admission budget as they come.

export interface UploadLimits {
  maxBodyBytes: number;
  /** A body arriving slower than this (bytes a second, over each window) is cut off. */
  minBytesPerSecond: number;
  /** The window over which the rate is judged (the first one starts at the headers). */
  rateWindowMs: number;
}

export interface RawBody {
  bytes: Buffer;
  /** Hex SHA-256 of the decompressed bytes. */
  hash: string;
  mediaType: string;
}

/**
 * Reads the body of `request` (a Fastify content-type parser's payload). Fails with 413 past
 * the limit (decompressed bytes count), 408 below the minimum rate, 429 when its growth passes
 * the admission budget, 400 on an abort or a body that does not decompress.
 */
export function readUpload(
  request: IncomingMessage,
  payload: Readable,
  mediaType: string,
  ticket: Ticket | undefined,
  limits: UploadLimits,
): Promise<RawBody> {
  return new Promise<RawBody>((resolve, reject) => {
    const list = codings(request.headers['content-encoding']);
    let stream: Readable = payload;
    // Codings are listed in the order they were applied: undo the last first.
    for (const coding of [...list].reverse()) stream = stream.pipe(decoderFor(coding, limits.maxBodyBytes));

    const hash = createHash('sha256');
    // A declared, uncompressed length: one buffer filled as chunks arrive (no 50 MB copy at the end).
    const declared = Number(request.headers['content-length']);
    let whole =
      list.length === 0 && Number.isInteger(declared) && declared > 0 && declared <= limits.maxBodyBytes
        ? Buffer.allocUnsafe(declared)
        : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let wire = 0;
    let settled = false;
    let windowStart = Date.now();
    let windowWire = 0;

    const finish = (error: ApiError | null, body?: RawBody) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      payload.removeListener('data', onWire);
      if (error) {
        chunks.length = 0;
        whole = undefined;
        // Whatever is still coming is read and dropped, so the answer can go out on this connection.
        payload.resume();
        if (stream !== payload) stream.destroy();
        reject(error);
      } else resolve(body!);
    };

    const onWire = (chunk: Buffer) => {
      wire += chunk.length;
      windowWire += chunk.length;
    };
    payload.on('data', onWire);

    const timer = setInterval(
      () => {
        const now = Date.now();
        if (now - windowStart < limits.rateWindowMs) return;
        const seconds = (now - windowStart) / 1000;
        if (windowWire < limits.minBytesPerSecond * seconds) {
          // Answered with Connection: close; a client that does not read its answer loses the socket.
          finish(errors.bodyTooSlow(windowWire, Math.round(seconds), limits.minBytesPerSecond));
          setTimeout(() => request.socket.destroy(), 1000).unref();
          return;
        }
        windowStart = now;
        windowWire = 0;
      },
      Math.min(1000, limits.rateWindowMs),
    );
    timer.unref();

    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limits.maxBodyBytes) {
        finish(errors.tooLarge(Math.round(limits.maxBodyBytes / 1048576), list.length > 0));
        return;
      }
      try {
        ticket?.grow(size);
      } catch (error) {
        finish(error as ApiError);
        return;
      }
      hash.update(chunk);
      if (whole && size <= whole.length) chunk.copy(whole, size - chunk.length);
      else {
        // Longer than declared (Node stops that, but not a proxy in between): collect instead.
        if (whole) chunks.push(whole.subarray(0, size - chunk.length));
        whole = undefined;
        chunks.push(chunk);
      }
    });
    stream.on('end', () => {
      if (settled) return;
      const bytes = whole ? whole.subarray(0, size) : Buffer.concat(chunks, size);
      if (list.length === 0) {
        const compressed = compressionOf(bytes);
        if (compressed) {
          finish(
            errors.malformedBody(
              `The body is ${compressed}-compressed but the request has no Content-Encoding header.`,
              `Add Content-Encoding: ${compressed} (supported: ${CONTENT_ENCODINGS.join(', ')}), or send the body uncompressed.`,
            ),
          );
          return;
        }
      }
      finish(null, { bytes, hash: hash.digest('hex'), mediaType });
    });
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof ApiError) return finish(error);
      if (
        stream !== payload &&
        !request.destroyed &&
        (request.complete || wire > 0) &&
        error.code !== 'ECONNRESET'
      ) {
        return finish(
          errors.malformedBody(
            `The body does not decompress as ${list.join(', ')}: ${error.message}.`,
            'Check the Content-Encoding header against how the body was compressed.',
          ),
        );
      }
      finish(errors.requestAborted());
    });
    request.on('aborted', () => finish(errors.requestAborted()));
    request.on('close', () => {
      if (!request.complete) finish(errors.requestAborted());
    });
  });
}

/**
 * After an early answer (a refusal before or while reading), Node reads and drops the rest of
 * the body to keep the connection: a client that stops sending would hold it until the request
 * timeout. Below the minimum rate, the connection is closed instead.
 */
export function watchRest(request: IncomingMessage, limits: UploadLimits): void {
  if (request.complete || request.destroyed) return;
  let bytes = 0;
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const timer = setInterval(() => {
    if (bytes < (limits.minBytesPerSecond * limits.rateWindowMs) / 1000) request.socket.destroy();
    bytes = 0;
  }, limits.rateWindowMs);
  timer.unref();
  const stop = () => clearInterval(timer);
  request.once('end', stop);
  request.once('close', stop);
}
