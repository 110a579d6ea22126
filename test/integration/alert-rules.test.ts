// Alert rules on a real hub: rows arrive over HTTP, the rules are evaluated on the hub's timer
// with a clock the test moves, and what they raise is read where a person reads alerts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRuleView } from '../../shared/schemas/alert-rules.js';
import type { Alert, ServerMessage } from '../../shared/schemas/live.js';
import { LiveClient } from '../helpers/live-client.js';
import {
  event,
  expectError,
  postEvents,
  putWorkspace,
  startServer,
  type TestServer,
} from '../helpers/server.js';
import { anonymousFetch, bearer, signIn } from '../helpers/sign-in.js';

type Delta = Extract<ServerMessage, { type: 'delta' }>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

// The hub's clock, moved by the tests; it starts three days back so that every row sent is in the
// past for ingest, which checks event times against the real clock.
let clock = Math.floor(Date.now() / HOUR) * HOUR - 72 * HOUR;
const now = () => clock;
/** Rules are evaluated every 100 ms here (every minute by default). */
const FAST = { alertRuleIntervalMs: 100 };

let server: TestServer;

beforeAll(async () => {
  server = await startServer(FAST, { now });
});
afterAll(async () => {
  await server?.close();
});

/** Each test moves the clock on from where the last left it: its own base time. */
function nextBase(): number {
  clock += 3 * HOUR;
  return clock;
}

const mentions = (brand: string, atMs: number, value: number) =>
  event(brand, 'social', 'x', 'mentions', value, iso(atMs));
const visits = (brand: string, atMs: number, value: number) =>
  event(brand, 'site', 'web', 'visits', value, iso(atMs));

async function send(hub: TestServer, ws: string, rows: object[]): Promise<void> {
  expect((await postEvents(hub.url, ws, JSON.stringify(rows), 'application/json')).status).toBe(200);
}

function putRule(
  hub: TestServer,
  ws: string,
  id: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return fetch(`${hub.url}/api/v1/workspaces/${ws}/alert-rules/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function put(hub: TestServer, ws: string, id: string, body: unknown): Promise<AlertRuleView> {
  const response = await putRule(hub, ws, id, body);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as AlertRuleView;
}

async function rules(hub: TestServer, ws: string): Promise<AlertRuleView[]> {
  const response = await fetch(`${hub.url}/api/v1/workspaces/${ws}/alert-rules`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: AlertRuleView[] }).rows;
}

async function ruleAlerts(hub: TestServer, ws: string, query = ''): Promise<Alert[]> {
  const response = await fetch(`${hub.url}/api/v1/workspaces/${ws}/alerts?kind=rule${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: Alert[] }).rows;
}

/**
 * Sets the clock to `t` and waits for the hub's timer to evaluate rule `id` at that time. The timer
 * keeps evaluating at the current clock: rows meant for the evaluation at `t` are timed at `t`'s
 * minute, so that no evaluation sees them before the clock gets there.
 */
