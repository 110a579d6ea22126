import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorBody } from '../shared/schemas/errors.js';
import { INGEST_CONTENT_TYPES } from '../shared/schemas/ingest.js';

/** An error a person can act on: the status, a stable code, what happened and how to fix it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, hint: this.hint } };
  }
}

export const errors = {
  unknownWorkspace: (workspace: string) =>
    new ApiError(
      404,
      'unknown_workspace',
      `Workspace "${workspace}" does not exist.`,
      `Create it first with PUT /api/v1/workspaces/${workspace}, or list workspaces with GET /api/v1/workspaces.`,
    ),
  invalidWorkspace: (message: string, hint: string) => new ApiError(400, 'invalid_workspace', message, hint),
  malformedBody: (message: string, hint: string) => new ApiError(400, 'malformed_body', message, hint),
  invalidQuery: (message: string, hint: string) => new ApiError(400, 'invalid_query', message, hint),
  unsupportedMediaType: (got: string | undefined) =>
    new ApiError(
      415,
      'unsupported_media_type',
      `Content-Type "${got ?? '(none)'}" is not an ingest format.`,
      `Send one of: ${INGEST_CONTENT_TYPES.join(', ')}.`,
    ),
  tooLarge: (limitMb: number) =>
    new ApiError(
      413,
      'body_too_large',
      `The request body is larger than ${limitMb} MB.`,
      'Split the data into several requests (each can carry its own Idempotency-Key), or raise MAX_BODY_MB.',
    ),
  queueFull: (retryAfterSeconds: number, queued: number, bound: number) =>
    new ApiError(
      429,
      'queue_full',
      `The ingest queue is full (${queued} of ${bound} rows waiting for the writer).`,
      `Retry after ${retryAfterSeconds} s with the same Idempotency-Key; nothing of this request was stored.`,
      { 'retry-after': String(retryAfterSeconds) },
    ),
  tooManyRows: (rows: number, bound: number) =>
    new ApiError(
      413,
      'too_many_rows',
      `This request holds ${rows} rows, more than the ingest queue bound (${bound}).`,
      'Split it into smaller requests, or raise INGEST_QUEUE_ROWS.',
    ),
  shuttingDown: () =>
    new ApiError(
      503,
      'shutting_down',
      'The hub is shutting down and takes no more writes.',
      'Retry in a few seconds with the same Idempotency-Key.',
      { 'retry-after': '5' },
    ),
  idempotencyConflict: (key: string) =>
    new ApiError(
      422,
      'idempotency_key_reused',
      `Idempotency-Key "${key}" was already used in this workspace with a different body.`,
      'Use a new key for new data; a retry must send exactly the same bytes as the first attempt.',
    ),
  notFound: (what: string, hint: string) => new ApiError(404, 'not_found', `${what} does not exist.`, hint),
};

/** Maps every thrown error to `{ error: { code, message, hint } }`; 5xx details stay in the logs. */
export function installErrorHandler(app: FastifyInstance, maxBodyMb: number): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.status).headers(error.headers).send(error.toBody());
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      return reply
        .code(400)
        .send(
          new ApiError(
            400,
            'invalid_request',
            `Invalid ${where}: ${error.message}`,
            'Check the field named above against the API description at /docs.',
          ).toBody(),
        );
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(errors.tooLarge(maxBodyMb).toBody());
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send(errors.unsupportedMediaType(request.headers['content-type']).toBody());
    }
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return reply
        .code(400)
        .send(errors.malformedBody(error.message, 'Send a valid JSON document.').toBody());
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply
        .code(status)
        .send(
          new ApiError(
            status,
            'internal_error',
            'The server failed to handle this request.',
            'Retry with the same Idempotency-Key; if it persists, the server log has the details.',
          ).toBody(),
        );
    }
    return reply
      .code(status)
      .send(new ApiError(status, error.code ?? 'bad_request', error.message, 'Check the request.').toBody());
  });
}

/** The answer to a route nobody serves (the web plugin sets the one not-found handler). */
export const routeNotFound = (method: string, url: string) =>
  errors.notFound(`Route ${method} ${url}`, 'The API is described at /docs and /openapi.json.');
