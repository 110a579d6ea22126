import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../shared/schemas/errors.js';
import type { IngestResult } from '../../shared/schemas/ingest.js';
import type { SeriesRow } from '../../shared/schemas/series.js';
import {
  type EventRow,
  type TestServer,
  postEvents,
  putWorkspace,
  startServer,
  toNdjson,
} from '../helpers/server.js';

// A small writer queue under many concurrent requests: the hub sheds load with 429 instead of
// queueing without bound, and whatever it acknowledged is stored exactly once.

const QUEUE_ROWS = 5000;
const ROWS_PER_REQUEST = 2000;
const REQUESTS = 48;
const WINDOW = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };

/** Request `i` carries 2000 visits of value i + 1 (so each request's share of the sum is known). */
function requestBody(i: number): string {
  const rows: EventRow[] = Array.from({ length: ROWS_PER_REQUEST }, (_, r) => ({
    ts: new Date(
      Date.parse('2026-03-10T00:00:00Z') + ((i * ROWS_PER_REQUEST + r) % 20_000) * 60_000,
    ).toISOString(),
    brand: ['acme', 'globex', 'initech'][r % 3]!,
    touchpoint: 'site',
    source: 'web',
    metric: 'visits',
    value: i + 1,
  }));
  return toNdjson(rows);
}

async function queueRowsMetric(url: string): Promise<number> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  const match = /^convergence_ingest_queue_rows\s+(\S+)$/m.exec(text);
  expect(match).not.toBeNull();
  return Number(match![1]);
}

async function totals(url: string, ws: string): Promise<{ sum: number; count: number }> {
  const query = new URLSearchParams({ metric: 'visits', grain: 'day', ...WINDOW });
  const response = await fetch(`${url}/api/v1/workspaces/${ws}/series?${query}`);
  expect(response.status).toBe(200);
  const rows = ((await response.json()) as { rows: SeriesRow[] }).rows;
  return { sum: rows.reduce((s, r) => s + r.sum, 0), count: rows.reduce((s, r) => s + r.count, 0) };
}

interface Answer {
  i: number;
  status: number;
  retryAfter: string | null;
  body: IngestResult | ErrorBody;
}

async function send(url: string, ws: string, i: number, body: string): Promise<Answer> {
  const response = await postEvents(url, ws, body, 'application/x-ndjson', { idempotencyKey: `load-${i}` });
  return {
    i,
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as IngestResult | ErrorBody,
  };
}

describe('overload: a bounded ingest queue', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ingestQueueRows: QUEUE_ROWS });
    await putWorkspace(server.url, 'load');
    await putWorkspace(server.url, 'huge');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('sheds load with 429 queue_full + Retry-After, stores every acknowledged row exactly, never exceeds the bound', async () => {
    const bodies = Array.from({ length: REQUESTS }, (_, i) => requestBody(i));
    expect(await queueRowsMetric(server.url)).toBe(0);

    // Poll the queue gauge while the load runs.
    const seen: number[] = [];
    let loading = true;
    const poller = (async () => {
      while (loading) {
        seen.push(await queueRowsMetric(server.url));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    let answers: Answer[];
    try {
      answers = await Promise.all(bodies.map((body, i) => send(server.url, 'load', i, body)));
    } finally {
      loading = false;
      await poller;
    }

    const ok = answers.filter((a) => a.status === 200);
    const shed = answers.filter((a) => a.status === 429);
    expect(ok.length + shed.length).toBe(REQUESTS); // nothing else (no 5xx, no 413)
    expect(shed.length).toBeGreaterThan(0);
    expect(ok.length).toBeGreaterThan(0);
    for (const answer of shed) {
      const error = (answer.body as ErrorBody).error;
      expect(error.code).toBe('queue_full');
      expect(error.hint.length).toBeGreaterThan(0);
      expect(answer.retryAfter).toMatch(/^\d+$/);
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    for (const answer of ok)
      expect(answer.body).toEqual({
        accepted: ROWS_PER_REQUEST,
        rejected: 0,
        errors: [],
        asOf: expect.any(String),
      });

    // Exactly the acknowledged rows are stored.
    const acknowledged = ok.reduce(
      (t, a) => ({ sum: t.sum + (a.i + 1) * ROWS_PER_REQUEST, count: t.count + ROWS_PER_REQUEST }),
      { sum: 0, count: 0 },
    );
    expect(await totals(server.url, 'load')).toEqual(acknowledged);

    // The gauge never went past the bound, and the queue is empty once every answer is in.
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeLessThanOrEqual(QUEUE_ROWS);
    expect(await queueRowsMetric(server.url)).toBe(0);

    // Retrying the shed requests (same key, same bytes) stores them; then everything is there once.
    for (const answer of shed) {
      let retry = await send(server.url, 'load', answer.i, bodies[answer.i]!);
      for (let attempt = 0; retry.status === 429 && attempt < 20; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        retry = await send(server.url, 'load', answer.i, bodies[answer.i]!);
      }
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual({
        accepted: ROWS_PER_REQUEST,
        rejected: 0,
        errors: [],
        asOf: expect.any(String),
      });
    }
    const all = {
      sum: ((REQUESTS * (REQUESTS + 1)) / 2) * ROWS_PER_REQUEST,
      count: REQUESTS * ROWS_PER_REQUEST,
    };
    expect(await totals(server.url, 'load')).toEqual(all);
    // A second full round is all replays: nothing more is stored.
    const replays = await Promise.all(bodies.slice(0, 8).map((body, i) => send(server.url, 'load', i, body)));
    expect(replays.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(await totals(server.url, 'load')).toEqual(all);
  });

  it('a single request with more rows than the bound: 413 too_many_rows, nothing stored', async () => {
    const rows: EventRow[] = Array.from({ length: QUEUE_ROWS + 1 }, (_, r) => ({
      ts: new Date(Date.parse('2026-03-10T00:00:00Z') + r * 1000).toISOString(),
      brand: 'acme',
      touchpoint: 'site',
      source: 'web',
      metric: 'visits',
      value: 1,
    }));
    const response = await postEvents(server.url, 'huge', toNdjson(rows), 'application/x-ndjson');
    expect(response.status).toBe(413);
    const error = ((await response.json()) as ErrorBody).error;
    expect(error.code).toBe('too_many_rows');
    expect(error.message).toContain(String(QUEUE_ROWS + 1));
    expect(error.hint.length).toBeGreaterThan(0);
    expect(await totals(server.url, 'huge')).toEqual({ sum: 0, count: 0 });
    expect(await queueRowsMetric(server.url)).toBe(0);

    // Exactly the bound is fine.
    const fits = await postEvents(
      server.url,
      'huge',
      toNdjson(rows.slice(0, QUEUE_ROWS)),
      'application/x-ndjson',
    );
    expect(fits.status).toBe(200);
    expect(((await fits.json()) as IngestResult).accepted).toBe(QUEUE_ROWS);
    expect(await totals(server.url, 'huge')).toEqual({ sum: QUEUE_ROWS, count: QUEUE_ROWS });
  });
});
