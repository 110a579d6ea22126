import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommitChange } from '../../server/ingest/changes.js';
import { postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const day = '2026-03-10';
const event = (minute: number, value: number, metric = 'clicks', brand = 'acme') => ({
  ts: `${day}T10:${String(minute).padStart(2, '0')}:00Z`,
  brand,
  touchpoint: 'search',
  source: 'google',
  metric,
  value,
});

async function send(workspace: string, rows: object[], idempotencyKey?: string) {
  const response = await postEvents(server.url, workspace, JSON.stringify(rows), 'application/json', {
    idempotencyKey,
  });
  expect(response.status).toBe(200);
  return response;
}

async function series(workspace: string, grain: string, metric = 'clicks') {
  const response = await fetch(
    `${server.url}/api/v1/workspaces/${workspace}/series?metric=${metric}&grain=${grain}&from=${day}T00:00:00Z&to=2026-03-11T00:00:00Z`,
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: unknown[] }).rows;
}

const rawCount = (workspace: string) =>
  server.app.db.read(async (sql) =>
    Number(
      (await sql.one<{ n: number }>(
        `SELECT count(*)::INTEGER AS n FROM events e JOIN workspaces w ON w.key = e.ws WHERE w.id = $id`,
        { id: workspace },
      ))!.n,
    ),
  );

describe('rollup compaction', () => {
  it('merges the partial rows of each bucket into one without changing any answer', async () => {
    await putWorkspace(server.url, 'compact');
    for (let batch = 0; batch < 5; batch++) {
      await send('compact', [
        event(1, batch + 1),
        event(2, 10 * (batch + 1)),
        event(1, 100 + batch, 'avg_position'),
      ]);
    }
    const before = await Promise.all(['minute', 'hour', 'day'].map((g) => series('compact', g)));
    const position = await series('compact', 'minute', 'avg_position');
    const partialRows = () =>
      server.app.db.read(async (sql) =>
        sql.rows<{ n: number; keys: number }>(
          `SELECT count(*)::INTEGER AS n, count(DISTINCT (series, bucket))::INTEGER AS keys FROM rollup_minute`,
        ),
      );
    expect((await partialRows())[0]!.n).toBeGreaterThan((await partialRows())[0]!.keys);

    expect(await server.app.rollups.compact()).toBeGreaterThan(0);

    const [{ n, keys }] = (await partialRows()) as [{ n: number; keys: number }];
    expect(n).toBe(keys);
    expect(await Promise.all(['minute', 'hour', 'day'].map((g) => series('compact', g)))).toEqual(before);
    expect(await series('compact', 'minute', 'avg_position')).toEqual(position);
    expect(before[0]).toEqual([
      { bucket: `${day}T10:01:00.000Z`, sum: 15, count: 5, min: 1, max: 5, last: null },
      { bucket: `${day}T10:02:00.000Z`, sum: 150, count: 5, min: 10, max: 50, last: null },
    ]);
    expect(position[0]).toMatchObject({ count: 5, last: 104 });

    // New partials after a compaction merge with the compacted rows.
    await send('compact', [event(1, 1000)]);
    expect(await server.app.rollups.compact()).toBeGreaterThan(0);
    expect((await series('compact', 'minute'))[0]).toMatchObject({ sum: 1015, count: 6, max: 1000 });
    expect(await server.app.rollups.compact()).toBe(0);
  });
});

describe('raw retention', () => {
  it('purges raw events past RAW_RETENTION_DAYS but keeps their rollups', async () => {
    await putWorkspace(server.url, 'retention');
    await send('retention', [event(5, 3), event(6, 4)]);
    expect(await rawCount('retention')).toBe(2);
    const hourly = await series('retention', 'hour');

    // 400 days after 2027-05-01 is 2026-03-27: the March rows are past it.
    await server.app.ingest.purgeExpired(Date.parse('2027-05-01T00:00:00Z'));

    expect(await rawCount('retention')).toBe(0);
    expect(await series('retention', 'hour')).toEqual(hourly);
    expect(hourly).toEqual([
      { bucket: `${day}T10:00:00.000Z`, sum: 7, count: 2, min: 3, max: 4, last: null },
    ]);
  });

  it('forgets idempotency keys after IDEMPOTENCY_DAYS, so the same key is then new', async () => {
    await putWorkspace(server.url, 'keys');
    const rows = [event(7, 1)];
    await send('keys', rows, 'k-1');
    expect((await send('keys', rows, 'k-1')).headers.get('idempotent-replayed')).toBe('true');

    await server.app.ingest.purgeExpired(Date.now() + 8 * 86_400_000);

    expect((await send('keys', rows, 'k-1')).headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('commit reports', () => {
  it('tell listeners which workspace, metrics and time range each commit changed', async () => {
    await putWorkspace(server.url, 'reports');
    const seen: CommitChange[] = [];
    server.app.ingest.writer.onCommit((changes) =>
      seen.push(...changes.filter((c) => c.workspace === 'reports')),
    );
    await send('reports', [event(10, 1), event(20, 2, 'impressions'), event(30, 3, 'clicks', 'globex')]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      workspace: 'reports',
      rows: 3,
      fromMs: Date.parse(`${day}T10:10:00Z`),
      toMs: Date.parse(`${day}T10:30:00Z`),
    });
    expect([...seen[0]!.metrics].sort()).toEqual(['clicks', 'impressions']);
  });
});
