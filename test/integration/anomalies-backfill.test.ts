// History sent in several requests (as the demo market and imports send it) while the detector is
// already watching: a fit made on the first part saw zeros where the rest was still to come, and
// every brand's next hour looked anomalous against it. The detector fits again once the rest lands.
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

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;
const WS = 'backfill';
const BRANDS = ['acme', 'globex', 'initech'];
// The hub's clock runs three hours behind, so that its hours close on real past times.
const B0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
let clock = B0 + 5 * MINUTE;
let server: TestServer;

/** A daily rhythm with a little noise: a brand's mentions in the hour starting at t. */
function mentions(brand: string, t: number): number {
  const base = 40 + 20 * BRANDS.indexOf(brand);
  const hour = new Date(t).getUTCHours();
  const noise = ((Math.sin(t / HOUR) * 10_000) % 1) * 0.08;
  return Math.round(base * (1 + 0.5 * Math.sin(((hour - 12) * Math.PI) / 12) + noise));
}

async function send(fromMs: number, toMs: number): Promise<void> {
  const rows: EventRow[] = [];
  for (let t = fromMs; t < toMs; t += HOUR)
    for (const brand of BRANDS)
      rows.push(
        event(brand, 'social', 'x', 'mentions', mentions(brand, t), new Date(t + 10 * MINUTE).toISOString()),
      );
  const response = await postEvents(server.url, WS, JSON.stringify(rows), 'application/json');
  expect(response.status, await response.clone().text()).toBe(200);
}

const looked = async () => {
  await server.app.anomalies.afterNextCheck();
  await server.app.anomalies.afterNextCheck();
};

beforeAll(async () => {
  server = await startServer({ tickMs: 100 }, { now: () => clock });
  await putWorkspace(server.url, WS);
  // The first part: three days, ending four days ago. The detector looks and fits on it.
  await send(B0 - 7 * DAY, B0 - 4 * DAY);
  await looked();
  // The rest of the history, up to the hour under way.
  await send(B0 - 4 * DAY, B0);
  await looked();
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('a backfill in several requests', () => {
  it('raises no alert on an ordinary hour that follows it', async () => {
    await send(B0, B0 + HOUR);
    clock = B0 + HOUR + 30_000;
    await looked();
    const response = await fetch(`${server.url}/api/v1/workspaces/${WS}/alerts?kind=anomaly`);
    const { rows } = (await response.json()) as { rows: Alert[] };
    expect(rows.map((a) => a.message.en)).toEqual([]);
  });

  it('still raises one when that hour is far off its rhythm', async () => {
    const t = B0 + HOUR;
    const rows = BRANDS.map((brand) =>
      event(
        brand,
        'social',
        'x',
        'mentions',
        brand === 'acme' ? mentions(brand, t) * 6 : mentions(brand, t),
        new Date(t + 10 * MINUTE).toISOString(),
      ),
    );
    const response = await postEvents(server.url, WS, JSON.stringify(rows), 'application/json');
    expect(response.status).toBe(200);
    clock = B0 + 2 * HOUR + 30_000;
    await looked();
    const alerts = (await (
      await fetch(`${server.url}/api/v1/workspaces/${WS}/alerts?kind=anomaly`)
    ).json()) as {
      rows: Alert[];
    };
    const raised = alerts.rows.map((a) => [a.brand, a.kpi, a.direction]);
    expect(raised).toContainEqual(['acme', 'mentions', 'up']);
    // The others' mentions kept their rhythm (their share of voice fell: that is acme's news).
    expect(raised.filter(([brand, kpi]) => brand !== 'acme' && kpi === 'mentions')).toEqual([]);
  });
});
