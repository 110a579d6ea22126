import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnomalyHistory } from '../../shared/schemas/anomalies.js';
import type { Alert } from '../../shared/schemas/live.js';
import {
  event,
  expectError,
  postEvents,
  putWorkspace,
  startServer,
  type EventRow,
  type TestServer,
} from '../helpers/server.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

// The hub's clock runs three hours behind the real one, so that the test can close its hours at
// will with rows whose times are real past times.
const realHour = Math.floor(Date.now() / HOUR) * HOUR;
const B0 = realHour - 3 * HOUR;
let clock = B0 + 5 * MINUTE;
// The backfilled hour: noon UTC, a day and a half to two and a half days back. Fixed to noon
// because a spike in the last hours before a day's refit still lifts the next day's forecast (the
// clipped spike stays well above its usual level, and the trend follows): run at 01:00 UTC with the
// spike two days back to the hour, the day after it flagged a dozen ordinary hours. That is a known
// gap of the detector, noted on issue 12, not what this file tests.
const BACKFILLED = Math.floor((B0 - 48 * HOUR) / (24 * HOUR)) * 24 * HOUR + 12 * HOUR;
let server: TestServer;
/** The grains of the KPI reads the detector made to fit forecasts during its first look. */
const firstLookReads: string[] = [];

/** A daily rhythm with a little noise that repeats: mentions of a brand at hour t. */
function mentions(brand: string, t: number): number {
  const base = brand === 'acme' ? 60 : brand === 'globex' ? 40 : 30;
  const hour = new Date(t).getUTCHours();
  const noise = ((Math.sin(t / HOUR) * 10_000) % 1) * 0.08;
  return Math.round(base * (1 + 0.5 * Math.sin(((hour - 12) * Math.PI) / 12) + noise));
}

/** A brand's mentions in one hour: 70 % on x / social, 30 % on news / media. */
function hourRows(brand: string, t: number, total = mentions(brand, t)): EventRow[] {
  const x = Math.round(total * 0.7);
  return [
    event(brand, 'social', 'x', 'mentions', x, new Date(t + 10 * MINUTE).toISOString()),
    event(brand, 'media', 'news', 'mentions', total - x, new Date(t + 20 * MINUTE).toISOString()),
  ];
}

const post = async (rows: EventRow[]) => {
  const response = await postEvents(server.url, 'anom', JSON.stringify(rows), 'application/json');
  expect(response.status, await response.clone().text()).toBe(200);
};

/** Moves the hub's clock and waits for the detector to have looked. */
async function moveTo(ms: number): Promise<void> {
  clock = ms;
  await server.app.anomalies.afterNextCheck();
  await server.app.anomalies.afterNextCheck();
}

