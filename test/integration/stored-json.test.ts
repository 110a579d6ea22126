// JSON the hub stored is checked when read back: rows damaged on disk (or edited by hand) are
// left out with a warning naming them, or refused with an error saying how to replace them.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../server/db/database.js';
import {
  expectError,
  postEvents,
  putWorkspace,
  startServer,
  toNdjson,
  type TestServer,
  visitAt,
} from '../helpers/server.js';

let server: TestServer;
const lines: Record<string, unknown>[] = [];

const api = (path: string, init?: { method: string; body: object }) =>
  fetch(`${server.url}/api/v1/workspaces/sj${path}`, {
    method: init?.method ?? 'GET',
    headers: init ? { 'content-type': 'application/json' } : {},
    body: init ? JSON.stringify(init.body) : undefined,
  });
const put = (path: string, body: object) => api(path, { method: 'PUT', body });
const json = async <T>(response: Response): Promise<T> => {
  expect(response.status).toBe(200);
  return (await response.json()) as T;
};
const warnings = (table: string) =>
  lines.filter((l) => l.level === 40 && l.table === table) as {
    workspace: string;
    id?: string;
    problem: string;
    msg: string;
  }[];

const period = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
const wall = { kpis: ['visits'], boards: ['tiles'], window: '24h', rotateSeconds: 30 };
const alert = (id: string) => ({
  id,
  kind: 'source_silent',
  severity: 'warning',
  message: { en: 'Source web is silent', fr: 'La source web est muette' },
  at: '2026-03-10T10:00:00.000Z',
  acknowledged: false,
  subject: { source: 'web' },
});

beforeAll(async () => {
  const first = await startServer();
  server = first;
  await putWorkspace(first.url, 'sj');
  const ok = async (response: Promise<Response>) => expect((await response).status).toBe(200);
  for (const id of ['pins', 'saves'])
    await ok(put(`/metrics/${id}`, { kind: 'counter', touchpoints: ['site'] }));
  for (const id of ['visit_rate', 'visit_twice'])
    await ok(
      put(`/kpis/${id}`, { label: id, formula: 'sum(visits) * 2', unit: 'count', direction: 'higher' }),
    );
  for (const id of ['visits_goal', 'pins_goal'])
    await ok(put(`/objectives/${id}`, { kpi: 'visits', period, target: 10, direction: 'at_least' }));
  // An offset without a colon: the API takes it, so must the check.
  const offset = { ...period, from: '2026-03-01T00:00:00+0100' };
  await ok(
    put('/objectives/offset_goal', { kpi: 'visits', period: offset, target: 10, direction: 'at_least' }),
  );
  await ok(put('/dpi-weights', { touchpoints: { search: 2 }, kpis: {} }));
  await ok(put('/wall', wall));
  for (const id of ['loud', 'broken'])
    await ok(put(`/alert-rules/${id}`, { kpi: 'visits', condition: { type: 'above', value: 1000 } }));
  const body = toNdjson([visitAt(0)]);
  expect(
    (await postEvents(first.url, 'sj', body, 'application/x-ndjson', { idempotencyKey: 'k1' })).status,
  ).toBe(200);
  await first.close();

  const db = await Database.open(first.config.dbFile, { readers: 1 });
  await db.write(async (sql) => {
    const { key } = (await sql.one<{ key: number }>(`SELECT key FROM workspaces WHERE id = 'sj'`))!;
    const set = (table: string, column: string, value: string, where = '') =>
      sql.run(`UPDATE ${table} SET ${column} = $value WHERE ws = $ws ${where}`, { value, ws: key });
    // Valid JSON of the wrong shape (used as is before the check), and text that is not JSON.
    await set('workspace_metrics', 'definition', '{"id":"saves","kind":"counter"}', `AND id = 'saves'`);
    await set('custom_kpis', 'definition', '{"id":"visit_twice",', `AND id = 'visit_twice'`);
    await set(
      'objectives',
      'definition',
      JSON.stringify({
        id: 'pins_goal',
        kpi: 'visits',
        brand: 'acme',
        period,
        target: 'lots',
        direction: 'at_least',
      }),
      `AND id = 'pins_goal'`,
    );
    // Stored before objectives had a risk threshold.
    await set(
      'objectives',
      'definition',
      JSON.stringify({
        id: 'visits_goal',
        kpi: 'visits',
        brand: 'acme',
        period,
        target: 10,
        direction: 'at_least',
      }),
      `AND id = 'visits_goal'`,
    );
    await set('dpi_weights', 'weights', '{"touchpoints":{"search":"heavy"},"kpis":{}}');
    await set('wall_layouts', 'layout', JSON.stringify({ ...wall, rotateSeconds: 1 }));
    await set(
      'alert_rules',
      'definition',
      JSON.stringify({ id: 'broken', kpi: 'visits', condition: { type: 'around', value: 1 } }),
      `AND id = 'broken'`,
    );
    await set('ingest_ledger', 'response', '{"accepted":"all","rejected":0,"errors":[]}');
    await sql.run(
      `INSERT INTO alerts VALUES ($ws, 'a1', TIMESTAMP '2026-03-10 10:00:00', $good),
      ($ws, 'a2', TIMESTAMP '2026-03-10 10:01:00', $bad)`,
      {
        ws: key,
        good: JSON.stringify(alert('a1')),
        bad: JSON.stringify({ ...alert('a2'), severity: 'dire' }),
      },
    );
  });
  await db.close();

  const logs = new PassThrough();
  logs.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n'))
      if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  server = await startServer({ dataDir: first.dataDir }, { logs });
});
afterAll(async () => {
  await server.close();
});

