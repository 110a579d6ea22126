import { describe, expect, it } from 'vitest';
import { DEMO_WORKSPACE, Market, type MarketEvent } from '../../server/demo/market.js';
import {
  ID_PATTERN,
  isMetricValidFor,
  isTouchpoint,
  KNOWN_SOURCES,
  METRICS_BY_ID,
} from '../../shared/vocabulary.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A fixed "now", so that the suite always looks at the same stretch of the market. */
const NOW = Date.UTC(2026, 2, 15, 12);
const market = new Market();
const history = market.history(NOW - 90 * DAY, NOW);

const localHour = (() => {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris',
    hour: 'numeric',
    hourCycle: 'h23',
  });
  return (ms: number) => Number(format.format(ms));
})();

const sum = (events: MarketEvent[], keep: (e: MarketEvent) => boolean) =>
  events.reduce((s, e) => (keep(e) ? s + e.value : s), 0);

/** Events grouped by what one source reported for one brand at one time. */
function groups(events: MarketEvent[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const e of events) {
    const key = `${e.brand}|${e.touchpoint}|${e.source}|${e.ts}`;
    let group = out.get(key);
    if (!group) out.set(key, (group = new Map()));
    group.set(e.metric, e.value);
  }
  return out;
}

/** Problems of events the hub would reject (one expect for all: the history has ~500 k events). */
function invalid(events: MarketEvent[], brands: Set<string>): string[] {
  const problems: string[] = [];
  for (const e of events) {
    const metric = METRICS_BY_ID.get(e.metric);
    const problem = !brands.has(e.brand)
      ? 'unknown brand'
      : !isTouchpoint(e.touchpoint)
        ? 'unknown touchpoint'
        : !KNOWN_SOURCES[e.touchpoint].includes(e.source)
          ? 'unknown source'
          : !metric
            ? 'unknown metric'
            : !isMetricValidFor(metric, e.touchpoint)
              ? 'metric not valid for the touchpoint'
              : !Number.isFinite(e.value) || e.value < 0
                ? 'bad value'
                : metric.kind === 'counter' && !Number.isInteger(e.value)
                  ? 'fractional count'
                  : undefined;
    if (problem) problems.push(`${problem}: ${JSON.stringify(e)}`);
  }
  return problems.slice(0, 5);
}

/** Groups where related counters contradict each other. */
function inconsistent(events: MarketEvent[]): string[] {
  const problems: string[] = [];
  const pairs = [
    ['clicks', 'impressions'],
    ['brand_searches', 'impressions'],
    ['conversions', 'visits'],
    ['bounces', 'visits'],
    ['engagements', 'reach'],
    ['shares', 'views'],
    ['likes', 'views'],
  ];
  for (const [key, group] of groups(events)) {
    for (const [small, large] of pairs) {
      if (group.has(small!) && group.get(small!)! > (group.get(large!) ?? 0)) {
        problems.push(`${key}: ${small} > ${large}`);
      }
    }
    if (group.has('mentions')) {
      const [pos, neg, neutral] = ['positive_mentions', 'negative_mentions', 'neutral_mentions'].map(
        (m) => group.get(m) ?? 0,
      );
      if (pos! + neg! > group.get('mentions')! || pos! + neg! + neutral! !== group.get('mentions')) {
        problems.push(`${key}: sentiment does not add up to mentions`);
      }
    }
  }
  return problems.slice(0, 5);
}

