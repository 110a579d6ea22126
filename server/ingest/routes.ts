import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  CONTENT_ENCODINGS,
  INGEST_CONTENT_TYPES,
  IngestQuery,
  IngestResult,
  MAX_ID_LENGTH,
} from '../../shared/schemas/ingest.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { ApiError, errors, isCallerError } from '../errors.js';
import { ARROW_STREAM } from '../http/arrow-reply.js';
import { answer, failure, RETRY_AFTER, withDocumentedBody } from '../http/openapi.js';
import { parseWindow, splitList } from '../http/query.js';
import { closeIfBodyIsLarge } from '../http/unread-body.js';
import { isAdmissionError, type Ticket } from './admission.js';
import { checkEncoding } from './content-encoding.js';
import { type RawBody, readUpload, type UploadLimits, watchRest } from './upload.js';
import type { ReplaceScope } from './validate.js';

const mediaTypeOf = (header: string | undefined) => header?.split(';')[0]?.trim().toLowerCase() ?? '';

const EventDoc = Type.Object({
  ts: Type.Union(
    [Type.String({ format: 'date-time' }), Type.Integer({ description: 'epoch milliseconds' })],
    {
      description: 'ISO 8601 with an offset or Z, or epoch milliseconds',
    },
  ),
  brand: Type.String({ maxLength: MAX_ID_LENGTH, description: 'a brand of the workspace’s set' }),
  touchpoint: Type.String({ description: 'search, site, social, media or viral' }),
  source: Type.String({ pattern: '^[a-z0-9_-]{1,64}$' }),
  metric: Type.String({
    maxLength: MAX_ID_LENGTH,
    description: 'a metric of the touchpoint (GET …/metrics)',
  }),
  value: Type.Number({ description: 'finite, of magnitude at most 10^15' }),
});

/**
 * The bodies ingest takes, for /docs only: the route reads its body as bytes and the decoders
 * judge each row (a bad row is quarantined, not a 400), so Fastify never validates against this.
 */
const EventsBodyDoc = {
  content: {
    'application/json': {
      schema: Type.Union([Type.Array(EventDoc), Type.Object({ events: Type.Array(EventDoc) })]),
    },
    'application/x-ndjson': {
      schema: Type.String({ description: 'one event object a line; blank lines are skipped' }),
    },
    'text/csv': {
      schema: Type.String({
        description: 'RFC 4180, a header row with the six column names in any order, then one event a record',
      }),
    },
    [ARROW_STREAM]: {
      schema: Type.String({
        format: 'binary',
        description:
          'an Arrow IPC stream (or file) with columns ts, brand, touchpoint, source, metric, value',
      }),
    },
  },
};

export interface IngestRouteOptions {
  maxBodyMb: number;
  upload: Omit<UploadLimits, 'maxBodyBytes'>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The admission of an ingest request: its share of the budgets until it is answered. */
    ingestTicket?: Ticket;
  }
}

/**
 * POST .../events. The body is read as raw bytes (decompressed, hashed while it streams in, for
 * idempotency) and decoded by the service; this encapsulated context replaces Fastify's parsers.
 */
