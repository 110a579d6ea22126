import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, DomainError, errors, toApiError } from '../errors.js';
import { validationMessage } from './validation-message.js';

// Every answer the hub gives, its own or Fastify's and Node's (a bad URL, a timeout, headers too
// large), has the one shape `{ error: { code, message, hint } }`.

/** Bodies of the JSON routes (workspaces, KPIs, objectives …): ingest has its own reader and limit. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/** Codes a client causes by leaving or stalling: not a fault of the hub, so not logged as errors. */
const CLIENT_GONE = new Set(['request_aborted', 'body_too_slow']);

const internal = (status: number, requestId: string) =>
  new ApiError(
    status,
    'internal_error',
    'The hub failed to handle this request.',
    `This is a fault of the hub, not of the request: sending it again unchanged will likely fail the same way. Report it with request id ${requestId} (the server log has the details).`,
  );

/** Maps every thrown error to `{ error: { code, message, hint } }`; 5xx details stay in the logs. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((thrown: FastifyError | ApiError | DomainError, request, reply) => {
    const error = thrown instanceof DomainError ? toApiError(thrown) : thrown;
    if (error instanceof ApiError) {
      if (CLIENT_GONE.has(error.code)) request.log.info({ code: error.code }, error.message);
      else if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.code(error.status).headers(error.headers).send(error.toBody());
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      const message =
        validationMessage(error.validation, {
          part: where,
          schema: (request.routeOptions.schema as Record<string, unknown> | undefined)?.[where],
          data: where === 'querystring' ? request.query : request[where as 'body' | 'params' | 'headers'],
        }) || `Invalid ${where}: ${error.message}`;
      return reply
        .code(400)
        .send(
          new ApiError(
            400,
            'invalid_request',
            message,
            'Check the field named above against the API description at /docs.',
          ).toBody(),
        );
    }
    const known = fastifyError(error);
    if (known) return reply.code(known.status).send(known.toBody());
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send(internal(status, request.id).toBody());
    }
    return reply
      .code(status)
      .send(new ApiError(status, error.code ?? 'bad_request', error.message, 'Check the request.').toBody());
  });
}

/** Fastify's own errors, in words a person can act on. */
function fastifyError(error: FastifyError): ApiError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        413,
        'body_too_large',
        `The request body is larger than ${JSON_BODY_LIMIT / 1024 / 1024} MB, the most this route takes.`,
        'Send only the fields this route describes at /docs (event data goes to POST …/events, which takes more).',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        415,
        'unsupported_media_type',
        'This route takes application/json bodies.',
        'Send the body as JSON with Content-Type: application/json.',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(
        400,
        'invalid_content_length',
        'The Content-Length header does not match the body that was sent.',
        'Let the HTTP client set Content-Length, or send the body chunked.',
      );
    default:
      return undefined;
  }
}

/**
 * JSON bodies of the API routes: JSON.parse's own message (with its position) when it is not
 * JSON, and a named refusal of `__proto__` and `constructor.prototype` keys, which could alter
 * objects' prototypes downstream.
 */
export function parseJsonBody(
  _request: FastifyRequest,
  body: string,
  done: (err: Error | null, value?: unknown) => void,
) {
  if (body.length === 0) {
    done(
      errors.malformedBody(
        'The body is empty but Content-Type says application/json.',
        'Send a JSON document, or no Content-Type header.',
      ),
    );
    return;
  }
  try {
    done(
      null,
      JSON.parse(body, (key, value: unknown) => {
        if (
          key === '__proto__' ||
          (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value)
        ) {
          throw new ForbiddenKey(key === '__proto__' ? '__proto__' : 'constructor.prototype');
        }
        return value;
      }),
    );
  } catch (error) {
    if (error instanceof ForbiddenKey) {
      done(
        errors.malformedBody(
          `The JSON body holds a "${error.key}" key, which is refused: it could change how the server reads every object.`,
          'Remove that key; no field of this API is named so.',
        ),
      );
      return;
    }
    done(
      errors.malformedBody(
        `The body is not valid JSON: ${(error as Error).message}.`,
        'Send a valid JSON document.',
      ),
    );
  }
}

class ForbiddenKey extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

/** Router errors (a URL that is not one), answered in the API's shape. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const answer =
    error.code === 'FST_ERR_BAD_URL'
      ? new ApiError(
          400,
          'bad_url',
          'The URL is not valid: a "%" must start an escape such as %20.',
          'Percent-encode the path (encodeURIComponent in JavaScript, urllib.parse.quote in Python).',
        )
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new ApiError(
            414,
            'url_too_long',
            'A part of the URL path is longer than 200 characters; no id of this API is.',
            'Check the URL: ids (workspaces, KPIs, brands …) have at most 64 characters.',
          )
        : internal(500, request.id);
  if (answer.status >= 500) request.log.error({ err: error }, 'router failed');
  void reply.code(answer.status).send(answer.toBody());
}

/** Node's own refusals (before Fastify sees a request): a timeout, headers too large, not HTTP. */
export function clientErrorHandler(
  this: FastifyInstance,
  error: NodeJS.ErrnoException,
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new ApiError(
          408,
          'request_timeout',
          'The request took longer to arrive than the hub waits (REQUEST_TIMEOUT_MS).',
          'Send smaller requests, or send the body at once after the headers.',
        )
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new ApiError(
            431,
            'headers_too_large',
            'The request headers are larger than 16 KB.',
            'Send fewer or shorter headers (cookies included).',
          )
        : new ApiError(
            400,
            'bad_request',
            `The request is not valid HTTP/1.1 (${error.code ?? 'unreadable'}).`,
            'Check Content-Length and Transfer-Encoding; use a standard HTTP client.',
          );
  this.log.debug({ err: error }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(answer.toBody());
    socket.write(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
