import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/schemas/live.js';
import {
  event,
  postEvents,
  putWorkspace,
  startServer,
  type EventRow,
  type TestServer,
} from '../helpers/server.js';

const DAY = 86_400_000;

// A year and more of daily visits with a weekly rhythm; the hub's clock two days behind the real
// one, so that the day it closes holds rows of real past times.
const D0 = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
let clock = D0 + 3_600_000;
let server: TestServer;

const visits = (t: number) => {
  const weekday = new Date(t).getUTCDay();
  const noise = ((Math.sin(t / DAY) * 10_000) % 1) * 0.05;
  return Math.round((weekday === 0 || weekday === 6 ? 600 : 1000) * (1 + noise));
};

const day = (t: number, value = visits(t)): EventRow =>
  event('acme', 'site', 'ga', 'visits', value, new Date(t + 12 * 3_600_000).toISOString());

async function moveTo(ms: number): Promise<void> {
  clock = ms;
  await server.app.anomalies.afterNextCheck();
  await server.app.anomalies.afterNextCheck();
}

beforeAll(async () => {
  server = await startServer({ tickMs: 100 }, { now: () => clock });
  await putWorkspace(server.url, 'daily');
  const rows: EventRow[] = [];
  for (let t = D0 - 400 * DAY; t < D0; t += DAY) rows.push(day(t));
  const response = await postEvents(server.url, 'daily', JSON.stringify(rows), 'application/json');
  expect(response.status).toBe(200);
  await moveTo(clock + 1000);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('anomaly alerts at day grain', () => {
  it('a day far below its forecast raises a day alert once the day closes, for a series with a year of days', async () => {
    const response = await postEvents(
      server.url,
      'daily',
      JSON.stringify([day(D0, Math.round(visits(D0) / 4))]),
      'application/json',
    );
    expect(response.status).toBe(200);
    await moveTo(D0 + DAY + 60_000);
    const { rows } = (await (
      await fetch(`${server.url}/api/v1/workspaces/daily/alerts?kind=anomaly`)
    ).json()) as { rows: Alert[] };
    const daily = rows.filter((a) => a.grain === 'day');
    expect(daily, JSON.stringify(rows.map((a) => [a.grain, a.message.en]))).toHaveLength(1);
    expect(daily[0]).toMatchObject({
      kpi: 'visits',
      brand: 'acme',
      bucket: new Date(D0).toISOString(),
      direction: 'down',
      impact: 'threat',
      drivers: [{ source: 'ga', touchpoint: 'site', share: 1 }],
    });
    expect(daily[0]!.expected).toBeGreaterThan(visits(D0) * 0.8);
  });
});