async function evaluatedAt(hub: TestServer, ws: string, id: string, t: number): Promise<AlertRuleView> {
  clock = t;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rule = (await rules(hub, ws)).find((r) => r.id === id);
    if (rule?.state.evaluatedAt === iso(t)) return rule;
    if (Date.now() > deadline)
      throw new Error(`rule ${id} was not evaluated at ${iso(t)}: ${JSON.stringify(rule)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const brandState = (rule: AlertRuleView, brand: string) => rule.state.brands.find((b) => b.brand === brand);

describe('a threshold rule on a counter', () => {
  let t = 0;
  it('fires once rows push it over, as a rule alert pushed live, and stays one alert while it holds', async () => {
    t = nextBase();
    await putWorkspace(server.url, 'thr');
    const created = await put(server, 'thr', 'loud', {
      kpi: 'mentions',
      condition: { type: 'above', value: 100 },
      window: '1h',
      cooldownMinutes: 120,
      name: 'Buzz',
    });
    expect(created).toEqual({
      id: 'loud',
      name: 'Buzz',
      kpi: 'mentions',
      brands: 'own',
      condition: { type: 'above', value: 100 },
      window: '1h',
      pendingMinutes: 0,
      cooldownMinutes: 120,
      severity: 'warning',
      updatedAt: iso(t),
      state: {
        evaluatedAt: iso(t),
        firing: false,
        error: null,
        brands: [
          {
            brand: 'acme',
            value: null,
            previous: null,
            deltaPct: null,
            holds: null,
            holdingSince: null,
            firing: false,
            alert: null,
            coolingUntil: null,
          },
        ],
      },
    });
    const live = await LiveClient.open(server.url);
    live.send({ type: 'subscribe', id: 'a', topic: 'alerts', params: { workspace: 'thr' } });
    await live.next((m) => m.type === 'snapshot' && m.id === 'a');

    await send(server, 'thr', [mentions('acme', t + MINUTE, 60), mentions('acme', t + MINUTE + 30_000, 50)]);
    const fired = await evaluatedAt(server, 'thr', 'loud', t + MINUTE);
    expect(fired.state.firing).toBe(true);
    expect(brandState(fired, 'acme')).toMatchObject({ value: 110, holds: true, firing: true });

    const [alert, ...others] = await ruleAlerts(server, 'thr');
    expect(others).toEqual([]);
    expect(alert).toMatchObject({
      kind: 'rule',
      severity: 'warning',
      rule: 'loud',
      brand: 'acme',
      kpi: 'mentions',
      value: 110,
      direction: 'up',
      subject: { rule: 'loud', brand: 'acme' },
      at: iso(t + MINUTE),
      acknowledged: false,
      message: {
        en: 'Mentions of Acme: 110 over the last hour, above 100 (rule “Buzz”).',
        // French typography: narrow no-break spaces before : and inside « ».
        fr: 'Mentions de Acme\u202f: 110 sur la dernière heure, au-dessus de 100 (règle «\u202fBuzz\u202f»).',
      },
    });
    expect(alert!.resolvedAt).toBeUndefined();
    expect(brandState(fired, 'acme')!.alert).toBe(alert!.id);
    const pushed = await live.next<Delta>((m) => m.type === 'delta' && m.id === 'a');
    expect(pushed.changes.set[`alert:${alert!.id}`]).toMatchObject({ kind: 'rule', rule: 'loud' });
    await live.close();

    // Acknowledged like any alert; still open (firing) until the values come back.
    const ack = await fetch(`${server.url}/api/v1/workspaces/thr/alerts/${alert!.id}/ack`, {
      method: 'POST',
    });
    expect(ack.status).toBe(200);
    await send(server, 'thr', [mentions('acme', t + 2 * MINUTE, 5)]);
    const still = await evaluatedAt(server, 'thr', 'loud', t + 2 * MINUTE);
    expect(brandState(still, 'acme')).toMatchObject({ value: 115, firing: true, alert: alert!.id });
    expect((await ruleAlerts(server, 'thr', '&status=acknowledged')).map((a) => a.id)).toEqual([alert!.id]);
  });

  it('resolves when the value falls back, then raises no new alert within the cooldown', async () => {
    // An hour on, the window [t+2m, t+62m) has lost the 110 mentions of t+1m: 5, not above 100.
    const resolved = await evaluatedAt(server, 'thr', 'loud', t + 61 * MINUTE);
    expect(brandState(resolved, 'acme')).toMatchObject({
      value: 5,
      holds: false,
      firing: false,
      alert: null,
    });
    const [first] = await ruleAlerts(server, 'thr');
    expect(first!.resolvedAt).toBe(iso(t + 61 * MINUTE));

    // Over 100 again 61 minutes after the alert: within its 120-minute cooldown, nothing is raised.
    await send(server, 'thr', [mentions('acme', t + 62 * MINUTE, 120)]);
    // The window [t+3m, t+63m): the 120 alone.
    const cooling = await evaluatedAt(server, 'thr', 'loud', t + 62 * MINUTE);
    expect(brandState(cooling, 'acme')).toMatchObject({
      value: 120,
      holds: true,
      firing: false,
      coolingUntil: iso(t + 121 * MINUTE),
    });
    expect(await ruleAlerts(server, 'thr')).toHaveLength(1);

    // The cooldown over, a second alert.
    const again = await evaluatedAt(server, 'thr', 'loud', t + 121 * MINUTE);
    expect(again.state.firing).toBe(true);
    const listed = await ruleAlerts(server, 'thr');
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({ at: iso(t + 121 * MINUTE), value: 120 });
    expect(listed[0]!.resolvedAt).toBeUndefined();
  });
});

describe('the pending period', () => {
  it('holds the alert back until the condition has held that long', async () => {
    const t = nextBase();
    await putWorkspace(server.url, 'pend');
    await put(server, 'pend', 'slow', {
      kpi: 'mentions',
      brands: ['globex'],
      condition: { type: 'above', value: 100 },
      window: '1h',
      pendingMinutes: 10,
      severity: 'critical',
    });
    await send(server, 'pend', [mentions('globex', t + MINUTE, 150)]);
    const holding = await evaluatedAt(server, 'pend', 'slow', t + MINUTE);
    expect(brandState(holding, 'globex')).toMatchObject({
      value: 150,
      holds: true,
      holdingSince: iso(t + MINUTE),
      firing: false,
    });
    await evaluatedAt(server, 'pend', 'slow', t + 10 * MINUTE);
    expect(await ruleAlerts(server, 'pend')).toEqual([]);
    await evaluatedAt(server, 'pend', 'slow', t + 11 * MINUTE);
    expect(await ruleAlerts(server, 'pend')).toEqual([
      expect.objectContaining({ brand: 'globex', severity: 'critical', at: iso(t + 11 * MINUTE) }),
    ]);
  });
});

describe('a change vs the previous period', () => {
  it('fires on a fall of the percent asked, at once when the rule is stored', async () => {
    const t = nextBase();
    await putWorkspace(server.url, 'chg');
    // The hour [t-59m, t+1m) against the one before it: 100 visits, then 70 (-30 %).
    await send(server, 'chg', [visits('acme', t - 90 * MINUTE, 100), visits('acme', t - 30 * MINUTE, 70)]);
    const drop = await put(server, 'chg', 'drop', {
      kpi: 'visits',
      condition: { type: 'change', percent: -20 },
      window: '1h',
    });
    expect(brandState(drop, 'acme')).toMatchObject({ value: 70, previous: 100, holds: true, firing: true });
    expect(drop.state.brands[0]!.deltaPct).toBeCloseTo(-0.3, 12);
    expect(await ruleAlerts(server, 'chg')).toEqual([
      expect.objectContaining({
        rule: 'drop',
        kpi: 'visits',
        value: 70,
        direction: 'down',
        message: expect.objectContaining({
          en: 'Visits of Acme fell 30.0% over the last hour vs the hour before (100 → 70), a fall of at least 20.0% (rule “drop”).',
        }),
      }),
    ]);
  });

  it('fires on a rise only once it reaches the percent asked', async () => {
    const t = clock;
    await send(server, 'chg', [visits('globex', t - 90 * MINUTE, 10), visits('globex', t - 30 * MINUTE, 12)]);
    const surge = await put(server, 'chg', 'surge', {
      kpi: 'visits',
      brands: ['globex'],
      condition: { type: 'change', percent: 50 },
      window: '1h',
    });
    expect(brandState(surge, 'globex')).toMatchObject({
      value: 12,
      previous: 10,
      holds: false,
      firing: false,
    });
    await send(server, 'chg', [visits('globex', t + MINUTE, 5)]);
    const risen = await evaluatedAt(server, 'chg', 'surge', t + MINUTE);
    expect(brandState(risen, 'globex')).toMatchObject({ value: 17, holds: true, firing: true });
    expect((await ruleAlerts(server, 'chg')).filter((a) => a.rule === 'surge')).toEqual([
      expect.objectContaining({ brand: 'globex', direction: 'up', value: 17 }),
    ]);
  });
});

describe('a rule on the whole set', () => {
  it('judges each brand on its own, and a below rule resolves for the brand that more rows lift', async () => {
    const t = nextBase();
    await putWorkspace(server.url, 'set');
    await send(server, 'set', [
      mentions('acme', t - HOUR, 70),
      mentions('globex', t - HOUR, 25),
      mentions('initech', t - HOUR, 5),
    ]);
    const rule = await put(server, 'set', 'sov-floor', {
      kpi: 'share_of_voice',
      brands: 'set',
      condition: { type: 'below', value: 0.3 },
      name: 'SoV floor',
    });
    expect(rule.window).toBe('24h');
    expect(rule.state.brands.map((b) => [b.brand, b.value, b.firing])).toEqual([
      ['acme', 0.7, false],
      ['globex', 0.25, true],
      ['initech', 0.05, true],
    ]);
    const raised = await ruleAlerts(server, 'set');
    expect(raised.map((a) => a.brand).sort()).toEqual(['globex', 'initech']);
    expect(raised.find((a) => a.brand === 'globex')!.message.en).toBe(
      'Share of voice of Globex: 25.0% over the last 24 h, below 30.0% (rule “SoV floor”).',
    );

    // Globex gets 30 more mentions: 55 of 130 (42 %), above the floor; Initech is still below it.
    await send(server, 'set', [mentions('globex', t + MINUTE, 30)]);
    const after = await evaluatedAt(server, 'set', 'sov-floor', t + MINUTE);
    expect(brandState(after, 'globex')).toMatchObject({ holds: false, firing: false });
    expect(brandState(after, 'initech')).toMatchObject({ holds: true, firing: true });
    expect((await ruleAlerts(server, 'set', '&status=resolved')).map((a) => a.brand)).toEqual(['globex']);
    expect((await ruleAlerts(server, 'set', '&status=open')).map((a) => a.brand)).toEqual(['initech']);
  });
});

describe('rules on custom KPIs, edited and deleted', () => {
  it('a custom KPI can be ruled on; once it is deleted the rule says why it is not evaluated, and the others go on', async () => {
    const t = nextBase();
    await putWorkspace(server.url, 'cust');
    const kpi = await fetch(`${server.url}/api/v1/workspaces/cust/kpis/press_mentions`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        label: 'Press mentions',
        formula: 'sum(mentions where source = "press")',
        unit: 'count',
        direction: 'higher',
      }),
    });
    expect(kpi.status).toBe(200);
    await send(server, 'cust', [
      event('acme', 'media', 'press', 'mentions', 12, iso(t - HOUR)),
      mentions('acme', t - HOUR, 3),
    ]);
    const press = await put(server, 'cust', 'press', {
      kpi: 'press_mentions',
      condition: { type: 'above', value: 10 },
    });
    expect(brandState(press, 'acme')).toMatchObject({ value: 12, firing: true });
    await put(server, 'cust', 'quiet', { kpi: 'mentions', condition: { type: 'below', value: 100 } });

    expect(
      (await fetch(`${server.url}/api/v1/workspaces/cust/kpis/press_mentions`, { method: 'DELETE' })).status,
    ).toBe(204);
    const broken = await evaluatedAt(server, 'cust', 'press', t + MINUTE);
    expect(broken.state.error).toMatch(/KPI "press_mentions" is not in the catalogue/);
    const other = await evaluatedAt(server, 'cust', 'quiet', t + 2 * MINUTE);
    expect(other.state.error).toBeNull();
    expect(brandState(other, 'acme')).toMatchObject({ value: 15, firing: true });
  });

  it('the same rule sent again keeps its state; a changed one starts afresh; a deleted one resolves its alert', async () => {
    const t = clock;
    const body = { kpi: 'mentions', condition: { type: 'below', value: 100 } };
    const before = (await rules(server, 'cust')).find((r) => r.id === 'quiet')!;
    const open = brandState(before, 'acme')!.alert;
    expect(open).not.toBeNull();
    const same = await put(server, 'cust', 'quiet', body);
    expect(same.updatedAt).toBe(before.updatedAt);
    expect(brandState(same, 'acme')!.alert).toBe(open);

    clock = t + MINUTE;
    const changed = await put(server, 'cust', 'quiet', { ...body, condition: { type: 'below', value: 10 } });
    expect(changed.updatedAt).toBe(iso(t + MINUTE));
    expect(brandState(changed, 'acme')).toMatchObject({
      value: 15,
      holds: false,
      firing: false,
      coolingUntil: null,
    });
    const quiet = (await ruleAlerts(server, 'cust')).filter((a) => a.rule === 'quiet');
    expect(quiet).toEqual([expect.objectContaining({ id: open, resolvedAt: iso(t + MINUTE) })]);

    // Fires again under a new threshold, then is deleted: its alert resolves and stays listed.
    clock = t + 2 * MINUTE;
    const refired = await put(server, 'cust', 'quiet', { ...body, condition: { type: 'below', value: 20 } });
    const second = brandState(refired, 'acme')!.alert!;
    clock = t + 3 * MINUTE;
    expect(
      (await fetch(`${server.url}/api/v1/workspaces/cust/alert-rules/quiet`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await rules(server, 'cust')).map((r) => r.id)).toEqual(['press']);
    expect((await ruleAlerts(server, 'cust')).find((a) => a.id === second)).toMatchObject({
      resolvedAt: iso(t + 3 * MINUTE),
    });
    await expectError(
      await fetch(`${server.url}/api/v1/workspaces/cust/alert-rules/quiet`, { method: 'DELETE' }),
      404,
      'not_found',
    );
  });
});

describe('what a rule refuses', () => {
  it('an unknown KPI or brand, a window, a change of 0 %, an id or a workspace that is not valid: 400 (404) with a hint', async () => {
    await putWorkspace(server.url, 'bad');
    const ok = { kpi: 'mentions', condition: { type: 'above', value: 1 } };
    const kpi = await expectError(
      await putRule(server, 'bad', 'r', { ...ok, kpi: 'buzz' }),
      400,
      'unknown_kpi',
    );
    expect(kpi.message).toContain('"buzz"');
    expect(kpi.hint).toContain('share_of_voice');
    const brand = await expectError(
      await putRule(server, 'bad', 'r', { ...ok, brands: ['acme', 'hooli'] }),
      400,
      'invalid_query',
    );
    expect(brand.message).toContain('"hooli"');
    expect(brand.hint).toBe('Its set: acme, globex, initech.');
    const window = await expectError(
      await putRule(server, 'bad', 'r', { ...ok, window: '2w' }),
      400,
      'invalid_request',
    );
    expect(window.message).toContain('window');
    await expectError(
      await putRule(server, 'bad', 'r', { ...ok, condition: { type: 'change', percent: 0 } }),
      400,
      'invalid_query',
    );
    await expectError(
      await putRule(server, 'bad', 'r', { ...ok, condition: { type: 'near', value: 1 } }),
      400,
      'invalid_request',
    );
    await expectError(
      await putRule(server, 'bad', 'r', { ...ok, pendingMinutes: -1 }),
      400,
      'invalid_request',
    );
    await expectError(await putRule(server, 'bad', 'Not An Id', ok), 400, 'invalid_request');
    await expectError(await putRule(server, 'nowhere', 'r', ok), 404, 'unknown_workspace');
    expect(await rules(server, 'bad')).toEqual([]);
  });
});

describe('who may do what', () => {
  it('a viewer reads the rules but changes none; an analyst puts them; each change is audited', async () => {
    await putWorkspace(server.url, 'acl');
    for (const [email, role] of [
      ['vic@example.com', 'viewer'],
      ['ana@example.com', 'analyst'],
    ]) {
      const member = await fetch(`${server.url}/api/v1/workspaces/acl/members/${email}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role, password: 'a long enough password' }),
      });
      expect(member.status).toBeLessThan(300);
    }
    const viewer = bearer(await signIn(server.url, 'vic@example.com', 'a long enough password'));
    const analyst = bearer(await signIn(server.url, 'ana@example.com', 'a long enough password'));
    const body = { kpi: 'mentions', condition: { type: 'above', value: 1000 } };
    await expectError(await putRule(server, 'acl', 'r', body, viewer), 403, 'forbidden');
    expect((await putRule(server, 'acl', 'r', body, analyst)).status).toBe(200);
    const read = await anonymousFetch(`${server.url}/api/v1/workspaces/acl/alert-rules`, { headers: viewer });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { rows: AlertRuleView[] }).rows.map((r) => r.id)).toEqual(['r']);
    await expectError(
      await anonymousFetch(`${server.url}/api/v1/workspaces/acl/alert-rules/r`, {
        method: 'DELETE',
        headers: viewer,
      }),
      403,
      'forbidden',
    );
    const audit = (await (await fetch(`${server.url}/api/v1/workspaces/acl/audit`)).json()) as {
      rows: { actor: string; action: string; target: string }[];
    };
    expect(audit.rows).toContainEqual(
      expect.objectContaining({ actor: 'ana@example.com', action: 'alert_rule.put', target: 'r' }),
    );
  });

  it('a deleted workspace takes its rules with it', async () => {
    expect((await fetch(`${server.url}/api/v1/workspaces/acl`, { method: 'DELETE' })).status).toBe(204);
    await putWorkspace(server.url, 'acl');
    expect(await rules(server, 'acl')).toEqual([]);
  });
});