const alerts = async (query = 'kind=anomaly'): Promise<Alert[]> => {
  const response = await fetch(`${server.url}/api/v1/workspaces/anom/alerts?${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: Alert[] }).rows;
};

beforeAll(async () => {
  server = await startServer({ tickMs: 100 }, { now: () => clock });
  await putWorkspace(server.url, 'anom');
  const rows: EventRow[] = [];
  for (let t = B0 - 8 * 24 * HOUR; t < B0; t += HOUR)
    for (const brand of ['acme', 'globex', 'initech']) rows.push(...hourRows(brand, t));
  await post(rows);
  const readForFit = vi.spyOn(server.app.forecasts, 'readForFit');
  // The detector's first look fits every watched series (the hour B0 is the one under way).
  await moveTo(clock + 1000);
  firstLookReads.push(...readForFit.mock.calls.map((call) => call[2]));
  readForFit.mockRestore();
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('anomaly alerts', () => {
  it('with 8 days of history, the first look reads each KPI at hour grain and none at day grain (a year of days is needed)', () => {
    expect(firstLookReads.filter((grain) => grain === 'hour').length).toBeGreaterThan(0);
    expect(firstLookReads.filter((grain) => grain === 'day')).toEqual([]);
  });

  it('a spike of the own brand and a dip of a competitor raise alerts when their hour closes, with their drivers', async () => {
    // Acme: five times its usual mentions, the extra all on x / social. Globex: almost silent.
    const usual = mentions('acme', B0);
    await post([
      ...hourRows('acme', B0),
      event('acme', 'social', 'x', 'mentions', 4 * usual, new Date(B0 + 30 * MINUTE).toISOString()),
      event('globex', 'social', 'x', 'mentions', 1, new Date(B0 + 10 * MINUTE).toISOString()),
      ...hourRows('initech', B0),
    ]);
    expect(await alerts()).toEqual([]);
    await moveTo(B0 + HOUR + 30_000);

    const raised = await alerts();
    const acme = raised.find((a) => a.brand === 'acme' && a.kpi === 'mentions');
    expect(acme, JSON.stringify(raised.map((a) => a.message.en))).toBeDefined();
    expect(acme).toMatchObject({
      kind: 'anomaly',
      grain: 'hour',
      bucket: new Date(B0).toISOString(),
      value: 5 * usual,
      direction: 'up',
      impact: 'opportunity',
      severity: 'critical',
      acknowledged: false,
    });
    expect(acme!.expected).toBeGreaterThan(usual * 0.7);
    expect(acme!.expected).toBeLessThan(usual * 1.3);
    expect(acme!.hi).toBeLessThan(acme!.value!);
    expect(acme!.lo).toBeLessThanOrEqual(acme!.expected!);
    expect(acme!.drivers![0]).toMatchObject({ source: 'x', touchpoint: 'social' });
    expect(acme!.drivers![0]!.share).toBeGreaterThan(0.9);
    expect(acme!.message.en).toMatch(
      /^Mentions of Acme \+\d+(\.\d)?% vs expected \(\d+ for \d+\), \d+% from x \/ Social\.$/,
    );
    // The touchpoint in the reader's words, as on the dashboard.
    expect(acme!.message.fr).toMatch(/^Mentions de Acme \+\d+.*par rapport à l’attendu.* de x \/ Social\.$/);

    const globex = raised.find((a) => a.brand === 'globex' && a.kpi === 'mentions');
    expect(globex).toMatchObject({ direction: 'down', impact: 'opportunity', value: 1 });
    // A share moves with every brand: Acme's share of voice rose, driven by Acme on x / social.
    const sov = raised.find((a) => a.brand === 'acme' && a.kpi === 'share_of_voice');
    expect(sov).toMatchObject({ direction: 'up' });
    expect(sov!.drivers!.map((d) => `${d.brand}:${d.source}`)).toContain('acme:x');
    // Initech's ordinary hour raised nothing on its mentions.
    expect(raised.find((a) => a.brand === 'initech' && a.kpi === 'mentions')).toBeUndefined();
  });

  it('resolves when the values come back, and the list filters by status and kind', async () => {
    await post([
      ...hourRows('acme', B0 + HOUR),
      ...hourRows('globex', B0 + HOUR),
      ...hourRows('initech', B0 + HOUR),
    ]);
    await moveTo(B0 + 2 * HOUR + 30_000);
    const [acme] = (await alerts()).filter((a) => a.brand === 'acme' && a.kpi === 'mentions');
    expect(acme!.resolvedAt).toBe(new Date(B0 + 2 * HOUR).toISOString());
    expect((await alerts('kind=anomaly&status=resolved')).map((a) => a.id)).toContain(acme!.id);
    expect((await alerts('kind=anomaly&status=open')).map((a) => a.id)).not.toContain(acme!.id);
    expect(await alerts('kind=source_silent,rejected_burst')).toEqual([]);
    await expectError(
      await fetch(`${server.url}/api/v1/workspaces/anom/alerts?kind=spike`),
      400,
      'invalid_query',
    );
  });

  it('late rows into an hour already judged raise its alert; rows older than a day do not', async () => {
    // Initech's B0 + 1 h was judged ordinary; a late batch triples it.
    const before = (await alerts()).length;
    await post([
      event(
        'initech',
        'social',
        'x',
        'mentions',
        3 * mentions('initech', B0 + HOUR),
        new Date(B0 + HOUR + 40 * MINUTE).toISOString(),
      ),
    ]);
    // A backfill into an hour two days back: the history's, not a live alert.
    await post([event('initech', 'media', 'news', 'mentions', 5_000, new Date(BACKFILLED).toISOString())]);
    await moveTo(clock + 11_000);
    const now = await alerts();
    const late = now.filter((a) => a.brand === 'initech' && a.kpi === 'mentions');
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({
      bucket: new Date(B0 + HOUR).toISOString(),
      direction: 'up',
      impact: 'threat',
    });
    expect(now.length).toBeGreaterThan(before);
  });

  it('the cooldown stops a second alert of the same series soon after the first', async () => {
    const spike = 6 * mentions('acme', B0 + 2 * HOUR);
    await post([
      event('acme', 'social', 'x', 'mentions', spike, new Date(B0 + 2 * HOUR + 5 * MINUTE).toISOString()),
    ]);
    await moveTo(B0 + 3 * HOUR + 30_000);
    const acme = (await alerts()).filter((a) => a.brand === 'acme' && a.kpi === 'mentions');
    expect(acme).toHaveLength(1);
  });
});

describe('GET …/anomalies', () => {
  it('lists what the detector flags over a past span, each hour judged with the data before it only', async () => {
    const url = `${server.url}/api/v1/workspaces/anom/anomalies?kpi=mentions&brand=initech&from=${new Date(B0 - 4 * 24 * HOUR).toISOString()}&to=${new Date(B0 + 2 * HOUR).toISOString()}`;
    let history: AnomalyHistory;
    do {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      history = (await response.json()) as AnomalyHistory;
    } while (!history.complete);
    const buckets = history.rows.map((r) => r.bucket);
    // The backfilled hour two days back and the late tripled hour are both there, flagged up.
    expect(buckets).toContain(new Date(BACKFILLED).toISOString());
    expect(buckets).toContain(new Date(B0 + HOUR).toISOString());
    const backfilled = history.rows.find((r) => r.bucket === new Date(BACKFILLED).toISOString())!;
    expect(backfilled).toMatchObject({ brand: 'initech', kpi: 'mentions', direction: 'up' });
    expect(backfilled.value).toBeGreaterThan(5_000);
    expect(backfilled.score).toBeGreaterThan(1);
    // The ordinary hours around are not flagged (a rhythm with 8 % noise): a few at most.
    expect(history.rows.length).toBeLessThan(12);
  });

  it('refuses a span too long, a KPI not in the catalogue and a brand outside the set', async () => {
    const base = `${server.url}/api/v1/workspaces/anom/anomalies`;
    await expectError(
      await fetch(`${base}?kpi=mentions&from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z`),
      400,
      'invalid_query',
    );
    await expectError(await fetch(`${base}?kpi=nope`), 400, 'unknown_kpi');
    await expectError(await fetch(`${base}?kpi=mentions&brand=nobody`), 400, 'invalid_query');
  });
});
