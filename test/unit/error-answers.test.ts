import Fastify, { type FastifyBaseLogger } from 'fastify';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../shared/schemas/errors.js';
import type { Database } from '../../server/db/database.js';
import { ApiError } from '../../server/errors.js';
import { installErrorHandler } from '../../server/http/error-handler.js';
import { SeriesDictionary } from '../../server/rollups/series-ids.js';
import type { RollupService } from '../../server/rollups/service.js';
import { type WriteJob, Writer } from '../../server/ingest/writer.js';
import type { WorkspaceState } from '../../server/workspaces/service.js';

// A 500 says "retry" only when a retry can succeed: a request the hub failed on for what it holds
// will fail the same way; a commit the database could not make right now may pass later.

const quiet = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
} as unknown as FastifyBaseLogger;

describe('the answer to a fault of the hub', () => {
  it('an unexpected failure is a 500 that does not invite a retry and names the request id', async () => {
    const app = Fastify({ logger: false });
    installErrorHandler(app);
    app.get('/boom', async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    });
    const response = await app.inject({ method: 'GET', url: '/boom' });
    const body = response.json<ErrorBody>();
    expect(response.statusCode).toBe(500);
    expect(body.error.code).toBe('internal_error');
    expect(body.error.message).not.toContain('undefined');
    expect(body.error.hint).not.toMatch(/^Retry/);
    expect(body.error.hint).toContain('fail the same way');
    expect(body.error.hint).toMatch(/request id req-\d+/);
    await app.close();
  });

  it('a commit the database refused is a 503 with Retry-After that says to retry with the same key', async () => {
    const failing = {
      write: async () => {
        throw new Error('IO Error: No space left on device');
      },
      read: async () => ({ id: '0' }),
    } as unknown as Database;
    const writer = new Writer(
      failing,
      {} as unknown as RollupService,
      new SeriesDictionary(),
      { get: () => undefined },
      { queueRows: 1000, maxCommitRows: 1000 },
      quiet,
      { committed: () => undefined, queueDepth: () => undefined },
    );
    const job: WriteJob = {
      workspace: { id: 'w', key: 1 } as WorkspaceState,
      accepted: {
        length: 1,
        keys: [{ brand: 'a', touchpoint: 'site', source: 'web', metric: 'visits' }],
        keyIndex: new Int32Array(1),
        ts: new Float64Array([Date.parse('2026-03-10T10:00:00Z')]),
        value: new Float64Array([1]),
      },
      rejected: [],
      rawText: () => ({ text: '{}', cut: false }),
      format: 'json',
      response: { accepted: 1, rejected: 0, errors: [] },
    };
    const error = await writer.write(job).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    const api = error as ApiError;
    expect({ status: api.status, code: api.code, retryAfter: api.headers['retry-after'] }).toEqual({
      status: 503,
      code: 'commit_failed',
      retryAfter: '5',
    });
    expect(api.hint).toMatch(/^Retry .*same Idempotency-Key/);
    expect(api.message).toContain('nothing of it was stored');
  });
});

describe('the answer to a request its route schema refuses', () => {
  const refuse = async (schema: Record<string, unknown>, request: { url: string; body?: unknown }) => {
    const app = Fastify({ logger: false, ajv: { customOptions: { coerceTypes: true, useDefaults: true } } });
    installErrorHandler(app);
    app.post('/thing', { schema }, async () => ({ ok: true }));
    const response = await app.inject({
      method: 'POST',
      url: request.url,
      ...(request.body === undefined ? {} : { payload: request.body as object }),
    });
    await app.close();
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorBody>();
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.hint).toContain('/docs');
    return body.error.message;
  };

  it('a value of the wrong type in a nullable field: both forms it may take', async () => {
    const body = Type.Object({ target: Type.Union([Type.Number(), Type.Null()]) });
    expect(await refuse({ body }, { url: '/thing', body: { target: 'lots' } })).toBe(
      'body.target must be a number or null; got "lots".',
    );
  });

  it('open and closed bounds, and record keys that are not plain names', async () => {
    const body = Type.Object({
      share: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
      weights: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    });
    expect(await refuse({ body }, { url: '/thing', body: { share: 0, weights: {} } })).toBe(
      'body.share must be a number greater than 0 and of at most 1; got 0.',
    );
    expect(await refuse({ body }, { url: '/thing', body: { share: 0.5, weights: { 'a/b c': -2 } } })).toBe(
      'body.weights["a/b c"] must be an integer of at least 0; got -2.',
    );
  });

  it('each field once, in the order found, and the part of the request it is in', async () => {
    const querystring = Type.Object({
      grain: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
      at: Type.String({ format: 'date-time' }),
    });
    expect(await refuse({ querystring }, { url: '/thing?grain=year&at=now' })).toBe(
      'query.grain must be one of "hour", "day"; got "year".',
    );
    // Ajv stops at the first field unless told otherwise; told, every field gets its sentence.
    const all = Fastify({ logger: false, ajv: { customOptions: { allErrors: true } } });
    installErrorHandler(all);
    all.get('/thing', { schema: { querystring } }, async () => ({}));
    const id = Type.Object({ id: Type.String({ maxLength: 3, pattern: '^[a-z]+$' }) });
    all.get('/id', { schema: { querystring: id } }, async () => ({}));
    const both = await all.inject({ method: 'GET', url: '/thing?grain=year&at=now' });
    const twice = await all.inject({ method: 'GET', url: '/id?id=ABCDE' });
    await all.close();
    expect(both.json<ErrorBody>().error.message).toBe(
      'query.grain must be one of "hour", "day"; got "year". query.at must be an ISO 8601 date-time such as 2026-03-10T10:00:00Z; got "now".',
    );
    // Too long and off the pattern: one sentence that states both.
    expect(twice.json<ErrorBody>().error.message).toBe(
      'query.id must be a string of at most 3 characters matching ^[a-z]+$; got "ABCDE".',
    );
    const params = Type.Object({ n: Type.Integer() });
    const app = Fastify({ logger: false });
    installErrorHandler(app);
    app.get('/n/:n', { schema: { params } }, async () => ({}));
    const response = await app.inject({ method: 'GET', url: '/n/x' });
    await app.close();
    expect(response.json<ErrorBody>().error.message).toBe('path.n must be an integer; got "x".');
  });

  it('a keyword it has no words for keeps Ajv’s own, still naming the field and the value', async () => {
    const body = Type.Object({ tags: Type.Array(Type.String(), { uniqueItems: true }) });
    expect(await refuse({ body }, { url: '/thing', body: { tags: ['a', 'a'] } })).toBe(
      'body.tags must NOT have duplicate items (items ## 1 and 0 are identical); got ["a","a"].',
    );
  });
});
