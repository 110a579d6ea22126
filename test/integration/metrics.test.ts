import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../shared/schemas/ingest.js';
import { getSeries, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, 'custom');
  await putWorkspace(server.url, 'other');
});
afterAll(async () => {
  await server.close();
});

const putMetric = (workspace: string, id: string, body: object) =>
  fetch(`${server.url}/api/v1/workspaces/${workspace}/metrics/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const row = (metric: string, value: number, ts = '2026-03-10T10:00:00Z', source = 'x') => ({
  ts,
  brand: 'acme',
  touchpoint: 'social',
  source,
  metric,
  value,
});
const ingest = async (workspace: string, rows: object[]) =>
  (await (
    await postEvents(server.url, workspace, JSON.stringify(rows), 'application/json')
  ).json()) as IngestResult;

describe('workspace metrics', () => {
  it('are accepted by ingest once declared, in their workspace only', async () => {
    expect((await ingest('custom', [row('story_views', 5)])).errors[0]?.code).toBe('unknown_metric');
    const put = await putMetric('custom', 'story_views', { kind: 'counter', touchpoints: ['social'] });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      id: 'story_views',
      kind: 'counter',
      touchpoints: ['social'],
      own: true,
    });
    expect(await ingest('custom', [row('story_views', 5), row('story_views', 7)])).toMatchObject({
      accepted: 2,
    });
    expect((await ingest('other', [row('story_views', 5)])).errors[0]?.code).toBe('unknown_metric');
    const rows = await getSeries(server.url, 'custom', {
      metric: 'story_views',
      grain: 'day',
      from: '2026-03-10T00:00:00Z',
      to: '2026-03-11T00:00:00Z',
    });
    expect(rows).toMatchObject([{ sum: 12, count: 2, last: null }]);
  });

  it('gauges combine across sources as declared', async () => {
    await putMetric('custom', 'community_size', { kind: 'gauge', touchpoints: ['social'], combine: 'sum' });
    await ingest('custom', [
      row('community_size', 100, '2026-03-10T10:00:00Z', 'x'),
      row('community_size', 50, '2026-03-10T10:00:00Z', 'instagram'),
    ]);
    const rows = await getSeries(server.url, 'custom', {
      metric: 'community_size',
      grain: 'hour',
      from: '2026-03-10T00:00:00Z',
      to: '2026-03-11T00:00:00Z',
    });
    expect(rows[0]).toMatchObject({ last: 150 });
  });

  it('are listed with the shared vocabulary, and a removed one is rejected again', async () => {
    const list = (await (await fetch(`${server.url}/api/v1/workspaces/custom/metrics`)).json()) as {
      rows: { id: string; own: boolean }[];
    };
    expect(list.rows.find((m) => m.id === 'clicks')).toMatchObject({ own: false });
    expect(list.rows.find((m) => m.id === 'story_views')).toMatchObject({ own: true });
    expect(
      (await fetch(`${server.url}/api/v1/workspaces/custom/metrics/story_views`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    expect((await ingest('custom', [row('story_views', 1)])).errors[0]?.code).toBe('unknown_metric');
  });

  it('refuse a shared id, combine on a counter, and survive a restart', async () => {
    expect((await putMetric('custom', 'clicks', { kind: 'counter', touchpoints: ['search'] })).status).toBe(
      400,
    );
    expect(
      (await putMetric('custom', 'x2', { kind: 'counter', touchpoints: ['search'], combine: 'sum' })).status,
    ).toBe(400);
    const dataDir = server.dataDir;
    await server.close();
    server = await startServer({ dataDir });
    expect(await ingest('custom', [row('community_size', 10)])).toMatchObject({ accepted: 1 });
  });
});
