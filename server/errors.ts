import type { ErrorBody } from '../shared/schemas/errors.js';
import { CONTENT_ENCODINGS, INGEST_CONTENT_TYPES } from '../shared/schemas/ingest.js';

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

/**
 * A caller's mistake found by a service (a KPI, window or brand that is not there): it names its
 * kind, not an HTTP status, so a scheduler or the live hub can report it in its own terms; the HTTP
 * layer maps the kind to a status once (`toApiError`).
 */
export class DomainError extends Error {
  constructor(
    readonly kind: 'invalid' | 'not_found' | 'unauthenticated' | 'forbidden' | 'unprocessable' | 'too_many',
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const STATUS_OF_KIND: Record<DomainError['kind'], number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  unprocessable: 422,
  too_many: 429,
};

/** The answer a domain error gets over HTTP; a 404 kind may be a 400 where the id came in a body. */
export const toApiError = (error: DomainError, status = STATUS_OF_KIND[error.kind]) =>
  new ApiError(status, error.code, error.message, error.hint);

/** An error the caller can mend (a domain error, or an API error below 500): told, not logged. */
export const isCallerError = (error: unknown): error is DomainError | ApiError =>
  error instanceof DomainError || (error instanceof ApiError && error.status < 500);

/** Domain errors, as services throw them. */
export const faults = {
  invalid: (code: string, message: string, hint: string) => new DomainError('invalid', code, message, hint),
  invalidQuery: (message: string, hint: string) => new DomainError('invalid', 'invalid_query', message, hint),
  notFound: (what: string, hint: string) =>
    new DomainError('not_found', 'not_found', `${what} does not exist.`, hint),
  unknownWorkspace: (workspace: string) =>
    new DomainError(
      'not_found',
      'unknown_workspace',
      `Workspace "${workspace}" does not exist.`,
      `Create it first with PUT /api/v1/workspaces/${workspace}, or list workspaces with GET /api/v1/workspaces.`,
    ),
};

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
  tooLarge: (limitMb: number, decompressed = false) =>
    new ApiError(
      413,
      'body_too_large',
      decompressed
        ? `The request body decompresses to more than ${limitMb} MB.`
        : `The request body is larger than ${limitMb} MB.`,
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
  ingestBusy: (retryAfterSeconds: number, budgetBytes: number) =>
    new ApiError(
      429,
      'ingest_busy',
      `The hub is already reading and storing ${Math.round(budgetBytes / 1048576)} MB of uploads; this one was not read.`,
      `Retry after ${retryAfterSeconds} s with the same Idempotency-Key; nothing of this request was stored. Smaller requests get in sooner (INGEST_INFLIGHT_MB sets the budget).`,
      { 'retry-after': String(retryAfterSeconds) },
    ),
  commitFailed: () =>
    new ApiError(
      503,
      'commit_failed',
      'The database could not store this request right now; nothing of it was stored.',
      'Retry in a few seconds with the same Idempotency-Key; if it keeps failing, the server log says why.',
      { 'retry-after': '5' },
    ),
  bodyTooSlow: (bytes: number, seconds: number, minPerSecond: number) =>
    new ApiError(
      408,
      'body_too_slow',
      `The body arrived too slowly: ${bytes} bytes in the last ${seconds} s, less than ${minPerSecond} bytes a second.`,
      'Send the body at once after the headers (a slow or stalled upload holds server memory), or send smaller requests.',
      { connection: 'close' },
    ),
  requestAborted: () =>
    new ApiError(
      400,
      'request_aborted',
      'The client closed the connection before the body was complete; nothing was stored.',
      'Send the request again with the same Idempotency-Key.',
    ),
  unsupportedEncoding: (got: string) =>
    new ApiError(
      415,
      'unsupported_encoding',
      `Content-Encoding "${got.slice(0, 100)}" is not supported.`,
      `Send the body uncompressed, or with Content-Encoding: ${CONTENT_ENCODINGS.join(', ')}.`,
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
      `Idempotency-Key "${key}" was already used in this workspace with a different body or Content-Type.`,
      'Use a new key for new data; a retry must send exactly the same bytes, with the same Content-Type, as the first attempt.',
    ),
  notFound: (what: string, hint: string) => new ApiError(404, 'not_found', `${what} does not exist.`, hint),
};

/** The answer to a route nobody serves (the web plugin sets the one not-found handler). */
export const routeNotFound = (method: string, url: string) =>
  errors.notFound(`Route ${method} ${url}`, 'The API is described at /docs and /openapi.json.');
