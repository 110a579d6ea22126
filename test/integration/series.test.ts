import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, 'gauges');
  const rows = [
    ['2026-03-10T10:05:00Z', 'social', 'facebook', 'followers', 100],
    ['2026-03-10T11:05:00Z', 'social', 'instagram', 'followers', 50],
    ['2026-03-10T12:30:00Z', 'social', 'facebook', 'followers', 110],
    ['2026-03-10T10:05:00Z', 'search', 'google', 'avg_position', 3],
    ['2026-03-10T11:05:00Z', 'search', 'bing', 'avg_position', 5],
  ].map(([ts, touchpoint, source, metric, value]) => ({
    ts,
    brand: 'acme',
    touchpoint,
    source,
    metric,
    value,
  }));
  const response = await postEvents(server.url, 'gauges', JSON.stringify(rows), 'application/json');
  expect(await response.json()).toMatchObject({ accepted: 5, rejected: 0 });
});
afterAll(async () => {
  await server.close();
});

async function series(query: string) {
  const response = await fetch(`${server.url}/api/v1/workspaces/gauges/series?${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: { bucket: string; last: number | null; sum: number }[] }).rows;
}

describe('GET /series for gauges', () => {
  it('gives, per bucket, the value as of its end: latest per source, summed across sources for followers', async () => {
    const rows = await series(
      'metric=followers&grain=hour&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z',
    );
    expect(rows.map((r) => [r.bucket, r.last])).toEqual([
      ['2026-03-10T10:00:00.000Z', 100],
      ['2026-03-10T11:00:00.000Z', 150],
      ['2026-03-10T12:00:00.000Z', 160],
    ]);
  });

  it('averages across sources for average position', async () => {
    const rows = await series(
      'metric=avg_position&grain=hour&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z',
    );
    expect(rows.map((r) => r.last)).toEqual([3, 4]);
  });

  it('carries values from before the window into its first bucket', async () => {
    const rows = await series(
      'metric=followers&grain=hour&from=2026-03-10T11:00:00Z&to=2026-03-11T00:00:00Z',
    );
    expect(rows.map((r) => r.last)).toEqual([150, 160]);
    const day = await series('metric=followers&grain=day&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z');
    expect(day).toEqual([
      { bucket: '2026-03-10T00:00:00+00:00', sum: 260, count: 3, min: 50, max: 110, last: 160 },
    ]);
  });

  it('returns one source alone when asked', async () => {
    const rows = await series(
      'metric=followers&source=facebook&grain=hour&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z',
    );
    expect(rows.map((r) => [r.bucket, r.last])).toEqual([
      ['2026-03-10T10:00:00.000Z', 100],
      ['2026-03-10T12:00:00.000Z', 110],
    ]);
  });

  it('leaves last null for counters, and refuses an unknown metric or an empty window', async () => {
    await postEvents(
      server.url,
      'gauges',
      JSON.stringify([
        {
          ts: '2026-03-10T10:00:00Z',
          brand: 'acme',
          touchpoint: 'search',
          source: 'google',
          metric: 'clicks',
          value: 2,
        },
      ]),
      'application/json',
    );
    const rows = await series('metric=clicks&grain=day&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z');
    expect(rows).toEqual([
      { bucket: '2026-03-10T00:00:00+00:00', sum: 2, count: 1, min: 2, max: 2, last: null },
    ]);
    const unknown = await fetch(
      `${server.url}/api/v1/workspaces/gauges/series?metric=clickz&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z`,
    );
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('invalid_query');
    const empty = await fetch(
      `${server.url}/api/v1/workspaces/gauges/series?metric=clicks&from=2026-03-11T00:00:00Z&to=2026-03-10T00:00:00Z`,
    );
    expect(empty.status).toBe(400);
  });
});
