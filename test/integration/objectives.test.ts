import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectiveList } from '../../shared/schemas/objectives.js';
import { postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const AT = '2026-03-05T23:59:00Z'; // the window then ends at 2026-03-06T00:00Z: half of 1–11 March

const send = async (rows: object[]) =>
  expect((await postEvents(server.url, 'goals', JSON.stringify(rows), 'application/json')).status).toBe(200);
const mentions = (ts: string, value: number) => ({
  ts,
  brand: 'acme',
  touchpoint: 'social',
  source: 'x',
  metric: 'mentions',
  value,
});
const followers = (ts: string, value: number) => ({
  ts,
  brand: 'acme',
  touchpoint: 'social',
  source: 'x',
  metric: 'followers',
  value,
});

async function put(id: string, body: object): Promise<Response> {
  return fetch(`${server.url}/api/v1/workspaces/goals/objectives/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function list(at = AT): Promise<ObjectiveList['rows']> {
  const response = await fetch(`${server.url}/api/v1/workspaces/goals/objectives?at=${at}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as ObjectiveList).rows;
}

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, 'goals');
  await send([
    mentions('2026-03-02T10:00:00Z', 40),
    followers('2026-02-27T10:00:00Z', 1000),
    followers('2026-03-03T10:00:00Z', 1400),
  ]);
  const period = { from: '2026-03-01T00:00:00Z', to: '2026-03-11T00:00:00Z' };
  expect(
    (await put('mentions', { kpi: 'mentions', period, target: 100, direction: 'at_least' })).status,
  ).toBe(200);
  expect(
    (await put('followers', { kpi: 'followers', period, target: 2000, direction: 'at_least' })).status,
  ).toBe(200);
});
afterAll(async () => {
  await server.close();
});

describe('objectives', () => {
  it('a counter accumulates from 0: half way through, 40 of an expected 50 is off track', async () => {
    const row = (await list()).find((r) => r.id === 'mentions')!;
    expect(row).toMatchObject({
      kpi: 'mentions',
      brand: 'acme',
      current: 40,
      percentOfTarget: 0.4,
      expected: 50,
      elapsed: 0.5,
      status: 'off_track',
      window: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-06T00:00:00.000Z' },
    });
    expect(row.timeLeftMs).toBe(Date.parse('2026-03-11T00:00:00Z') - Date.parse(AT));
  });

  it('within 10 % of the expected value is at risk, at or past it on track', async () => {
    await send([mentions('2026-03-04T10:00:00Z', 6)]);
    expect((await list()).find((r) => r.id === 'mentions')).toMatchObject({ current: 46, status: 'at_risk' });
    await send([mentions('2026-03-05T10:00:00Z', 10)]);
    expect((await list()).find((r) => r.id === 'mentions')).toMatchObject({
      current: 56,
      status: 'on_track',
    });
  });

  it('a level moves from its value at the start to the target', async () => {
    expect((await list()).find((r) => r.id === 'followers')).toMatchObject({
      current: 1400,
      expected: 1500,
      status: 'at_risk',
    });
  });

  it('a calendar period is the current month of the workspace zone', async () => {
    expect(
      (
        await put('month', {
          kpi: 'mentions',
          period: { calendar: 'month' },
          target: 310,
          direction: 'at_least',
        })
      ).status,
    ).toBe(200);
    const row = (await list()).find((r) => r.id === 'month')!;
    expect(row.window.from).toBe('2026-03-01T00:00:00.000Z');
    expect(row.elapsed).toBeCloseTo(5 / 31, 12);
    expect(row.expected).toBeCloseTo(50, 9);
    expect(row.status).toBe('on_track');
  });

  it('at_most objectives are on track below the path', async () => {
    await put('quiet', {
      kpi: 'mentions',
      period: { from: '2026-03-01T00:00:00Z', to: '2026-03-11T00:00:00Z' },
      target: 200,
      direction: 'at_most',
    });
    expect((await list()).find((r) => r.id === 'quiet')).toMatchObject({ expected: 100, status: 'on_track' });
  });

  it('has no projection at a past `at=` (forecasts start now), a settled one past the period end', async () => {
    expect((await list()).find((r) => r.id === 'mentions')!.projection).toBeNull();
    const over = await list('2026-03-11T00:00:00Z');
    // 56 mentions of 100: missed; 1400 followers of 2000: missed.
    expect(over.find((r) => r.id === 'mentions')!.projection).toEqual({
      probability: 0,
      projected: 56,
      lo80: 56,
      hi80: 56,
      grain: null,
      reason: 'ended',
    });
    expect(
      (
        await put('low-bar', {
          kpi: 'mentions',
          period: { from: '2026-03-01T00:00:00Z', to: '2026-03-11T00:00:00Z' },
          target: 50,
          direction: 'at_least',
        })
      ).status,
    ).toBe(200);
    expect((await list('2026-03-11T00:00:00Z')).find((r) => r.id === 'low-bar')!.projection).toMatchObject({
      probability: 1,
      projected: 56,
    });
  });

  it('takes a risk threshold between 0 and 1, 0.5 by default', async () => {
    const period = { from: '2026-03-01T00:00:00Z', to: '2026-03-11T00:00:00Z' };
    const body = { kpi: 'mentions', period, target: 10, direction: 'at_least' };
    expect(await (await put('strict', { ...body, riskThreshold: 0.9 })).json()).toMatchObject({
      riskThreshold: 0.9,
    });
    expect((await list()).find((r) => r.id === 'strict')!.riskThreshold).toBe(0.9);
    expect(await (await put('strict', body)).json()).toMatchObject({ riskThreshold: 0.5 });
    expect((await put('strict', { ...body, riskThreshold: 1.5 })).status).toBe(400);
  });

  it('refuses an unknown KPI or a brand outside the set, and deletes', async () => {
    const period = { calendar: 'year' };
    const unknown = await put('bad', { kpi: 'nope', period, target: 1, direction: 'at_least' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unknown_kpi');
    expect(
      (await put('bad', { kpi: 'mentions', brand: 'hooli', period, target: 1, direction: 'at_least' }))
        .status,
    ).toBe(400);
    const del = await fetch(`${server.url}/api/v1/workspaces/goals/objectives/quiet`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await list()).some((r) => r.id === 'quiet')).toBe(false);
    expect(
      (await fetch(`${server.url}/api/v1/workspaces/goals/objectives/quiet`, { method: 'DELETE' })).status,
    ).toBe(404);
  });
});
