import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vocabulary } from '../../shared/schemas/vocabulary.js';
import { postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

describe('operations endpoints', () => {
  it('answers health and readiness', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', queueRows: 0 });
  });

  it('counts accepted and rejected rows and commit latency in Prometheus text', async () => {
    await putWorkspace(server.url, 'ops');
    const rows = [
      {
        ts: '2026-03-10T10:00:00Z',
        brand: 'acme',
        touchpoint: 'search',
        source: 'google',
        metric: 'clicks',
        value: 1,
      },
      {
        ts: '2026-03-10T10:00:00Z',
        brand: 'nobody',
        touchpoint: 'search',
        source: 'google',
        metric: 'clicks',
        value: 1,
      },
    ];
    expect((await postEvents(server.url, 'ops', JSON.stringify(rows), 'application/json')).status).toBe(200);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(metric(text, 'convergence_ingest_rows_accepted_total')).toBe(1);
    expect(metric(text, 'convergence_ingest_rows_rejected_total')).toBe(1);
    expect(metric(text, 'convergence_ingest_queue_rows')).toBe(0);
    expect(metric(text, 'convergence_ingest_commit_seconds_count')).toBe(1);
  });

  it('describes the API as OpenAPI 3.1 generated from the route schemas, browsable at /docs', async () => {
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/workspaces/{workspace}',
        '/api/v1/workspaces/{workspace}/events',
        '/api/v1/workspaces/{workspace}/series',
        '/api/v1/workspaces/{workspace}/quarantine',
        '/api/v1/workspaces/{workspace}/quarantine/replay',
        '/api/v1/vocabulary',
        '/api/v1/workspaces/{workspace}/kpis',
        '/api/v1/workspaces/{workspace}/kpis/{kpi}',
        '/api/v1/workspaces/{workspace}/kpis/{kpi}/series',
        '/api/v1/workspaces/{workspace}/benchmark',
      ]),
    );
    expect(Object.keys(spec.paths['/api/v1/workspaces/{workspace}/events']!.post!.responses)).toEqual(
      expect.arrayContaining(['200', '400', '404', '413', '415', '422', '429']),
    );
    const docs = await fetch(`${server.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('Swagger UI');
  });

  it('lists the vocabulary ingest accepts: touchpoints, their sources and metrics, how each aggregates', async () => {
    const vocabulary = (await (await fetch(`${server.url}/api/v1/vocabulary`)).json()) as Vocabulary;
    expect(vocabulary.touchpoints.map((t) => t.id)).toEqual(['search', 'site', 'social', 'media', 'viral']);
    const social = vocabulary.touchpoints.find((t) => t.id === 'social')!;
    expect(social.knownSources).toContain('instagram');
    expect(social.metrics).toEqual(
      expect.arrayContaining(['followers', 'engagements', 'mentions', 'negative_mentions']),
    );
    expect(social.metrics).not.toContain('clicks');
    expect(vocabulary.metrics.find((m) => m.id === 'followers')).toMatchObject({
      kind: 'gauge',
      combine: 'sum',
    });
    expect(vocabulary.metrics.find((m) => m.id === 'avg_position')).toMatchObject({
      kind: 'gauge',
      combine: 'mean',
    });
    expect(vocabulary.metrics.find((m) => m.id === 'clicks')).toMatchObject({
      kind: 'counter',
      touchpoints: ['search'],
    });
  });

  it('answers unknown routes with an actionable error', async () => {
    const response = await fetch(`${server.url}/api/v1/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        code: 'not_found',
        message: 'Route GET /api/v1/nope does not exist.',
        hint: 'The API is described at /docs and /openapi.json.',
      },
    });
  });
});
