import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formulaMetrics, KPIS, type KpiDefinition } from '../../shared/kpis.js';
import type { Benchmark, KpiSeries } from '../../shared/schemas/kpi.js';
import { METRICS_BY_ID } from '../../shared/vocabulary.js';
import { postEvents, putWorkspace, startServer, toNdjson, type TestServer } from '../helpers/server.js';
import { mulberry32 } from '../../shared/random.js';

// Every KPI of the catalogue, for several windows (minute-aligned cuts through hour and day buckets,
// named windows across the Paris DST change), computed by the hub from its rollups, must equal a
// reference computed here from the raw events that were sent.

interface Ev {
  ts: number;
  brand: string;
  touchpoint: string;
  source: string;
  metric: string;
  value: number;
}

const BRANDS = ['acme', 'globex', 'initech'];
const SOURCES: Record<string, string[]> = {
  search: ['google', 'bing'],
  site: ['web', 'ios'],
  social: ['x', 'instagram'],
  media: ['press', 'blogs'],
  viral: ['youtube', 'tiktok'],
};
const START = Date.parse('2026-03-27T20:00:00Z');
const SPAN_MINUTES = 4 * 24 * 60;

function generate(seed: number): Ev[] {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const events: Ev[] = [];
  for (let i = 0; i < 3000; i++) {
    const kpi = pick(KPIS);
    const touchpoint = pick(kpi.touchpoints);
    const metric = pick(formulaMetrics(kpi.formula));
    // Skip one brand on some metrics so that null values (no data) show up.
    const brand = metric === 'bounces' ? pick(BRANDS.slice(0, 2)) : pick(BRANDS);
    const gauge = METRICS_BY_ID.get(metric)!.kind === 'gauge';
    events.push({
      ts: START + Math.floor(random() * SPAN_MINUTES) * 60_000 + Math.floor(random() * 60) * 1000,
      brand,
      touchpoint,
      source: pick(SOURCES[touchpoint]!),
      metric,
      value: gauge ? 1 + Math.floor(random() * 5000) : Math.floor(random() * 100),
    });
  }
  return events;
}

const EVENTS = generate(7);

function reference(kpi: KpiDefinition, fromMs: number, toMs: number): Map<string, number | null> {
  const inKpi = (e: Ev) => (kpi.touchpoints as readonly string[]).includes(e.touchpoint);
  const total = (brand: string, metric: string): number | undefined => {
    const rows = EVENTS.filter(
      (e) => inKpi(e) && e.brand === brand && e.metric === metric && e.ts >= fromMs && e.ts < toMs,
    );
    return rows.length === 0 ? undefined : rows.reduce((s, e) => s + e.value, 0);
  };
  const level = (brand: string, metric: string, at: number): number | undefined => {
    const latest = new Map<string, Ev>();
    for (const e of EVENTS) {
      if (!inKpi(e) || e.brand !== brand || e.metric !== metric || e.ts >= at) continue;
      const key = `${e.touchpoint}/${e.source}`;
      const seen = latest.get(key);
      if (!seen || e.ts > seen.ts || (e.ts === seen.ts && e.value > seen.value)) latest.set(key, e);
    }
    if (latest.size === 0) return undefined;
    const values = [...latest.values()].map((e) => e.value);
    const sum = values.reduce((s, v) => s + v, 0);
    return METRICS_BY_ID.get(metric)!.combine === 'mean' ? sum / values.length : sum;
  };
  const f = kpi.formula;
  const out = new Map<string, number | null>();
  for (const brand of BRANDS) {
    let value: number | null = null;
    if (f.kind === 'sum') value = total(brand, f.metric) ?? null;
    else if (f.kind === 'ratio') {
      const n = total(brand, f.numerator);
      const d = total(brand, f.denominator);
      value = n === undefined || d === undefined || d === 0 ? null : n / d;
    } else if (f.kind === 'share') {
      const s = total(brand, f.metric);
      const set = BRANDS.reduce((acc, b) => acc + (total(b, f.metric) ?? 0), 0);
      value = s === undefined || set === 0 ? null : s / set;
    } else if (f.kind === 'net') {
      const p = total(brand, f.positive);
      const n = total(brand, f.negative);
      value =
        p === undefined && n === undefined
          ? null
          : (p ?? 0) + (n ?? 0) === 0
            ? null
            : ((p ?? 0) - (n ?? 0)) / ((p ?? 0) + (n ?? 0));
    } else if (f.kind === 'level') value = level(brand, f.metric, toMs) ?? null;
    else if (f.kind === 'growth') {
      const end = level(brand, f.metric, toMs);
      const start = level(brand, f.metric, fromMs);
      value = end === undefined || start === undefined ? null : end - start;
    }
    out.set(brand, value);
  }
  return out;
}

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, 'kpi', {
    timezone: 'Europe/Paris',
    brands: BRANDS.map((id, i) => ({ id, name: id, own: i === 0 })),
  });
  const body = toNdjson(EVENTS.map((e) => ({ ...e, ts: new Date(e.ts).toISOString() })));
  const response = await postEvents(server.url, 'kpi', body, 'application/x-ndjson');
  expect(await response.json()).toMatchObject({ accepted: EVENTS.length, rejected: 0 });
});
afterAll(async () => {
  await server.close();
});

