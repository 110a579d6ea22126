import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KpiForecast } from '../../shared/schemas/forecast.js';
import {
  event,
  expectError,
  postEvents,
  putWorkspace,
  startServer,
  type TestServer,
} from '../helpers/server.js';

const HOUR = 3_600_000;

let server: TestServer;
const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
// The hub's clock (refits follow it); it starts as the real one.
let clock = Date.now();

/** Mentions with a daily rhythm: 40 at 18:00 UTC, 10 at 06:00, for `hours` hours before this one. */
const rhythm = (t: number) =>
  Math.round(25 + 15 * Math.sin(((new Date(t).getUTCHours() - 12) * Math.PI) / 12));

beforeAll(async () => {
  server = await startServer({}, { now: () => clock });
  await putWorkspace(server.url, 'fc');
  const rows = [];
  for (let h = 14 * 24; h >= 1; h--) {
    const t = thisHour - h * HOUR;
    rows.push(event('acme', 'social', 'x', 'mentions', rhythm(t), new Date(t + 60_000).toISOString()));
  }
  // Globex: ten hours only.
  for (let h = 10; h >= 1; h--)
    rows.push(event('globex', 'social', 'x', 'mentions', 5, new Date(thisHour - h * HOUR).toISOString()));
  const response = await postEvents(server.url, 'fc', JSON.stringify(rows), 'application/json');
  expect(response.status).toBe(200);
});

afterAll(async () => {
  await server?.close();
});

const get = (query: string) => fetch(`${server.url}/api/v1/workspaces/fc/kpis/mentions/forecast?${query}`);

describe('GET …/kpis/{kpi}/forecast', () => {
  it('forecasts the next hours from the one under way, following the daily rhythm, with ordered bands', async () => {
    const response = await get('grain=hour&horizon=24');
    expect(response.status).toBe(200);
    const f = (await response.json()) as KpiForecast;
    expect(f).toMatchObject({ kpi: 'mentions', brand: 'acme', grain: 'hour', history: 14 * 24 });
    expect(f.points).toHaveLength(24);
    f.points.forEach((p, h) => {
      expect(p.bucket).toBe(new Date(thisHour + h * HOUR).toISOString());
      expect(p.lo95).toBeLessThanOrEqual(p.lo80);
      expect(p.lo80).toBeLessThanOrEqual(p.mean);
      expect(p.mean).toBeLessThanOrEqual(p.hi80);
      expect(p.hi80).toBeLessThanOrEqual(p.hi95);
    });
    // A noiseless rhythm is forecast closely: within 2 mentions of what it will be, at every hour.
    for (const p of f.points) expect(Math.abs(p.mean - rhythm(Date.parse(p.bucket)))).toBeLessThan(2);
    expect(f.backtest).not.toBeNull();
  });

  it('says how much history is missing (422), and refuses a brand outside the set', async () => {
    const short = await get('brand=globex');
    const error = await expectError(short, 422, 'not_enough_history');
    expect(error.message).toMatch(/needs at least 48 hours of data; there are 10/);
    await expectError(await get('brand=nobody'), 400, 'invalid_query');
    await expectError(
      await fetch(`${server.url}/api/v1/workspaces/fc/kpis/nope/forecast`),
      404,
      'unknown_kpi',
    );
  });

  it('keeps the fitted forecast until the refit a day later, whatever arrives meanwhile', async () => {
    const first = (await (await get('grain=hour&horizon=6')).json()) as KpiForecast;
    const spike = event(
      'acme',
      'social',
      'x',
      'mentions',
      500,
      new Date(thisHour - HOUR + 120_000).toISOString(),
    );
    expect((await postEvents(server.url, 'fc', JSON.stringify([spike]), 'application/json')).status).toBe(
      200,
    );
    const again = (await (await get('grain=hour&horizon=6')).json()) as KpiForecast;
    expect(again.fittedAt).toBe(first.fittedAt);
    expect(again.points).toEqual(first.points);
    clock += 25 * HOUR;
    const laterResponse = await get('grain=hour&horizon=6');
    const later = (await laterResponse.json()) as KpiForecast;
    expect(laterResponse.status, JSON.stringify(later)).toBe(200);
    expect(Date.parse(later.fittedAt)).toBe(clock);
    expect(later.points[0]!.bucket).toBe(new Date(Math.floor(clock / HOUR) * HOUR).toISOString());
    expect(later.points).toHaveLength(6);
  });
});
