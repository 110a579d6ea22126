import Fastify, { type FastifyBaseLogger } from 'fastify';
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
