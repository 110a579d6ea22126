// The bucket holding "now" is still filling: every chart API flags it provisional and sends nothing
// after it, so that no line dives at its right edge (a half-hour of mentions drawn as a full hour).
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KpiSeries } from '../../shared/schemas/kpi.js';
import type { Snapshot, TopicData } from '../../shared/schemas/live.js';
import type { SeriesRow } from '../../shared/schemas/series.js';
import { LiveClient } from '../helpers/live-client.js';
import { event, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

const HOUR = 3_600_000;
let server: TestServer;
let nowAtStart: number;

/** The hour starts a request may have seen as current (the clock may cross an hour meanwhile). */
async function aroundNow<T>(ask: () => Promise<T>): Promise<{ answer: T; hours: string[] }> {
  const before = Math.floor(Date.now() / HOUR) * HOUR;
  const answer = await ask();
  const after = Math.floor(Date.now() / HOUR) * HOUR;
  return { answer, hours: [...new Set([before, after])].map((h) => new Date(h).toISOString()) };
}

beforeAll(async () => {
  server = await startServer({ tickMs: 100 });
  await putWorkspace(server.url, 'prov');
  nowAtStart = Date.now();
  const at = (msAgo: number) => new Date(nowAtStart - msAgo).toISOString();
  const rows = [
    event('acme', 'social', 'x', 'mentions', 40, at(3 * HOUR)),
    event('acme', 'social', 'x', 'mentions', 50, at(2 * HOUR)),
    event('acme', 'social', 'x', 'mentions', 60, at(HOUR)),
    event('acme', 'social', 'x', 'mentions', 7, at(1000)),
    // A producer whose clock runs two hours ahead: kept, but no chart shows a bucket after now.
    event('acme', 'social', 'x', 'mentions', 99, at(-2 * HOUR)),
  ];
  const response = await postEvents(server.url, 'prov', JSON.stringify(rows), 'application/json');
  expect(await response.json()).toMatchObject({ accepted: 5 });
});
afterAll(async () => {
  await server.close();
});

const windowAroundNow = () =>
  new URLSearchParams({
    from: new Date(nowAtStart - 4 * HOUR).toISOString(),
    to: new Date(nowAtStart + 6 * HOUR).toISOString(),
  });

describe('the bucket still filling', () => {
  it('is the last row of /series, flagged provisional; the closed rows are not', async () => {
    const { answer: rows, hours } = await aroundNow(async () => {
      const query = windowAroundNow();
      query.set('metric', 'mentions');
      query.set('grain', 'hour');
      const response = await fetch(`${server.url}/api/v1/workspaces/prov/series?${query}`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { rows: SeriesRow[] }).rows;
    });
    const last = rows.at(-1)!;
    expect(hours).toContain(last.bucket);
    expect(last.provisional).toBe(true);
    expect(rows.slice(0, -1).map((r) => r.provisional)).toEqual(rows.slice(0, -1).map(() => undefined));
    expect(rows.map((r) => r.sum)).not.toContain(99);
  });

  it('is the last bucket of /kpis/{kpi}/series, in JSON and in Arrow', async () => {
    const { answer: series, hours } = await aroundNow(async () => {
      const response = await fetch(
        `${server.url}/api/v1/workspaces/prov/kpis/mentions/series?grain=hour&${windowAroundNow()}`,
      );
      expect(response.status).toBe(200);
      return (await response.json()) as KpiSeries;
    });
    expect(hours).toContain(series.buckets.at(-1));
    expect(series.provisional).toEqual([false, false, false, false, true]);
    expect(series.series.find((s) => s.brand === 'acme')!.values).toEqual([null, 40, 50, 60, 7]);

    const arrow = await fetch(
      `${server.url}/api/v1/workspaces/prov/kpis/mentions/series?grain=hour&${windowAroundNow()}`,
      { headers: { accept: 'application/vnd.apache.arrow.stream' } },
    );
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.getChild('provisional')!.toArray().length).toBe(5);
    expect([...table.getChild('provisional')!]).toEqual([false, false, false, false, true]);
    expect(table.getChild('acme')!.get(4)).toBe(7);
  });

  it('says nothing of a window wholly in the past', async () => {
    const response = await fetch(
      `${server.url}/api/v1/workspaces/prov/kpis/mentions/series?grain=hour&from=2026-03-10T00:00:00Z&to=2026-03-10T03:00:00Z`,
    );
    const series = (await response.json()) as KpiSeries;
    expect(series.buckets).toHaveLength(3);
    expect(series.provisional).toEqual([false, false, false]);
  });

  it('is flagged on the live series point and on the tiles’ sparkline', async () => {
    const client = await LiveClient.open(server.url);
    client.send({
      type: 'subscribe',
      id: 's',
      topic: 'series',
      params: { workspace: 'prov', kpi: 'mentions', grain: 'hour' },
    });
    client.send({
      type: 'subscribe',
      id: 't',
      topic: 'tiles',
      params: { workspace: 'prov', kpis: ['mentions'], window: '24h' },
    });
    const { answer, hours } = await aroundNow(async () => ({
      series: await client.next<Snapshot<TopicData<'series'>>>((m) => m.type === 'snapshot' && m.id === 's'),
      tiles: await client.next<Snapshot<TopicData<'tiles'>>>((m) => m.type === 'snapshot' && m.id === 't'),
    }));
    const points = Object.values(answer.series.data).sort(
      (a, b) => Date.parse(a.bucket) - Date.parse(b.bucket),
    );
    const last = points.at(-1)!;
    expect(hours).toContain(last.bucket);
    expect(last.provisional).toBe(true);
    expect(last.values.acme).toBe(7);
    expect(points.filter((p) => p.provisional)).toHaveLength(1);
    const tile = answer.tiles.data['tile:mentions'];
    expect(tile.sparklineProvisional).toBe(true);
    expect(tile.sparkline.at(-1)).toBe(7);
    client.close();
  });
});