describe('a restart', () => {
  it('keeps the rules and their alerts: a firing alert is not raised twice, and the cooldown still holds', async () => {
    const t = nextBase();
    let hub = await startServer(FAST, { now });
    const dataDir = hub.dataDir;
    try {
      await putWorkspace(hub.url, 'keep');
      await send(hub, 'keep', [mentions('acme', t - 10 * MINUTE, 150), mentions('acme', t - 5 * MINUTE, 20)]);
      const fired = await put(hub, 'keep', 'loud', {
        kpi: 'mentions',
        condition: { type: 'above', value: 100 },
        window: '1h',
      });
      const alert = brandState(fired, 'acme')!.alert;
      expect(alert).not.toBeNull();
      await hub.close();

      hub = await startServer({ ...FAST, dataDir }, { now });
      const [kept] = await rules(hub, 'keep');
      expect(kept).toMatchObject({ id: 'loud', condition: { type: 'above', value: 100 }, updatedAt: iso(t) });
      expect(kept!.state.firing).toBe(true);
      const still = await evaluatedAt(hub, 'keep', 'loud', t + MINUTE);
      expect(brandState(still, 'acme')).toMatchObject({ value: 170, firing: true, alert });
      expect((await ruleAlerts(hub, 'keep')).map((a) => a.id)).toEqual([alert]);

      // At t+51m the 150 of t-10m has left the window: 20, resolved. Back over 100 at t+52m, within
      // the cooldown of the alert raised before the restart: nothing new.
      const resolved = await evaluatedAt(hub, 'keep', 'loud', t + 51 * MINUTE);
      expect(brandState(resolved, 'acme')).toMatchObject({ value: 20, firing: false });
      await send(hub, 'keep', [mentions('acme', t + 52 * MINUTE, 200)]);
      const cooling = await evaluatedAt(hub, 'keep', 'loud', t + 52 * MINUTE);
      expect(brandState(cooling, 'acme')).toMatchObject({
        holds: true,
        firing: false,
        coolingUntil: iso(t + 60 * MINUTE),
      });
      expect(await ruleAlerts(hub, 'keep')).toEqual([
        expect.objectContaining({ id: alert, resolvedAt: iso(t + 51 * MINUTE) }),
      ]);
    } finally {
      await hub.close();
    }
  });
});
