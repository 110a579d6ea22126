import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../shared/schemas/errors.js';
import type { IngestResult } from '../../shared/schemas/ingest.js';
import type { QuarantinePage } from '../../shared/schemas/quarantine.js';
import type { Workspace, WorkspaceList } from '../../shared/schemas/workspaces.js';
import {
  DEMO_BRANDS,
  type EventRow,
  type TestServer,
  counterRow,
  getSeries,
  postEvents,
  putWorkspace,
  startServer,
} from '../helpers/server.js';

const ev = (ts: string, value: number, over: Partial<EventRow> = {}): EventRow => ({
  ts,
  brand: 'acme',
  touchpoint: 'search',
  source: 'google',
  metric: 'impressions',
  value,
  ...over,
});

function put(url: string, id: string, body: unknown): Promise<Response> {
  return fetch(`${url}/api/v1/workspaces/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function expectError(response: Response, status: number, code?: string): Promise<ErrorBody['error']> {
  const body = (await response.json()) as ErrorBody;
  expect(response.status).toBe(status);
  if (code !== undefined) expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.hint.length).toBeGreaterThan(0);
  return body.error;
}

async function ingest(url: string, ws: string, rows: EventRow[]): Promise<IngestResult> {
  const response = await postEvents(url, ws, JSON.stringify(rows), 'application/json');
  expect(response.status).toBe(200);
  return (await response.json()) as IngestResult;
}

const series = (url: string, ws: string, params: Record<string, string>) =>
  getSeries(url, ws, {
    metric: 'impressions',
    from: '2026-03-01T00:00:00Z',
    to: '2026-04-01T00:00:00Z',
    ...params,
  });

const row = counterRow;

describe('workspaces', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('PUT creates (201), PUT again updates (200); GET reads it back', async () => {
    const created = await put(server.url, 'brand-team', {
      name: 'Brand team',
      timezone: 'Europe/Paris',
      brands: DEMO_BRANDS,
    });
    expect(created.status).toBe(201);
    const first = (await created.json()) as Workspace;
    expect(first).toMatchObject({ id: 'brand-team', name: 'Brand team', timezone: 'Europe/Paris' });
    expect(first.brands).toEqual(DEMO_BRANDS);
    expect(Number.isNaN(Date.parse(first.createdAt))).toBe(false);
    expect(first.updatedAt).toBe(first.createdAt);

    await new Promise((resolve) => setTimeout(resolve, 10));
    // Own brand listed last on input: the answer lists it first.
    const updated = await put(server.url, 'brand-team', {
      name: 'Brand & competitors',
      timezone: 'Europe/Paris',
      brands: [
        { id: 'globex', name: 'Globex Corp', own: false },
        { id: 'acme', name: 'Acme', own: true },
        { id: 'initech', name: 'Initech', own: false },
      ],
    });
    expect(updated.status).toBe(200);
    const second = (await updated.json()) as Workspace;
    expect(second.name).toBe('Brand & competitors');
    expect(second.brands).toEqual([
      { id: 'acme', name: 'Acme', own: true },
      { id: 'globex', name: 'Globex Corp', own: false },
      { id: 'initech', name: 'Initech', own: false },
    ]);
    expect(second.createdAt).toBe(first.createdAt);
    expect(Date.parse(second.updatedAt)).toBeGreaterThan(Date.parse(first.updatedAt));

    const read = await fetch(`${server.url}/api/v1/workspaces/brand-team`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(second);
  });

  it('the timezone defaults to UTC', async () => {
    const response = await put(server.url, 'no-zone', { name: 'No zone', brands: DEMO_BRANDS });
    expect(response.status).toBe(201);
    expect(((await response.json()) as Workspace).timezone).toBe('UTC');
  });

  it('GET /workspaces lists every workspace, sorted by id', async () => {
    await putWorkspace(server.url, 'aaa-first');
    const response = await fetch(`${server.url}/api/v1/workspaces`);
    expect(response.status).toBe(200);
    const ids = ((await response.json()) as WorkspaceList).rows.map((w) => w.id);
    expect(ids).toEqual(['aaa-first', 'brand-team', 'no-zone']);
  });

  it('GET of an unknown workspace: 404 unknown_workspace', async () => {
    await expectError(await fetch(`${server.url}/api/v1/workspaces/ghost`), 404, 'unknown_workspace');
  });

  it('a set with two own brands (or none, or a repeated id) is refused: 400 invalid_workspace, nothing changed', async () => {
    const twoOwn = await put(server.url, 'brand-team', {
      name: 'Two owners',
      brands: [
        { id: 'acme', name: 'Acme', own: true },
        { id: 'globex', name: 'Globex', own: true },
      ],
    });
    const error = await expectError(twoOwn, 400, 'invalid_workspace');
    expect(error.message).toContain('acme');
    expect(error.message).toContain('globex');
    await expectError(
      await put(server.url, 'none-own', { name: 'x', brands: [{ id: 'acme', name: 'Acme', own: false }] }),
      400,
      'invalid_workspace',
    );
    await expectError(
      await put(server.url, 'twice', {
        name: 'x',
        brands: [
          { id: 'acme', name: 'Acme', own: true },
          { id: 'acme', name: 'Acme again', own: false },
        ],
      }),
      400,
      'invalid_workspace',
    );
    // The refused update left the workspace as it was; the refused creations created nothing.
    const read = (await (await fetch(`${server.url}/api/v1/workspaces/brand-team`)).json()) as Workspace;
    expect(read.name).toBe('Brand & competitors');
    await expectError(await fetch(`${server.url}/api/v1/workspaces/none-own`), 404, 'unknown_workspace');
    await expectError(await fetch(`${server.url}/api/v1/workspaces/twice`), 404, 'unknown_workspace');
  });

  it('a bad workspace id is refused: 400', async () => {
    for (const id of ['Upper', '-starts-with-dash', 'has.dot', 'x'.repeat(65)]) {
      const response = await put(server.url, id, { name: 'x', brands: DEMO_BRANDS });
      const error = await expectError(response, 400);
      expect(error.code.length).toBeGreaterThan(0);
    }
    // A bad brand id too.
    await expectError(
      await put(server.url, 'bad-brand', {
        name: 'x',
        brands: [{ id: 'Acme Inc', name: 'Acme', own: true }],
      }),
      400,
    );
    const list = (await (await fetch(`${server.url}/api/v1/workspaces`)).json()) as WorkspaceList;
    expect(list.rows.map((w) => w.id)).toEqual(['aaa-first', 'brand-team', 'no-zone']);
  });

  it('an unknown time zone is refused: 400 invalid_workspace', async () => {
    const error = await expectError(
      await put(server.url, 'mars', { name: 'Mars', timezone: 'Mars/Olympus_Mons', brands: DEMO_BRANDS }),
      400,
      'invalid_workspace',
    );
    expect(error.message).toContain('Mars/Olympus_Mons');
    await expectError(await fetch(`${server.url}/api/v1/workspaces/mars`), 404, 'unknown_workspace');
  });

  it('DELETE removes the workspace and all its data: recreated with the same id it is empty', async () => {
    await putWorkspace(server.url, 'short-lived');
    const result = await ingest(server.url, 'short-lived', [
      ev('2026-03-10T10:00:00Z', 5),
      ev('2026-03-10T11:00:00Z', 6),
      ev('2026-03-10T12:00:00Z', 7, { brand: 'umbrella' }),
    ]);
    expect(result).toMatchObject({ accepted: 2, rejected: 1 });
    const keyed = await postEvents(
      server.url,
      'short-lived',
      JSON.stringify([ev('2026-03-10T13:00:00Z', 1)]),
      'application/json',
      { idempotencyKey: 'k-1' },
    );
    expect(keyed.status).toBe(200);
    expect((await series(server.url, 'short-lived', { grain: 'day' })).map((r) => r.sum)).toEqual([12]);

    const deleted = await fetch(`${server.url}/api/v1/workspaces/short-lived`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    await expectError(await fetch(`${server.url}/api/v1/workspaces/short-lived`), 404, 'unknown_workspace');
    await expectError(
      await fetch(`${server.url}/api/v1/workspaces/short-lived`, { method: 'DELETE' }),
      404,
      'unknown_workspace',
    );

    await putWorkspace(server.url, 'short-lived');
    for (const grain of ['minute', 'hour', 'day']) {
      expect(await series(server.url, 'short-lived', { grain })).toEqual([]);
    }
    const quarantine = (await (
      await fetch(`${server.url}/api/v1/workspaces/short-lived/quarantine`)
    ).json()) as QuarantinePage;
    expect(quarantine.total).toBe(0);
    // The idempotency key went with it: the same key with other data is a new request.
    const reused = await postEvents(
      server.url,
      'short-lived',
      JSON.stringify([ev('2026-03-10T13:00:00Z', 9)]),
      'application/json',
      { idempotencyKey: 'k-1' },
    );
    expect(reused.status).toBe(200);
    expect(reused.headers.get('idempotent-replayed')).toBeNull();
    expect(await series(server.url, 'short-lived', { grain: 'day' })).toEqual([
      row('2026-03-10T00:00:00+00:00', [9]),
    ]);
  });

  it('deleting one workspace leaves the others’ data alone', async () => {
    await putWorkspace(server.url, 'keep-me');
    await putWorkspace(server.url, 'drop-me');
    await ingest(server.url, 'keep-me', [ev('2026-03-10T10:00:00Z', 3)]);
    await ingest(server.url, 'drop-me', [ev('2026-03-10T10:00:00Z', 4)]);
    const deleted = await fetch(`${server.url}/api/v1/workspaces/drop-me`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await series(server.url, 'keep-me', { grain: 'hour' })).toEqual([
      row('2026-03-10T10:00:00.000Z', [3]),
    ]);
  });

  it('a dropped brand: new rows are rejected as unknown_brand, its history stays in /series', async () => {
    await putWorkspace(server.url, 'dropping');
    await ingest(server.url, 'dropping', [
      ev('2026-03-10T10:00:00Z', 10, { brand: 'initech' }),
      ev('2026-03-10T10:30:00Z', 20, { brand: 'initech' }),
      ev('2026-03-10T10:00:00Z', 1, { brand: 'acme' }),
    ]);
    await putWorkspace(server.url, 'dropping', { brands: DEMO_BRANDS.filter((b) => b.id !== 'initech') });
    const read = (await (await fetch(`${server.url}/api/v1/workspaces/dropping`)).json()) as Workspace;
    expect(read.brands.map((b) => b.id)).toEqual(['acme', 'globex']);

    const after = await ingest(server.url, 'dropping', [
      ev('2026-03-11T10:00:00Z', 99, { brand: 'initech' }),
      ev('2026-03-11T10:00:00Z', 2, { brand: 'acme' }),
    ]);
    expect(after.accepted).toBe(1);
    expect(after.errors.map(({ row, field, code }) => ({ row, field, code }))).toEqual([
      { row: 0, field: 'brand', code: 'unknown_brand' },
    ]);
    expect(await series(server.url, 'dropping', { grain: 'day', brand: 'initech' })).toEqual([
      row('2026-03-10T00:00:00+00:00', [10, 20]),
    ]);
    expect(await series(server.url, 'dropping', { grain: 'hour', brand: 'initech' })).toEqual([
      row('2026-03-10T10:00:00.000Z', [10, 20]),
    ]);
    expect(await series(server.url, 'dropping', { grain: 'day', brand: 'acme' })).toEqual([
      row('2026-03-10T00:00:00+00:00', [1]),
      row('2026-03-11T00:00:00+00:00', [2]),
    ]);

    // Brought back, the brand takes rows again and its history is still one piece.
    await putWorkspace(server.url, 'dropping');
    const back = await ingest(server.url, 'dropping', [ev('2026-03-11T10:00:00Z', 5, { brand: 'initech' })]);
    expect(back.accepted).toBe(1);
    expect(await series(server.url, 'dropping', { grain: 'day', brand: 'initech' })).toEqual([
      row('2026-03-10T00:00:00+00:00', [10, 20]),
      row('2026-03-11T00:00:00+00:00', [5]),
    ]);
  });

  it('changing the time zone rebuilds the day buckets (and back)', async () => {
    await putWorkspace(server.url, 'moving', { timezone: 'UTC' });
    await ingest(server.url, 'moving', [ev('2026-03-10T23:30:00Z', 5), ev('2026-03-10T12:00:00Z', 3)]);
    const window = { from: '2026-03-10T00:00:00Z', to: '2026-03-12T00:00:00Z' };
    expect(await series(server.url, 'moving', { grain: 'day', ...window })).toEqual([
      row('2026-03-10T00:00:00+00:00', [3, 5]),
    ]);

    const moved = await put(server.url, 'moving', {
      name: 'moving',
      timezone: 'Europe/Paris',
      brands: DEMO_BRANDS,
    });
    expect(moved.status).toBe(200);
    expect(((await moved.json()) as Workspace).timezone).toBe('Europe/Paris');
    // 12:00Z is 13:00 on the 10th in Paris; 23:30Z is 00:30 on the 11th.
    expect(await series(server.url, 'moving', { grain: 'day', ...window })).toEqual([
      row('2026-03-10T00:00:00+01:00', [3]),
      row('2026-03-11T00:00:00+01:00', [5]),
    ]);
    // Hours and minutes are instants: they do not move.
    expect(await series(server.url, 'moving', { grain: 'hour', ...window })).toEqual([
      row('2026-03-10T12:00:00.000Z', [3]),
      row('2026-03-10T23:00:00.000Z', [5]),
    ]);

    // New rows land in Paris days: 22:30Z on the 11th is 23:30 there, 23:30Z is already the 12th.
    await ingest(server.url, 'moving', [ev('2026-03-11T22:30:00Z', 7), ev('2026-03-11T23:30:00Z', 11)]);
    expect(
      await series(server.url, 'moving', {
        grain: 'day',
        from: '2026-03-10T00:00:00Z',
        to: '2026-03-13T00:00:00Z',
      }),
    ).toEqual([
      row('2026-03-10T00:00:00+01:00', [3]),
      row('2026-03-11T00:00:00+01:00', [5, 7]),
      row('2026-03-12T00:00:00+01:00', [11]),
    ]);

    await putWorkspace(server.url, 'moving', { timezone: 'UTC' });
    expect(
      await series(server.url, 'moving', {
        grain: 'day',
        from: '2026-03-10T00:00:00Z',
        to: '2026-03-13T00:00:00Z',
      }),
    ).toEqual([row('2026-03-10T00:00:00+00:00', [3, 5]), row('2026-03-11T00:00:00+00:00', [7, 11])]);
  });

  it('day buckets across the spring DST change carry each day’s own offset', async () => {
    await putWorkspace(server.url, 'dst', { timezone: 'Europe/Paris' });
    // Paris moves from +01:00 to +02:00 on 2026-03-29 at 01:00Z: that local day lasts 23 hours.
    await ingest(server.url, 'dst', [
      ev('2026-03-28T22:59:00Z', 1), // 23:59 on the 28th (+01:00)
      ev('2026-03-28T23:00:00Z', 2), // 00:00 on the 29th (+01:00)
      ev('2026-03-29T21:59:00Z', 4), // 23:59 on the 29th (+02:00)
      ev('2026-03-29T22:00:00Z', 8), // 00:00 on the 30th (+02:00)
    ]);
    expect(
      await series(server.url, 'dst', {
        grain: 'day',
        from: '2026-03-28T00:00:00Z',
        to: '2026-03-31T00:00:00Z',
      }),
    ).toEqual([
      row('2026-03-28T00:00:00+01:00', [1]),
      row('2026-03-29T00:00:00+01:00', [2, 4]),
      row('2026-03-30T00:00:00+02:00', [8]),
    ]);
  });

  it('the workspace survives a restart with its brands, dropped brands and time zone', async () => {
    let first: TestServer | undefined = await startServer();
    let second: TestServer | undefined;
    try {
      await putWorkspace(first.url, 'durable', { timezone: 'Europe/Paris' });
      await ingest(first.url, 'durable', [ev('2026-03-10T23:30:00Z', 4, { brand: 'initech' })]);
      await putWorkspace(first.url, 'durable', {
        timezone: 'Europe/Paris',
        brands: DEMO_BRANDS.filter((b) => b.id !== 'initech'),
      });
      const dataDir = first.dataDir;
      await first.close();
      first = undefined;
      second = await startServer({ dataDir });
      const read = (await (await fetch(`${second.url}/api/v1/workspaces/durable`)).json()) as Workspace;
      expect(read).toMatchObject({ id: 'durable', timezone: 'Europe/Paris' });
      expect(read.brands.map((b) => b.id)).toEqual(['acme', 'globex']);
      const rejected = await ingest(second.url, 'durable', [
        ev('2026-03-11T10:00:00Z', 1, { brand: 'initech' }),
      ]);
      expect(rejected.errors.map((e) => e.code)).toEqual(['unknown_brand']);
      expect(await series(second.url, 'durable', { grain: 'day', brand: 'initech' })).toEqual([
        row('2026-03-11T00:00:00+01:00', [4]),
      ]);
    } finally {
      await first?.close();
      await second?.close();
    }
  });
});