describe('demo market', () => {
  it('defines a workspace with one own brand and 4–6 competitors', () => {
    const { brands } = DEMO_WORKSPACE;
    expect(brands.filter((b) => b.own)).toHaveLength(1);
    const competitors = brands.filter((b) => !b.own).length;
    expect(competitors).toBeGreaterThanOrEqual(4);
    expect(competitors).toBeLessThanOrEqual(6);
    for (const b of brands) expect(b.id).toMatch(new RegExp(ID_PATTERN));
    expect(DEMO_WORKSPACE.id).toBe('demo');
    expect(DEMO_WORKSPACE.timezone).toBe('Europe/Paris');
  });

  it('is deterministic for a seed, and another seed tells another story', () => {
    const from = NOW - 2 * DAY;
    expect(new Market().history(from, NOW)).toEqual(market.history(from, NOW));
    expect(new Market({ seed: 7 }).history(from, NOW)).not.toEqual(market.history(from, NOW));
    const live = (m: Market) => {
      const cursor = m.live(NOW);
      return [1, 2, 3].flatMap((s) => cursor.take(NOW + s * 1000, 50));
    };
    expect(live(new Market())).toEqual(live(market));
  });

  it('keeps 90 days of hourly history well under a million rows, all within the range', () => {
    expect(history.length).toBeGreaterThan(100_000);
    expect(history.length).toBeLessThan(800_000);
    expect(history.filter((e) => e.ts < NOW - 90 * DAY || e.ts >= NOW)).toEqual([]);
  });

  it('emits only events the vocabulary accepts, over all five touchpoints', () => {
    expect(invalid(history, new Set(DEMO_WORKSPACE.brands.map((b) => b.id)))).toEqual([]);
    expect(new Set(history.map((e) => e.touchpoint))).toEqual(
      new Set(['search', 'site', 'social', 'media', 'viral']),
    );
    const metrics = new Set(market.dictionaries().metrics);
    expect(history.filter((e) => !metrics.has(e.metric))).toEqual([]);
  });

  it('keeps related counters consistent (clicks ≤ impressions, sentiment ≤ mentions …)', () => {
    expect(inconsistent(history)).toEqual([]);
  });

  it('has a daily rhythm: evenings busier than nights', () => {
    const mentions = (hours: number[]) =>
      sum(history, (e) => e.metric === 'mentions' && hours.includes(localHour(e.ts)));
    expect(mentions([19, 20, 21, 22])).toBeGreaterThan(3 * mentions([2, 3, 4, 5]));
    const visits = (hours: number[]) =>
      sum(history, (e) => e.metric === 'visits' && hours.includes(localHour(e.ts)));
    expect(visits([19, 20, 21, 22])).toBeGreaterThan(3 * visits([2, 3, 4, 5]));
  });

  it('has a weekly rhythm: less press on weekends, more social', () => {
    const weekend = (e: MarketEvent) => [0, 6].includes(new Date(e.ts + HOUR).getUTCDay());
    const perDay = (keep: (e: MarketEvent) => boolean, days: boolean) =>
      sum(history, (e) => keep(e) && weekend(e) === days) / (days ? 2 : 5);
    const press = (e: MarketEvent) => e.source === 'press' && e.metric === 'mentions';
    const social = (e: MarketEvent) => e.touchpoint === 'social' && e.metric === 'reach';
    expect(perDay(press, true)).toBeLessThan(0.8 * perDay(press, false));
    expect(perDay(social, true)).toBeGreaterThan(1.05 * perDay(social, false));
  });

  it('gives brands their own baselines, so the leader differs per touchpoint', () => {
    const leader = (metric: string) => {
      const totals = new Map<string, number>();
      for (const e of history)
        if (e.metric === metric) totals.set(e.brand, (totals.get(e.brand) ?? 0) + e.value);
      return [...totals].sort((a, b) => b[1] - a[1])[0]![0];
    };
    expect(new Set([leader('impressions'), leader('views'), leader('engagements')]).size).toBeGreaterThan(1);
  });

  it('runs multi-day campaign bursts that lift the brand’s volumes', () => {
    const campaigns = market.episodes(NOW - 80 * DAY, NOW - 7 * DAY).filter((e) => e.kind === 'campaign');
    expect(campaigns.length).toBeGreaterThanOrEqual(3);
    for (const c of campaigns) {
      expect(c.endMs - c.startMs).toBeGreaterThanOrEqual(3 * DAY);
      const impressions = (from: number, to: number) =>
        sum(history, (e) => e.brand === c.brand && e.metric === 'impressions' && e.ts >= from && e.ts < to);
      // Same weekdays before and during: one week apart.
      const during = impressions(c.startMs + DAY, c.startMs + 2 * DAY);
      const before = impressions(c.startMs - 6 * DAY, c.startMs - 5 * DAY);
      expect(during).toBeGreaterThan(1.3 * before);
    }
  });

  it('has a bad buzz in the last 90 days that sinks the brand’s net sentiment', () => {
    const major = market
      .episodes(NOW - 90 * DAY, NOW)
      .filter((e) => e.kind === 'bad_buzz' && e.strength === 1 && e.startMs > NOW - 80 * DAY);
    expect(major.length).toBeGreaterThanOrEqual(1);
    for (const buzz of major) {
      expect(buzz.endMs - buzz.startMs).toBeGreaterThanOrEqual(DAY);
      expect(buzz.endMs - buzz.startMs).toBeLessThanOrEqual(2 * DAY);
      const net = (from: number, to: number) => {
        const of = (metric: string) =>
          sum(history, (e) => e.brand === buzz.brand && e.metric === metric && e.ts >= from && e.ts < to);
        const [pos, neg] = [of('positive_mentions'), of('negative_mentions')];
        return (pos - neg) / (pos + neg);
      };
      const baseline = net(buzz.startMs - 7 * DAY, buzz.startMs);
      const during = net(buzz.startMs, buzz.startMs + 12 * HOUR);
      expect(baseline).toBeGreaterThan(0.4);
      expect(during).toBeLessThan(baseline - 0.5);
    }
  });

  it('starts short bad buzz episodes now and then', () => {
    const short = market
      .episodes(NOW - 7 * DAY, NOW)
      .filter((e) => e.kind === 'bad_buzz' && e.endMs - e.startMs <= 3 * HOUR);
    expect(short.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps gauges as plausible levels: followers grow, ratings and positions stay in range', () => {
    const followers = history
      .filter((e) => e.metric === 'followers' && e.brand === 'aurelune' && e.source === 'instagram')
      .sort((a, b) => a.ts - b.ts);
    expect(followers.length).toBeGreaterThan(300);
    expect(followers.filter((e, i) => i > 0 && e.value < followers[i - 1]!.value)).toEqual([]);
    expect(followers.at(-1)!.value).toBeGreaterThan(followers[0]!.value);
    const outOfRange = history.filter(
      (e) =>
        (e.metric === 'app_rating' && (e.value < 1 || e.value > 5)) ||
        (e.metric === 'avg_position' && e.value < 1),
    );
    expect(outOfRange).toEqual([]);
  });

  it('streams live at the asked rate, never ahead of now, with consistent groups', () => {
    const cursor = market.live(NOW);
    let count = 0;
    let previous = NOW;
    for (let s = 1; s <= 120; s++) {
      const now = NOW + s * 1000;
      const batch = cursor.take(now, 20);
      count += batch.length;
      expect(batch.filter((e) => e.ts > now || e.ts < previous)).toEqual([]);
      expect(invalid(batch, new Set(DEMO_WORKSPACE.brands.map((b) => b.id)))).toEqual([]);
      expect(inconsistent(batch)).toEqual([]);
      previous = now;
    }
    expect(Math.abs(count - 120 * 20)).toBeLessThanOrEqual(20);
  });

  it('scales live values so that an hour of live events adds up to an hour of history', () => {
    const start = NOW - 6 * HOUR;
    const end = start + 2 * HOUR;
    const cursor = market.live(start);
    const live: MarketEvent[] = [];
    // 20 events a second, taken every 5 s.
    for (let t = start + 5_000; t <= end; t += 5_000) live.push(...cursor.take(t, 100));
    for (const metric of ['impressions', 'visits', 'mentions', 'views']) {
      const fromLive = sum(live, (e) => e.metric === metric);
      const fromHistory = sum(history, (e) => e.metric === metric && e.ts >= start && e.ts < end);
      expect(fromLive / fromHistory, metric).toBeGreaterThan(0.85);
      expect(fromLive / fromHistory, metric).toBeLessThan(1.15);
    }
  });

  it('maps its profiles onto any competitive set, own brand first', () => {
    const brands = [
      { id: 'globex', name: 'Globex', own: false },
      { id: 'acme', name: 'Acme', own: true },
    ];
    const small = new Market({ brands, timezone: 'UTC' });
    expect(small.brands[0]!.id).toBe('acme');
    const events = small.history(NOW - DAY, NOW);
    expect(invalid(events, new Set(['acme', 'globex']))).toEqual([]);
    expect(new Set(events.map((e) => e.brand))).toEqual(new Set(['acme', 'globex']));
  });
});

describe('a bad buzz on demand (npm run simulate -- --buzz)', () => {
  it('multiplies the brand’s mentions, mostly negative, from when it is asked; other brands are as they were', () => {
    const quiet = new Market();
    const buzzing = new Market();
    // A stretch without a scheduled buzz of belvia, so that the difference is the one asked for.
    const start = NOW + 3 * HOUR;
    const episode = buzzing.triggerBuzz('belvia', start);
    expect(episode).toMatchObject({
      kind: 'bad_buzz',
      brand: 'belvia',
      startMs: start,
      endMs: start + 12 * HOUR,
    });
    expect(buzzing.episodes(start, start + HOUR)).toContainEqual(episode);
    const window = [start + 3 * HOUR, start + 5 * HOUR] as const;
    const before = quiet.history(...window);
    const after = buzzing.history(...window);
    const mentions = (events: MarketEvent[], brand: string, metric = 'mentions') =>
      sum(events, (e) => e.brand === brand && e.metric === metric);
    expect(mentions(after, 'belvia')).toBeGreaterThan(2.5 * mentions(before, 'belvia'));
    expect(mentions(after, 'belvia', 'negative_mentions')).toBeGreaterThan(
      3 * mentions(before, 'belvia', 'negative_mentions'),
    );
    expect(mentions(after, 'aurelune')).toBe(mentions(before, 'aurelune'));
    // Before it starts, nothing changed.
    expect(buzzing.history(NOW, start)).toEqual(quiet.history(NOW, start));
  });

  it('refuses a brand that is not in the market, naming the ones that are', () => {
    expect(() => new Market().triggerBuzz('nobody', NOW)).toThrow(
      /"nobody" is not a brand of this market \(aurelune, belvia/,
    );
  });
});