export const ingestRoutes: FastifyPluginAsyncTypebox<IngestRouteOptions> = async (app, options) => {
  const limits: UploadLimits = { ...options.upload, maxBodyBytes: options.maxBodyMb * 1024 * 1024 };
  app.decorateRequest('ingestTicket', undefined);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const mediaType = mediaTypeOf(request.headers['content-type']);
    readUpload(request.raw, payload, mediaType, request.ingestTicket, limits).then(
      (body) => done(null, body),
      (error: unknown) => {
        // The body never arrived whole: nothing will hold it.
        request.ingestTicket?.release();
        done(error as ApiError, undefined);
      },
    );
  });
  // Answered without reaching the handler (a bad query string, say): the budget is free again;
  // answered before the body was read: what is left of it must come at a decent rate.
  app.addHook('onResponse', async (request) => {
    request.ingestTicket?.release();
    watchRest(request.raw, limits);
  });

  /** Refuses what cannot be taken before its body is read, or admits it under the budgets. */
  const admit = async (request: FastifyRequest) => {
    const workspace = app.workspaces.require((request.params as { workspace: string }).workspace);
    const mediaType = mediaTypeOf(request.headers['content-type']);
    if (!(INGEST_CONTENT_TYPES as readonly string[]).includes(mediaType)) {
      throw errors.unsupportedMediaType(request.headers['content-type']);
    }
    checkEncoding(request.headers['content-encoding']);
    const declared = request.headers['content-length'];
    const length = declared === undefined ? undefined : Number(declared);
    if (length !== undefined && length > limits.maxBodyBytes) throw errors.tooLarge(options.maxBodyMb);
    // A compressed body's length says little of its decompressed size: it is counted as it grows.
    try {
      request.ingestTicket = app.ingest.gate.admit(mediaType, length);
    } catch (error) {
      // Refused for want of room: a retry of a request already stored needs none.
      const key = request.headers['idempotency-key'];
      if (
        !isAdmissionError(error) ||
        typeof key !== 'string' ||
        !(await app.ingest.idempotency.stored(workspace.key, key))
      )
        throw error;
      request.ingestTicket = app.ingest.gate.admit(mediaType, length, { replay: true });
    }
  };

  app.post(
    '/api/v1/workspaces/:workspace/events',
    {
      // Refused before reading what may be a 64 MB body: an unknown workspace, an unknown format
      // or coding, a body over the limit, or budgets that are spent (429 with Retry-After).
      onRequest: async (request, reply) => {
        try {
          await admit(request);
        } catch (error) {
          // A body left unread goes with the connection: the client stops sending it at once
          // (a large one would otherwise be read to the end, only to be dropped).
          if (isCallerError(error)) closeIfBodyIsLarge(request, reply);
          throw error;
        }
      },
      config: {
        swaggerTransform: withDocumentedBody(EventsBodyDoc),
        // An admin, or a key with the ingest scope; only corrections are changes worth an entry.
        access: 'ingest',
        audit: {
          action: 'events.correct',
          when: (request) => (request.query as IngestQuery).replace === true,
          summary: (request) => {
            const { source, from, to, brand, metric } = request.query as IngestQuery;
            const only = [brand && `brand ${brand}`, metric && `metric ${metric}`].filter(Boolean).join(', ');
            return `replaced source ${source} from ${from} to ${to}${only ? ` (${only})` : ''}`;
          },
        },
      },
      schema: {
        tags: ['ingest'],
        operationId: 'ingestEvents',
        summary: 'Ingest touchpoint events',
        description: [
          `Body: ${INGEST_CONTENT_TYPES.join(', ')}, optionally with Content-Encoding ${CONTENT_ENCODINGS.join(', ')}. One event = ts, brand, touchpoint, source, metric, value.`,
          'Valid rows are stored and rejected rows quarantined with their reason (a rejected row is not an error of the request: the answer counts and lists them); the answer comes after the commit, once the rollups are updated.',
          'A busy hub answers 429 (ingest_busy, queue_full) with Retry-After before reading the body.',
          'Idempotency-Key: a retry with the same key and bytes returns the first answer (Idempotent-Replayed: true); a retry of a request already stored is admitted however busy the hub is.',
          'Corrections: replace=true&source=&from=&to= (optionally brand=, metric=) replaces those rows in [from, to).',
        ].join(' '),
        params: WorkspaceParams,
        querystring: IngestQuery,
        headers: Type.Object({
          'idempotency-key': Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description:
                'chosen by the client per request; a retry with the same key and body returns the first answer',
            }),
          ),
        }),
        response: {
          200: {
            ...answer(
              IngestResult,
              'Committed: rows accepted, rows rejected, and the first problem of each rejected row.',
            ),
            headers: {
              'idempotent-replayed': Type.String({
                description:
                  '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
              }),
            },
          },
          400: failure(
            'The body cannot be read as its Content-Type says (not JSON, a CSV without the header, a damaged Arrow stream, a compressed body without Content-Encoding), the client closed the connection before the body was complete, or the query is not valid (a correction without source, from and to, from older than the raw retention) (`malformed_body`, `request_aborted`, `invalid_query`, `outside_retention`, `invalid_request`).',
          ),
          404: failure('The workspace does not exist (`unknown_workspace`); the body is not read.'),
          408: failure(
            'The body arrived too slowly (`body_too_slow`); the connection is closed and nothing was stored.',
          ),
          413: failure(
            'The body (or what it decompresses to) is larger than MAX_BODY_MB, or holds more rows than the ingest queue takes (`body_too_large`, `too_many_rows`).',
          ),
          415: failure(
            `The Content-Type is not one of ${INGEST_CONTENT_TYPES.join(', ')}, or the Content-Encoding is not one of ${CONTENT_ENCODINGS.join(', ')} ` +
              '(`unsupported_media_type`, `unsupported_encoding`); the body is not read.',
          ),
          422: failure(
            'The Idempotency-Key was already used in this workspace with a different body or Content-Type (`idempotency_key_reused`).',
          ),
          429: failure(
            'The hub is already reading as many uploads as its budget allows, or its queue of rows is full (`ingest_busy`, `queue_full`): nothing was read or stored. Retry after Retry-After seconds with the same Idempotency-Key.',
            RETRY_AFTER,
          ),
          503: failure(
            'The hub is shutting down, or the database could not store the rows (`shutting_down`, `commit_failed`): nothing was stored. Retry after Retry-After seconds with the same Idempotency-Key.',
            RETRY_AFTER,
          ),
        },
      },
    },
    async (request, reply) => {
      const ticket = request.ingestTicket;
      ticket?.hold();
      try {
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
          // A retry must send the same bytes, as the same format, for the same correction.
          bodyHash: `${body.hash}${replace ? `:${JSON.stringify(replace)}` : ''}|${body.mediaType}`,
          idempotencyKey: request.headers['idempotency-key'],
          replace,
          ticket,
        });
        if (outcome.replayed) reply.header('idempotent-replayed', 'true');
        return outcome.result;
      } finally {
        ticket?.unhold();
      }
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
