import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeedStatus } from '../../server/demo/feeder.js';
import { DEMO_WORKSPACE } from '../../server/demo/market.js';
import type { Workspace, WorkspaceList } from '../../shared/schemas/workspaces.js';
import { freePort, REPO_ROOT } from '../helpers/child.js';
import { getSeries, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const open: TestServer[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

async function start(overrides: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(overrides);
  open.push(server);
  return server;
}

async function stop(server: TestServer): Promise<void> {
  open.splice(open.indexOf(server), 1);
  await server.close();
}

const status = (server: TestServer) => server.app.demo.status() as FeedStatus | { phase: 'off' };

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const live = (server: TestServer) =>
  until(`the demo feeder to go live (now ${JSON.stringify(status(server))})`, () => {
    const s = status(server);
    if (s.phase === 'failed') throw new Error(`the demo feeder failed: ${JSON.stringify(s)}`);
    return s.phase === 'live' ? (s as FeedStatus) : undefined;
  });

async function workspaces(server: TestServer): Promise<Workspace[]> {
  return ((await (await fetch(`${server.url}/api/v1/workspaces`)).json()) as WorkspaceList).rows;
}

/** Events of a metric in [from, to): how many and their sum, over all brands. */
async function total(server: TestServer, ws: string, metric: string, from: number, to: number) {
  const rows = await getSeries(server.url, ws, {
    metric,
    grain: 'hour',
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
  });
  return { count: rows.reduce((n, r) => n + r.count, 0), sum: rows.reduce((n, r) => n + r.sum, 0) };
}

describe('demo market (DEMO=auto)', () => {
  let dataDir = '';
  let closedDay: { bucket: string; sum: number; count: number } | undefined;

  it('creates, backfills and streams the demo workspace on an empty base', async () => {
    const server = await start({ demo: 'auto', demoDays: 3, demoRate: 200 });
    dataDir = server.dataDir;
    const first = await live(server);
    expect(first.created).toBe(true);
    expect(first.backfilledDays).toBe(3);

    const [workspace, ...others] = await workspaces(server);
    expect(others).toEqual([]);
    expect(workspace!.id).toBe('demo');
    expect(workspace!.timezone).toBe('Europe/Paris');
    expect(workspace!.brands.filter((b) => b.own)).toHaveLength(1);
    const competitors = workspace!.brands.filter((b) => !b.own).length;
    expect(competitors).toBeGreaterThanOrEqual(4);
    expect(competitors).toBeLessThanOrEqual(6);

    // History: every hour of the last three days holds mentions, and so does every day.
    const now = Date.now();
    const hours = await getSeries(server.url, 'demo', {
      metric: 'mentions',
      grain: 'hour',
      from: new Date(now - 3 * DAY).toISOString(),
      to: new Date(now - HOUR).toISOString(),
    });
    expect(hours.length).toBeGreaterThanOrEqual(70);
    expect(hours.every((h) => h.sum > 0)).toBe(true);
    const days = await getSeries(server.url, 'demo', {
      metric: 'mentions',
      grain: 'day',
      from: new Date(now - 3 * DAY).toISOString(),
      to: new Date(now + HOUR).toISOString(),
    });
    expect(days.length).toBeGreaterThanOrEqual(3);
    // Yesterday (local) is closed: live events land today, so its total must never move again.
    closedDay = days.at(-2)!;
    expect(closedDay.sum).toBeGreaterThan(0);

    // The Objectives page is not empty on the first start: goals set from the history just sent.
    const objectives = (await (await fetch(`${server.url}/api/v1/workspaces/demo/objectives`)).json()) as {
      rows: { id: string; kpi: string; brand: string; target: number; status: string }[];
    };
    expect(objectives.rows.map((o) => o.kpi).sort()).toEqual([
      'mentions',
      'net_sentiment',
      'share_of_search',
    ]);
    for (const o of objectives.rows) {
      expect(o.brand, o.id).toBe(workspace!.brands.find((b) => b.own)!.id);
      expect(o.status, o.id).not.toBe('no_data');
    }
    // A quarter's mentions at 8 % above the pace of the history sent (rounded to two digits).
    const end = Math.floor(now / HOUR) * HOUR;
    const recent = (await (
      await fetch(
        `${server.url}/api/v1/workspaces/demo/kpis/mentions?from=${new Date(end - 3 * DAY).toISOString()}&to=${new Date(end).toISOString()}`,
      )
    ).json()) as { value: number };
    const quarter = objectives.rows.find((o) => o.kpi === 'mentions')!;
    expect(quarter.target / ((recent.value / 3) * 91 * 1.08)).toBeCloseTo(1, 1);

    // Live: accepted totals grow, and the current hour keeps receiving events.
    const hourStart = Math.floor(now / HOUR) * HOUR;
    const before = await total(server, 'demo', 'impressions', hourStart, hourStart + 2 * HOUR);
    const accepted = status(server) as FeedStatus;
    await until('live events to land', async () => {
      const after = await total(server, 'demo', 'impressions', hourStart, hourStart + 2 * HOUR);
      return after.count > before.count ? after : undefined;
    });
    await until('the accepted total to grow', () =>
      (status(server) as FeedStatus).accepted >= accepted.accepted + 400 ? true : undefined,
    );
    expect((status(server) as FeedStatus).rejected).toBe(0);

    // Closing stops the feeder first: nothing is posted (or retried) after close.
    await stop(server);
    const closed = status(server) as FeedStatus;
    expect(closed.phase).toBe('stopped');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(status(server)).toEqual(closed);
    expect(closed.failedBatches).toBe(0);
  });

  it('resumes streaming after a restart without backfilling again', async () => {
    expect(dataDir).not.toBe('');
    const server = await start({ dataDir, demo: 'auto', demoDays: 3, demoRate: 200 });
    const resumed = await live(server);
    expect(resumed.created).toBe(false);
    expect(resumed.backfillDays).toBe(0);
    await until('live events after the restart', () =>
      (status(server) as FeedStatus).accepted > 0 ? true : undefined,
    );
    expect((await workspaces(server)).map((w) => w.id)).toEqual(['demo']);
    const objectives = await (await fetch(`${server.url}/api/v1/workspaces/demo/objectives`)).json();
    expect((objectives as { rows: unknown[] }).rows, 'added once, not again at each start').toHaveLength(3);
    const days = await getSeries(server.url, 'demo', {
      metric: 'mentions',
      grain: 'day',
      from: closedDay!.bucket,
      to: new Date(Date.parse(closedDay!.bucket) + DAY).toISOString(),
    });
    expect(days[0]).toEqual(closedDay);
    await stop(server);
  });

  it('leaves a base that holds other workspaces alone', async () => {
    const first = await start({ demo: 'off' });
    await putWorkspace(first.url, 'acme');
    await stop(first);
    const server = await start({ dataDir: first.dataDir, demo: 'auto', demoRate: 200 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await workspaces(server)).map((w) => w.id)).toEqual(['acme']);
    expect(status(server).phase).toBe('off');
    await stop(server);
  });

  it('does nothing with DEMO=off', async () => {
    const server = await start({ demo: 'off' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await workspaces(server)).toEqual([]);
    expect(status(server).phase).toBe('off');
    await stop(server);
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function simulate(args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/demo/cli.ts', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`simulate ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run simulate', () => {
  it('feeds a running hub at the asked rate for the asked time, with an ingest key', async () => {
    const server = await start({ demo: 'off' });
    await putWorkspace(server.url, 'sim', {
      brands: DEMO_WORKSPACE.brands,
      timezone: DEMO_WORKSPACE.timezone,
    });
    const created = await fetch(`${server.url}/api/v1/workspaces/sim/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'simulator', scopes: ['ingest', 'read'] }),
    });
    const { key } = (await created.json()) as { key: string };
    const args = ['--url', server.url, '--workspace', 'sim', '--rate', '500', '--duration', '3'];
    const refused = await simulate(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused the credentials.*401/);
    expect(refused.stderr).toMatch(/--key, or CONVERGENCE_KEY/);

    const run = await simulate([...args, '--key', key, '--buzz', 'aurelune']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/feeding the existing workspace/);
    expect(run.stdout).toMatch(/a bad buzz starts now \{"brand":"aurelune"/);
    const accepted = Number(/done in .* accepted (\d+) · rejected 0/.exec(run.stdout)?.[1]);
    expect(accepted).toBeGreaterThanOrEqual(1000);
    expect(accepted).toBeLessThanOrEqual(2000);

    const [sim] = await workspaces(server);
    expect(sim!.id).toBe('sim');
    expect(sim!.brands.filter((b) => b.own)).toHaveLength(1);
    const now = Date.now();
    let landed = 0;
    for (const metric of ['impressions', 'visits', 'reach', 'mentions', 'views', 'followers']) {
      landed += (await total(server, 'sim', metric, now - HOUR, now + HOUR)).count;
    }
    expect(landed).toBeGreaterThan(0);
    await stop(server);
  });

  it('explains an unreachable hub and a bad argument', async () => {
    const port = await freePort();
    const [unreachable, notUrl, badRate] = await Promise.all([
      simulate(['--url', `http://127.0.0.1:${port}`, '--rate', '10', '--duration', '1']),
      simulate(['--url', 'localhost-8080']),
      simulate(['--url', 'http://127.0.0.1:8080', '--rate', 'fast']),
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`Cannot reach the hub at http://127.0.0.1:${port}`);
    expect(unreachable.stderr).toMatch(/npm start/);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toMatch(/--url "localhost-8080" is not a URL/);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toMatch(/--rate must be a number/);
  });
});