describe('rows the hub does without are left out, with a warning naming them', () => {
  it('a workspace metric', async () => {
    const { rows } = await json<{ rows: { id: string; own: boolean }[] }>(await api('/metrics'));
    expect(rows.filter((m) => m.own).map((m) => m.id)).toEqual(['pins']);
    expect(warnings('workspace_metrics')).toEqual([
      expect.objectContaining({
        workspace: 'sj',
        id: 'saves',
        problem: expect.stringContaining('touchpoints'),
      }),
    ]);
  });

  it('a custom KPI', async () => {
    const { rows } = await json<{ rows: { id: string }[] }>(await api('/kpis'));
    expect(rows.map((k) => k.id)).toContain('visit_rate');
    expect(rows.map((k) => k.id)).not.toContain('visit_twice');
    expect(warnings('custom_kpis')).toEqual([
      expect.objectContaining({
        workspace: 'sj',
        id: 'visit_twice',
        problem: expect.stringContaining('not JSON'),
      }),
    ]);
  });

  it('an objective, which DELETE still removes', async () => {
    const list = async () =>
      (await json<{ rows: { id: string }[] }>(await api('/objectives?at=2026-03-10T12:00:00Z'))).rows.map(
        (o) => o.id,
      );
    expect(await list()).toEqual(['offset_goal', 'visits_goal']);
    // Each reading warns (the list, and the objectives' risk check at start when it has run).
    expect(warnings('objectives').length).toBeGreaterThan(0);
    for (const warning of warnings('objectives'))
      expect(warning).toEqual(
        expect.objectContaining({
          workspace: 'sj',
          id: 'pins_goal',
          problem: expect.stringContaining('/target'),
        }),
      );
    expect(warnings('objectives')[0]!.msg).toMatch(
      /objective "pins_goal" of workspace "sj".*table objectives/,
    );
    expect((await api('/objectives/pins_goal', { method: 'DELETE', body: {} })).status).toBe(204);
    expect(await list()).toEqual(['offset_goal', 'visits_goal']);
  });

  it('an alert rule, which DELETE still removes', async () => {
    const list = async () =>
      (await json<{ rows: { id: string }[] }>(await api('/alert-rules'))).rows.map((r) => r.id);
    expect(await list()).toEqual(['loud']);
    expect(warnings('alert_rules')).toEqual([
      expect.objectContaining({ workspace: 'sj', id: 'broken', msg: expect.stringContaining('alert rule') }),
    ]);
    expect((await api('/alert-rules/broken', { method: 'DELETE', body: {} })).status).toBe(204);
    expect((await api('/alert-rules/broken', { method: 'DELETE', body: {} })).status).toBe(404);
    expect(await list()).toEqual(['loud']);
  });

  it('an objective stored before risk thresholds reads with the default, 50 %', async () => {
    const { rows } = await json<{ rows: { id: string; riskThreshold: number }[] }>(
      await api('/objectives?at=2026-03-10T12:00:00Z'),
    );
    expect(rows.find((o) => o.id === 'visits_goal')!.riskThreshold).toBe(0.5);
  });

  it('an alert', async () => {
    const { rows } = await json<{ rows: { id: string }[] }>(await api('/alerts'));
    expect(rows.map((a) => a.id)).toEqual(['a1']);
    expect(warnings('alerts')).toEqual([
      expect.objectContaining({ workspace: 'sj', id: 'a2', problem: expect.stringContaining('/severity') }),
    ]);
  });
});

describe('values nothing can stand in for are refused with a clear error', () => {
  it('DPI weights, until stored again', async () => {
    const error = await expectError(await api('/dpi-weights'), 500, 'stored_data_invalid');
    expect(error.message).toMatch(
      /DPI weights of workspace "sj" \(table dpi_weights\).*\/touchpoints\/search/,
    );
    expect(error.hint).toContain('PUT /api/v1/workspaces/sj/dpi-weights');
    expect((await put('/dpi-weights', { touchpoints: { search: 3 }, kpis: {} })).status).toBe(200);
    const weights = await json<{ touchpoints: Record<string, number> }>(await api('/dpi-weights'));
    expect(weights.touchpoints.search).toBe(3);
  });

  it('the wall layout, until saved again', async () => {
    const error = await expectError(await api('/wall'), 500, 'stored_data_invalid');
    expect(error.message).toMatch(/wall layout of workspace "sj".*\/rotateSeconds/);
    expect((await put('/wall', wall)).status).toBe(200);
    expect(await json(await api('/wall'))).toEqual(wall);
  });

  it('the answer replayed for an idempotency key', async () => {
    const body = toNdjson([visitAt(0)]);
    const response = await postEvents(server.url, 'sj', body, 'application/x-ndjson', {
      idempotencyKey: 'k1',
    });
    const error = await expectError(response, 500, 'stored_data_invalid');
    expect(error.message).toMatch(/answer to Idempotency-Key "k1".*\/accepted/);
  });
});
