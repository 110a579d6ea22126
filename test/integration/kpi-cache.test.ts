// KPI totals over closed bucket ranges are cached (server/rollups/totals-cache.ts). Whatever
// changes those buckets must show in the next answer: late rows, corrections, a time-zone change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Benchmark } from '../../shared/schemas/kpi.js';
import { event, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
// Three whole days, so that the window is read from day buckets (and hours and minutes at 23:30).
const WINDOW = 'from=2026-03-07T00:00:00Z&to=2026-03-10T23:30:00Z';

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, 'cache');
  await post([
    event('acme', 'social', 'x', 'mentions', 10, '2026-03-08T12:00:00Z'),
    event('globex', 'social', 'x', 'mentions', 30, '2026-03-08T12:00:00Z'),
  ]);
});
afterAll(async () => {
  await server.close();
});

async function post(rows: object[], query = ''): Promise<void> {
  const response = await postEvents(server.url, 'cache', JSON.stringify(rows), 'application/json', { query });
  expect(response.status, await response.clone().text()).toBe(200);
}

async function mentions(): Promise<Record<string, number | null>> {
  const response = await fetch(`${server.url}/api/v1/workspaces/cache/benchmark?kpi=mentions&${WINDOW}`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as Benchmark;
  return Object.fromEntries(body.rows.map((r) => [r.brand, r.value]));
}

describe('cached KPI totals', () => {
  it('answer again with late rows that land in a day already asked about', async () => {
    expect(await mentions()).toMatchObject({ acme: 10, globex: 30 });
    await post([event('acme', 'social', 'x', 'mentions', 5, '2026-03-07T03:00:00Z')]);
    expect(await mentions()).toMatchObject({ acme: 15, globex: 30 });
    // In the minutes at the window's end, and just outside it.
    await post([
      event('globex', 'social', 'x', 'mentions', 1, '2026-03-10T23:29:59Z'),
      event('globex', 'social', 'x', 'mentions', 100, '2026-03-10T23:30:00Z'),
    ]);
    expect(await mentions()).toMatchObject({ acme: 15, globex: 31 });
  });

  it('follow a correction of a day already asked about', async () => {
    expect((await mentions()).acme).toBe(15);
    await post(
      [event('acme', 'social', 'x', 'mentions', 2, '2026-03-08T13:00:00Z')],
      'replace=true&source=x&brand=acme&from=2026-03-08T00:00:00Z&to=2026-03-09T00:00:00Z',
    );
    expect(await mentions()).toMatchObject({ acme: 7, globex: 31 });
  });

  it('follow a late gauge value that lands before a window end already asked about', async () => {
    const followers = async () => {
      const response = await fetch(`${server.url}/api/v1/workspaces/cache/benchmark?kpi=followers&${WINDOW}`);
      return ((await response.json()) as Benchmark).rows.find((r) => r.brand === 'acme')!.value;
    };
    await post([event('acme', 'social', 'x', 'followers', 1000, '2026-03-09T08:00:00Z')]);
    expect(await followers()).toBe(1000);
    await post([event('acme', 'social', 'x', 'followers', 1200, '2026-03-10T22:00:00Z')]);
    expect(await followers()).toBe(1200);
  });

  it('read a level as of a window end from the minutes before it, never from the minute at it', async () => {
    await post([
      event('initech', 'social', 'x', 'followers', 100, '2026-03-12T09:59:00Z'),
      event('initech', 'social', 'x', 'followers', 150, '2026-03-12T10:04:59Z'),
      event('initech', 'social', 'x', 'followers', 200, '2026-03-12T10:05:30Z'),
    ]);
    const at = async (to: string) => {
      const response = await fetch(
        `${server.url}/api/v1/workspaces/cache/kpis/followers?brand=initech&from=2026-03-12T08:00:00Z&to=${to}`,
      );
      return ((await response.json()) as { value: number | null }).value;
    };
    expect(await at('2026-03-12T10:00:00Z')).toBe(100);
    expect(await at('2026-03-12T10:05:00Z')).toBe(150);
    expect(await at('2026-03-12T10:06:00Z')).toBe(200);
    // And again, now that the hour's slots are cached.
    expect(await at('2026-03-12T10:05:00Z')).toBe(150);
  });

  it('serve a short minute series from cached hours, and follow late rows into them', async () => {
    await post([
      event('acme', 'social', 'x', 'mentions', 4, '2026-03-13T09:58:10Z'),
      event('acme', 'social', 'x', 'mentions', 6, '2026-03-13T09:58:50Z'),
      event('globex', 'social', 'x', 'mentions', 1, '2026-03-13T10:01:00Z'),
    ]);
    const minutes = async () => {
      const response = await fetch(
        `${server.url}/api/v1/workspaces/cache/series?metric=mentions&grain=minute&from=2026-03-13T09:30:00Z&to=2026-03-13T10:30:00Z`,
      );
      expect(response.status).toBe(200);
      return (
        (await response.json()) as {
          rows: { bucket: string; sum: number; count: number; min: number; max: number }[];
        }
      ).rows;
    };
    expect(await minutes()).toEqual([
      { bucket: '2026-03-13T09:58:00.000Z', sum: 10, count: 2, min: 4, max: 6, last: null },
      { bucket: '2026-03-13T10:01:00.000Z', sum: 1, count: 1, min: 1, max: 1, last: null },
    ]);
    // A series already in the cached hour (a new one would change the set, hence the key).
    await post([event('acme', 'social', 'x', 'mentions', 9, '2026-03-13T09:58:30Z')]);
    expect((await minutes())[0]).toEqual({
      bucket: '2026-03-13T09:58:00.000Z',
      sum: 19,
      count: 3,
      min: 4,
      max: 9,
      last: null,
    });
    // A window's edges cut hours: minutes outside [from, to) stay out.
    const cut = await fetch(
      `${server.url}/api/v1/workspaces/cache/series?metric=mentions&grain=minute&from=2026-03-13T09:59:00Z&to=2026-03-13T10:01:00Z`,
    );
    expect(((await cut.json()) as { rows: unknown[] }).rows).toEqual([]);
  });

  it('stay exact when a time-zone change rebuilds the days already asked about', async () => {
    const window = 'from=2026-03-07T00:00:00Z&to=2026-03-10T00:00:00Z';
    const acme = async () => {
      const response = await fetch(`${server.url}/api/v1/workspaces/cache/benchmark?kpi=mentions&${window}`);
      return ((await response.json()) as Benchmark).rows.find((r) => r.brand === 'acme')!.value;
    };
    // UTC days 7–9 hold both acme rows (03:00Z on the 7th, 13:00Z on the 8th).
    expect(await acme()).toBe(7);
    // In Tokyo (UTC+9) the 03:00Z row falls on local 7 March, which the window only cuts: it is
    // now read from hour buckets, and the days are other rows.
    await putWorkspace(server.url, 'cache', { timezone: 'Asia/Tokyo' });
    expect(await acme()).toBe(7);
    await post([event('acme', 'social', 'x', 'mentions', 1, '2026-03-08T16:00:00Z')]);
    expect(await acme()).toBe(8);
  });
});
