// The live hub shares its work fairly between clients (GET /api/v1/live, real server, real `ws`
// clients). A client is its remote address: Linux loopback answers on all of 127.0.0.0/8, so each
// simulated client binds its sockets to an address of its own (`localAddress`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPIS } from '../../shared/kpis.js';
import type { Subscribe } from '../../shared/schemas/live.js';
import { LiveClient } from '../helpers/live-client.js';
import { event, postEvents, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

type Topic = Pick<Subscribe, 'topic' | 'params'>;
const WINDOWS = ['1h', '24h', '7d', '28d', '30d', '90d', 'today', 'wtd', 'mtd', 'qtd', 'ytd'];
/**
 * 816 distinct valid subscriptions, none sharing another's computation: benchmarks (24 KPIs × 11
 * windows), then series (24 KPIs × 2 grains × 12 windows, less hours over a year: too many buckets).
 * Each test takes its own slice.
 */
const distinct: Topic[] = [
  ...KPIS.flatMap((kpi) =>
    WINDOWS.map((window) => ({
      topic: 'benchmark' as const,
      params: { workspace: 'fair', kpi: kpi.id, window },
    })),
  ),
  ...KPIS.flatMap((kpi) =>
    (['hour', 'day'] as const).flatMap((grain) =>
      [undefined, ...WINDOWS]
        .filter((window) => !(grain === 'hour' && window === 'ytd'))
        .map((window) => ({
          topic: 'series' as const,
          params: { workspace: 'fair', kpi: kpi.id, grain, ...(window ? { window } : {}) },
        })),
    ),
  ),
];

/** Subscribes `socket` to distinct[from, to), ids a<from>…; at most 64 (the per-socket bound). */
function subscribeAll(socket: LiveClient, from: number, to: number): void {
  for (let j = from; j < to; j++) socket.send({ type: 'subscribe', id: `a${j}`, ...distinct[j] });
}

/** Sockets from one address holding distinct[from, to), 64 each. */
async function flood(address: string, from: number, to: number): Promise<LiveClient[]> {
  const sockets: LiveClient[] = [];
  for (let i = from; i < to; i += 64) {
    const socket = await LiveClient.open(server.url, address);
    subscribeAll(socket, i, Math.min(to, i + 64));
    sockets.push(socket);
  }
  return sockets;
}

/** Subscriptions outside the `distinct` list (each with a brand filter of its own). */
const single = (...brands: string[]): Topic => ({
  topic: 'series',
  params: { workspace: 'fair', kpi: 'mentions', grain: 'hour', window: '7d', brands },
});
const snapshots = (sockets: LiveClient[]) => sockets.reduce((n, s) => n + s.count('snapshot'), 0);

const hour = 3_600_000;

beforeAll(async () => {
  server = await startServer({ tickMs: 100 });
  await putWorkspace(server.url, 'fair');
  // A few weeks of hourly history, so that each first computation reads something.
  const rows = [];
  const start = Math.floor(Date.now() / hour) * hour - 30 * 24 * hour;
  for (let t = start; t < Date.now() - hour; t += hour) {
    const ts = new Date(t).toISOString();
    for (const brand of ['acme', 'globex', 'initech']) {
      rows.push(event(brand, 'social', 'x', 'mentions', (t / hour) % 13, ts));
      rows.push(event(brand, 'search', 'google', 'impressions', (t / hour) % 101, ts));
      rows.push(event(brand, 'site', 'web', 'visits', (t / hour) % 31, ts));
    }
  }
  expect((await postEvents(server.url, 'fair', JSON.stringify(rows), 'application/json')).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await server.close();
});

describe('first computations are served round-robin across clients', () => {
  it("serves one client's single subscription while most of another's 256 are still queued", async () => {
    const greedy = await flood('127.0.0.2', 0, 256);
    // Every one of its subscriptions has reached the server (and waits for its first computation).
    await Promise.all(greedy.map((s) => s.sync()));

    const modest = await LiveClient.open(server.url, '127.0.0.3');
    modest.send({ type: 'subscribe', id: 'mine', ...single('acme') });
    await modest.next((m) => m.type === 'snapshot' && m.id === 'mine');
    const served = snapshots(greedy);
    expect(served, 'snapshots of the greedy client in before the modest one').toBeLessThan(256 / 10);

    // The greedy client is served too, in full, and nothing was refused: 256 is within its budget.
    await expect.poll(() => snapshots(greedy), { timeout: 60_000 }).toBe(256);
    expect(greedy.flatMap((s) => s.messages.filter((m) => m.type === 'error'))).toEqual([]);
    await Promise.all([...greedy, modest].map((s) => s.close()));
  }, 120_000);

  it('drops queued first computations when their subscribers unsubscribe or close', async () => {
    const before = server.app.engine.size;
    // One socket subscribes and unsubscribes at once, two more subscribe and close (series: 264…).
    const first = await LiveClient.open(server.url, '127.0.0.4');
    subscribeAll(first, 264, 328);
    for (let j = 264; j < 328; j++) first.send({ type: 'unsubscribe', id: `a${j}` });
    const rest = await flood('127.0.0.4', 328, 456);
    await Promise.all([first, ...rest].map((s) => s.sync()));
    await Promise.all(rest.map((s) => s.close()));
    await expect.poll(() => server.app.engine.pendingFirstComputations, { timeout: 30_000 }).toBe(0);

    const modest = await LiveClient.open(server.url, '127.0.0.5');
    modest.send({ type: 'subscribe', id: 'mine', ...single('globex') });
    await modest.next((m) => m.type === 'snapshot' && m.id === 'mine');
    // Only those already started when their subscribers left were computed, not the 192.
    expect(server.app.engine.size - before, 'computations created').toBeLessThan(192 / 2);
    expect(first.count('snapshot')).toBeLessThan(64 / 2);
    await Promise.all([first.close(), modest.close()]);
  }, 120_000);
});

describe('a client has a budget of subscriptions and sockets', () => {
  it('refuses subscriptions past 256 across its sockets, and sockets past 16, with a message it can act on', async () => {
    const address = '127.0.0.6';
    const sockets = await flood(address, 456, 712);
    await Promise.all(sockets.map((s) => s.sync()));
    // A fifth socket is accepted, but a subscription on it is over the client's budget.
    const fifth = await LiveClient.open(server.url, address);
    fifth.send({ type: 'subscribe', id: 'over', ...single('initech') });
    const refused = await fifth.next((m) => m.type === 'error' && m.id === 'over');
    expect(refused).toMatchObject({
      code: 'too_many_subscriptions',
      message: expect.stringContaining('256'),
      hint: expect.any(String),
    });
    // Another client is not affected.
    const other = await LiveClient.open(server.url, '127.0.0.7');
    other.send({ type: 'subscribe', id: 'fine', ...single('initech') });
    await other.next((m) => m.type === 'snapshot' && m.id === 'fine');

    // Unsubscribing one frees a place in the budget.
    sockets[0]!.send({ type: 'unsubscribe', id: 'a456' });
    await sockets[0]!.sync();
    fifth.send({ type: 'subscribe', id: 'again', ...single('initech') });
    await fifth.next((m) => m.type === 'snapshot' && m.id === 'again');
    fifth.send({ type: 'subscribe', id: 'over2', ...single('acme', 'globex') });
    expect(await fifth.next((m) => m.type === 'error' && m.id === 'over2')).toMatchObject({
      code: 'too_many_subscriptions',
    });

    // Sockets: 5 open, 11 more reach 16; the 17th is told why, then closed (policy violation).
    const more: LiveClient[] = [];
    for (let i = 0; i < 11; i++) more.push(await LiveClient.open(server.url, address));
    for (const s of more) await s.next((m) => m.type === 'welcome');
    const extra = await LiveClient.open(server.url, address);
    expect(await extra.closed).toMatchObject({ code: 1008, reason: expect.stringContaining('16') });
    expect(extra.messages).toEqual([
      expect.objectContaining({ type: 'error', code: 'too_many_sockets', hint: expect.any(String) }),
    ]);

    // Closing sockets gives their places back (the socket's, and those of its subscriptions).
    await Promise.all([sockets[1]!.close(), ...more.map((s) => s.close())]);
    await expect.poll(() => server.app.websocketServer.clients.size, { timeout: 10_000 }).toBe(5);
    const back = await LiveClient.open(server.url, address);
    back.send({ type: 'subscribe', id: 'back', ...single('acme', 'globex') });
    await back.next((m) => m.type === 'snapshot' && m.id === 'back');
    // The sockets still open are served in full; none failed (which would have freed places).
    const served = () =>
      [sockets[0]!, sockets[2]!, sockets[3]!].reduce(
        (n, s) => n + s.messages.filter((m) => m.type === 'snapshot' && m.id !== 'a456').length,
        0,
      );
    await expect.poll(served, { timeout: 60_000 }).toBe(3 * 64 - 1);
    expect(sockets.flatMap((s) => s.messages.filter((m) => m.type === 'error'))).toEqual([]);
    await Promise.all([...sockets, fifth, other, back].map((s) => s.close()));
  }, 120_000);
});