const WINDOWS: Record<string, string>[] = [
  // cuts minutes, hours and local days
  { from: '2026-03-28T07:13:00Z', to: '2026-03-30T15:47:00Z' },
  // exactly the Paris day of the DST change (23 hours)
  { from: '2026-03-28T23:00:00Z', to: '2026-03-29T22:00:00Z' },
  { window: '24h', at: '2026-03-29T10:30:00Z' },
  { window: 'today', at: '2026-03-29T13:00:00Z' },
  { window: 'mtd', at: '2026-03-31T16:20:00Z' },
  { window: '7d', at: '2026-03-31T23:00:00Z' },
];

describe('KPIs from the rollups equal a reference over the raw events', () => {
  for (const spec of WINDOWS) {
    it(`for every KPI of the catalogue, ${JSON.stringify(spec)}`, async () => {
      let checked = 0;
      for (const kpi of KPIS) {
        const query = new URLSearchParams({ kpi: kpi.id, ...spec });
        const response = await fetch(`${server.url}/api/v1/workspaces/kpi/benchmark?${query}`);
        expect(response.status).toBe(200);
        const benchmark = (await response.json()) as Benchmark;
        const current = reference(kpi, Date.parse(benchmark.window.from), Date.parse(benchmark.window.to));
        const previous = reference(
          kpi,
          Date.parse(benchmark.previousWindow.from),
          Date.parse(benchmark.previousWindow.to),
        );
        for (const row of benchmark.rows) {
          const want = current.get(row.brand)!;
          const before = previous.get(row.brand)!;
          const label = `${kpi.id} ${row.brand}`;
          if (want === null) expect(row.value, label).toBeNull();
          else expect(row.value, label).toBeCloseTo(want, 9);
          if (before === null) expect(row.previous, label).toBeNull();
          else expect(row.previous, label).toBeCloseTo(before, 9);
          if (want !== null) checked++;
        }
      }
      expect(checked).toBeGreaterThan(KPIS.length);
    });
  }

  it('echoes the effective window, floored to the minute', async () => {
    const response = await fetch(
      `${server.url}/api/v1/workspaces/kpi/benchmark?kpi=mentions&from=2026-03-28T07:13:59Z&to=2026-03-28T09:00:30Z`,
    );
    const benchmark = (await response.json()) as Benchmark;
    expect(benchmark.window).toEqual({ from: '2026-03-28T07:13:00.000Z', to: '2026-03-28T09:00:00.000Z' });
    expect(benchmark.previousWindow).toEqual({
      from: '2026-03-28T05:26:00.000Z',
      to: '2026-03-28T07:13:00.000Z',
    });
  });
});

describe('KPI series per bucket equal the reference over each bucket', () => {
  const cases: { grain: string; from: string; to: string }[] = [
    { grain: 'hour', from: '2026-03-28T21:30:00Z', to: '2026-03-29T06:00:00Z' },
    { grain: 'day', from: '2026-03-27T20:00:00Z', to: '2026-03-31T20:00:00Z' },
    { grain: 'week', from: '2026-03-20T00:00:00Z', to: '2026-04-10T00:00:00Z' },
  ];
  for (const c of cases) {
    it(`${c.grain} buckets from ${c.from} to ${c.to}, every KPI`, async () => {
      let checked = 0;
      for (const kpi of KPIS) {
        const query = new URLSearchParams({ grain: c.grain, from: c.from, to: c.to });
        const response = await fetch(`${server.url}/api/v1/workspaces/kpi/kpis/${kpi.id}/series?${query}`);
        expect(response.status).toBe(200);
        const result = (await response.json()) as KpiSeries;
        expect(result.series.map((s) => s.brand)).toEqual(BRANDS);
        // Every bucket but the last, whose end the answer does not state: [start, next start).
        for (let i = 0; i + 1 < result.buckets.length; i++) {
          const want = reference(kpi, Date.parse(result.buckets[i]!), Date.parse(result.buckets[i + 1]!));
          for (const s of result.series) {
            const expected = want.get(s.brand)!;
            const label = `${kpi.id} ${s.brand} ${result.buckets[i]}`;
            if (expected === null) expect(s.values[i], label).toBeNull();
            else {
              expect(s.values[i], label).toBeCloseTo(expected, 9);
              checked++;
            }
          }
        }
      }
      expect(checked).toBeGreaterThan(KPIS.length);
    });
  }

  it('labels day buckets as local midnights, 23 hours apart across the spring-forward change', async () => {
    const response = await fetch(
      `${server.url}/api/v1/workspaces/kpi/kpis/mentions/series?grain=day&from=2026-03-28T00:00:00Z&to=2026-03-30T00:00:00Z`,
    );
    const result = (await response.json()) as KpiSeries;
    expect(result.buckets).toEqual([
      '2026-03-28T00:00:00+01:00',
      '2026-03-29T00:00:00+01:00',
      '2026-03-30T00:00:00+02:00',
    ]);
  });
});
