import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../../shared/schemas/errors.js';
import { INGEST_CONTENT_TYPES, IngestQuery, IngestResult } from '../../shared/schemas/ingest.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { ApiError, errors } from '../errors.js';
import { parseWindow, splitList } from '../http/query.js';
import type { ReplaceScope } from './validate.js';

interface RawBody {
  bytes: Buffer;
  hash: string;
  mediaType: string;
}

const mediaTypeOf = (header: string | undefined) => header?.split(';')[0]?.trim().toLowerCase() ?? '';

export interface IngestRouteOptions {
  maxBodyMb: number;
}

/**
 * POST .../events. The body is read as raw bytes (hashed while it streams in, for idempotency)
 * and decoded by the service; this encapsulated context replaces Fastify's own parsers.
 */
export const ingestRoutes: FastifyPluginAsyncTypebox<IngestRouteOptions> = async (app, options) => {
  const limit = options.maxBodyMb * 1024 * 1024;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const mediaType = mediaTypeOf(request.headers['content-type']);
    if (!(INGEST_CONTENT_TYPES as readonly string[]).includes(mediaType)) {
      done(errors.unsupportedMediaType(request.headers['content-type']), undefined);
      payload.resume();
      return;
    }
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      done(errors.tooLarge(options.maxBodyMb), undefined);
      payload.resume();
      return;
    }
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    payload.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        done(errors.tooLarge(options.maxBodyMb), undefined);
        return;
      }
      hash.update(chunk);
      chunks.push(chunk);
    });
    payload.on('end', () => {
      if (!failed)
        done(null, {
          bytes: Buffer.concat(chunks, size),
          hash: hash.digest('hex'),
          mediaType,
        } satisfies RawBody);
    });
    payload.on('error', (err) => {
      if (!failed) done(err, undefined);
    });
  });

  app.post(
    '/api/v1/workspaces/:workspace/events',
    {
      // Refuse an unknown workspace or a full queue before reading what may be a 64 MB body.
      onRequest: async (request) => {
        app.workspaces.require((request.params as { workspace: string }).workspace);
        app.ingest.writer.checkCapacity();
      },
      schema: {
        tags: ['ingest'],
        summary: 'Ingest touchpoint events',
        description: [
          `Body: ${INGEST_CONTENT_TYPES.join(', ')}. One event = ts, brand, touchpoint, source, metric, value.`,
          'Valid rows are stored and rejected rows quarantined; the answer comes after the commit.',
          'Idempotency-Key: a retry with the same key and bytes returns the first answer (Idempotent-Replayed: true).',
          'Corrections: replace=true&source=&from=&to= (optionally brand=, metric=) replaces those rows in [from, to).',
        ].join(' '),
        params: WorkspaceParams,
        querystring: IngestQuery,
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        }),
        response: {
          200: IngestResult,
          400: ErrorBody,
          404: ErrorBody,
          413: ErrorBody,
          415: ErrorBody,
          422: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const workspace = app.workspaces.require(request.params.workspace);
      const body = request.body as RawBody | undefined;
      if (!body) throw errors.unsupportedMediaType(request.headers['content-type']);
      const replace = request.query.replace
        ? replaceScope(request.query, app.ingest.replaceFloorMs())
        : undefined;
      const outcome = await app.ingest.ingest({
        workspace,
        mediaType: body.mediaType,
        body: body.bytes,
        bodyHash: replace ? `${body.hash}:${JSON.stringify(replace)}` : body.hash,
        idempotencyKey: request.headers['idempotency-key'],
        replace,
      });
      if (outcome.replayed) reply.header('idempotent-replayed', 'true');
      return outcome.result;
    },
  );
};

function replaceScope(query: IngestQuery, floorMs: number): ReplaceScope {
  if (!query.source || !query.from || !query.to) {
    throw errors.invalidQuery(
      'A correction (replace=true) needs source, from and to.',
      'Example: ?replace=true&source=google&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z',
    );
  }
  const { fromMs, toMs } = parseWindow(query.from, query.to);
  if (fromMs < floorMs) {
    throw new ApiError(
      400,
      'outside_retention',
      `"from" (${query.from}) is older than the raw retention (RAW_RETENTION_DAYS) allows correcting.`,
      `Correct windows from ${new Date(floorMs).toISOString()} on.`,
    );
  }
  return {
    source: query.source,
    fromMs,
    toMs,
    brands: splitList(query.brand),
    metrics: splitList(query.metric),
  };
}
