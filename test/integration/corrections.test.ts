import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../shared/schemas/errors.js';
import type { IngestResult } from '../../shared/schemas/ingest.js';
import type { SeriesRow } from '../../shared/schemas/series.js';
import {
  type EventRow,
  type TestServer,
  counterRow,
  getSeries,
  postEvents,
  putWorkspace,
  startServer,
} from '../helpers/server.js';

// Corrections: POST events?replace=true&source=…&from=…&to= replaces the rows of that source in [from, to).
// Expectations come from a model of the stored rows kept in the test: the same replacement is applied to it.

type Grain = 'minute' | 'hour' | 'day';
const GRAINS: Grain[] = ['minute', 'hour', 'day'];

interface Ev {
  ms: number;
  brand: string;
  touchpoint: string;
  source: string;
  metric: string;
  value: number;
}

const TOUCHPOINT: Record<string, string> = {
  impressions: 'search',
  clicks: 'search',
  brand_searches: 'search',
};

const e = (ts: string, source: string, metric: string, brand: string, value: number): Ev => ({
  ms: Date.parse(ts),
  brand,
  touchpoint: TOUCHPOINT[metric]!,
  source,
  metric,
  value,
});

const wire = (ev: Ev): EventRow => ({
  ts: new Date(ev.ms).toISOString(),
  brand: ev.brand,
  touchpoint: ev.touchpoint,
  source: ev.source,
  metric: ev.metric,
  value: ev.value,
});

interface Scope {
  source: string;
  from: string;
  to: string;
  brand?: string[];
  metric?: string[];
}

/** What the store holds after the correction, by the documented rule. */
function applyReplace(model: Ev[], scope: Scope, accepted: Ev[]): Ev[] {
  const from = Date.parse(scope.from);
  const to = Date.parse(scope.to);
  const kept = model.filter(
    (ev) =>
      !(
        ev.source === scope.source &&
        ev.ms >= from &&
        ev.ms < to &&
        (!scope.brand || scope.brand.includes(ev.brand)) &&
        (!scope.metric || scope.metric.includes(ev.metric))
      ),
  );
  return [...kept, ...accepted];
}

function bucketOf(ms: number, grain: Grain): string {
  const step = grain === 'minute' ? 60_000 : grain === 'hour' ? 3_600_000 : 86_400_000;
  const start = new Date(Math.floor(ms / step) * step).toISOString();
  return grain === 'day' ? `${start.slice(0, 19)}+00:00` : start;
}

/** The series of a UTC workspace, computed from the model. */
function expectedSeries(
  model: Ev[],
  metric: string,
  grain: Grain,
  filter: { brand?: string; source?: string } = {},
): SeriesRow[] {
  const buckets = new Map<string, { at: number; values: number[] }>();
  for (const ev of model) {
    if (ev.metric !== metric) continue;
    if (filter.brand !== undefined && ev.brand !== filter.brand) continue;
    if (filter.source !== undefined && ev.source !== filter.source) continue;
    const key = bucketOf(ev.ms, grain);
    const bucket = buckets.get(key) ?? { at: ev.ms, values: [] };
    bucket.at = Math.min(bucket.at, ev.ms);
    bucket.values.push(ev.value);
    buckets.set(key, bucket);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[1].at - b[1].at)
    .map(([bucket, { values }]) => row(bucket, values));
}

const row = counterRow;

const WINDOW = { from: '2026-03-08T00:00:00Z', to: '2026-03-13T00:00:00Z' };

const series = (url: string, ws: string, params: Record<string, string>) =>
  getSeries(url, ws, { ...WINDOW, ...params });

function replaceQuery(scope: Scope): string {
  const params: Record<string, string> = {
    replace: 'true',
    source: scope.source,
    from: scope.from,
    to: scope.to,
  };
  if (scope.brand) params.brand = scope.brand.join(',');
  if (scope.metric) params.metric = scope.metric.join(',');
  return new URLSearchParams(params).toString();
}

async function replace(
  url: string,
  ws: string,
  scope: Scope,
  body: object[],
  idempotencyKey?: string,
): Promise<{ status: number; body: IngestResult; replayed: string | null }> {
  const response = await postEvents(url, ws, JSON.stringify(body), 'application/json', {
    query: replaceQuery(scope),
    idempotencyKey,
  });
  return {
    status: response.status,
    body: (await response.json()) as IngestResult,
    replayed: response.headers.get('idempotent-replayed'),
  };
}

async function seed(url: string, ws: string, rows: Ev[]): Promise<void> {
  const response = await postEvents(url, ws, JSON.stringify(rows.map(wire)), 'application/json');
  expect(response.status).toBe(200);
  expect(((await response.json()) as IngestResult).accepted).toBe(rows.length);
}

/** Checks every grain of each metric (and per-brand/per-source views) against the model. */
async function expectMatchesModel(
  url: string,
  ws: string,
  model: Ev[],
  metrics: string[],
  views: { brand?: string; source?: string }[] = [{}],
): Promise<void> {
  for (const metric of metrics) {
    for (const grain of GRAINS) {
      for (const view of views) {
        const params: Record<string, string> = { metric, grain };
        if (view.brand) params.brand = view.brand;
        if (view.source) params.source = view.source;
        const got = await series(url, ws, params);
        expect({ metric, grain, view, rows: got }).toEqual({
          metric,
          grain,
          view,
          rows: expectedSeries(model, metric, grain, view),
        });
      }
    }
  }
}

const BASE: Ev[] = [
  e('2026-03-09T23:59:59.999Z', 'google', 'impressions', 'acme', 50), // before the window
  e('2026-03-10T10:00:00Z', 'google', 'impressions', 'acme', 10),
  e('2026-03-10T10:00:30Z', 'google', 'impressions', 'acme', 5),
  e('2026-03-10T11:15:00Z', 'google', 'impressions', 'acme', 7),
  e('2026-03-10T23:59:59Z', 'google', 'impressions', 'acme', 1),
  e('2026-03-11T00:00:00Z', 'google', 'impressions', 'acme', 100), // at `to`: outside
  e('2026-03-10T10:00:00Z', 'bing', 'impressions', 'acme', 20), // another source
  e('2026-03-10T11:15:00Z', 'bing', 'impressions', 'acme', 4),
  e('2026-03-10T10:00:00Z', 'google', 'clicks', 'acme', 3),
  e('2026-03-10T10:00:00Z', 'google', 'impressions', 'globex', 8),
  e('2026-03-10T12:00:00Z', 'google', 'brand_searches', 'initech', 6),
];
const DAY_SCOPE: Scope = { source: 'google', from: '2026-03-10T00:00:00Z', to: '2026-03-11T00:00:00Z' };
const METRICS = ['impressions', 'clicks', 'brand_searches'];
const VIEWS = [{}, { source: 'bing' }, { source: 'google' }, { brand: 'acme' }, { brand: 'globex' }];

describe('corrections (replace=true)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('one source, one UTC day', () => {
    let model: Ev[] = [...BASE];
    const WS = 'corr-day';
    const EXPORT = [
      e('2026-03-10T10:00:00Z', 'google', 'impressions', 'acme', 12),
      e('2026-03-10T12:00:00Z', 'google', 'impressions', 'acme', 6),
      e('2026-03-10T10:05:00Z', 'google', 'clicks', 'acme', 2),
    ];

    beforeAll(async () => {
      await putWorkspace(server.url, WS);
      await seed(server.url, WS, BASE);
    });

    it('before: the series are the seeded rows', async () => {
      await expectMatchesModel(server.url, WS, model, METRICS, VIEWS);
    });

    it('replaces exactly the rows of that source in [from, to); other sources and rows outside stay', async () => {
      const result = await replace(server.url, WS, DAY_SCOPE, EXPORT.map(wire));
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ accepted: 3, rejected: 0, errors: [], asOf: expect.any(String) });
      model = applyReplace(model, DAY_SCOPE, EXPORT);
      await expectMatchesModel(server.url, WS, model, METRICS, VIEWS);

      // The same, by hand: google 12 + 6 and bing 20 + 4 on the 10th; 50 and 100 just outside stay.
      expect(await series(server.url, WS, { metric: 'impressions', grain: 'day' })).toEqual([
        row('2026-03-09T00:00:00+00:00', [50]),
        row('2026-03-10T00:00:00+00:00', [12, 20, 4, 6]),
        row('2026-03-11T00:00:00+00:00', [100]),
      ]);
      expect(await series(server.url, WS, { metric: 'impressions', grain: 'hour' })).toEqual([
        row('2026-03-09T23:00:00.000Z', [50]),
        row('2026-03-10T10:00:00.000Z', [12, 20]),
        row('2026-03-10T11:00:00.000Z', [4]),
        row('2026-03-10T12:00:00.000Z', [6]),
        row('2026-03-11T00:00:00.000Z', [100]),
      ]);
      expect(await series(server.url, WS, { metric: 'impressions', grain: 'minute' })).toEqual([
        row('2026-03-09T23:59:00.000Z', [50]),
        row('2026-03-10T10:00:00.000Z', [12, 20]),
        row('2026-03-10T11:15:00.000Z', [4]),
        row('2026-03-10T12:00:00.000Z', [6]),
        row('2026-03-11T00:00:00.000Z', [100]),
      ]);
      expect(await series(server.url, WS, { metric: 'clicks', grain: 'minute' })).toEqual([
        row('2026-03-10T10:05:00.000Z', [2]),
      ]);
      // initech's google brand searches of that day were not in the export: they are gone.
      expect(await series(server.url, WS, { metric: 'brand_searches', grain: 'day' })).toEqual([]);
    });

    it('re-exporting the same day twice does not double count', async () => {
      for (let i = 0; i < 2; i++) {
        const result = await replace(server.url, WS, DAY_SCOPE, EXPORT.map(wire));
        expect(result.body).toEqual({ accepted: 3, rejected: 0, errors: [], asOf: expect.any(String) });
      }
      model = applyReplace(model, DAY_SCOPE, EXPORT);
      await expectMatchesModel(server.url, WS, model, METRICS, VIEWS);
      expect(await series(server.url, WS, { metric: 'impressions', grain: 'day', source: 'google' })).toEqual(
        [
          row('2026-03-09T00:00:00+00:00', [50]),
          row('2026-03-10T00:00:00+00:00', [12, 6]),
          row('2026-03-11T00:00:00+00:00', [100]),
        ],
      );
    });

    it('an Idempotency-Key covers the body and the window: same window replays, another window is 422', async () => {
      const first = await replace(server.url, WS, DAY_SCOPE, EXPORT.map(wire), 'export-2026-03-10');
      expect(first.status).toBe(200);
      expect(first.replayed).toBeNull();
      const again = await replace(server.url, WS, DAY_SCOPE, EXPORT.map(wire), 'export-2026-03-10');
      expect(again.status).toBe(200);
      expect(again.replayed).toBe('true');
      expect(again.body).toEqual(first.body);
      const wider = { ...DAY_SCOPE, to: '2026-03-11T00:00:01Z' };
      const other = await postEvents(server.url, WS, JSON.stringify(EXPORT.map(wire)), 'application/json', {
        query: replaceQuery(wider),
        idempotencyKey: 'export-2026-03-10',
      });
      expect(other.status).toBe(422);
      expect(((await other.json()) as ErrorBody).error.code).toBe('idempotency_key_reused');
      // The 100 at 2026-03-11T00:00:00Z would have been inside the wider window: it is still there.
      await expectMatchesModel(server.url, WS, model, METRICS, VIEWS);
    });

    it('body rows outside the scope are rejected as outside_replace_scope; the rest is stored', async () => {
      const body = [
        wire(e('2026-03-10T09:00:00Z', 'google', 'impressions', 'acme', 1)), // 0 in scope
        wire(e('2026-03-10T09:00:00Z', 'bing', 'impressions', 'acme', 2)), // 1 other source
        wire(e('2026-03-11T00:00:00Z', 'google', 'impressions', 'acme', 3)), // 2 at `to`
        wire(e('2026-03-09T23:59:59Z', 'google', 'impressions', 'acme', 4)), // 3 before `from`
        wire(e('2026-03-10T09:00:00Z', 'google', 'impressions', 'umbrella', 5)), // 4 unknown brand
        wire(e('2026-03-10T09:30:00Z', 'google', 'clicks', 'globex', 6)), // 5 in scope
      ];
      const result = await replace(server.url, WS, DAY_SCOPE, body);
      expect(result.status).toBe(200);
      expect(result.body.accepted).toBe(2);
      expect(result.body.rejected).toBe(4);
      expect(result.body.errors.map(({ row, field, code }) => ({ row, field, code }))).toEqual([
        { row: 1, field: 'source', code: 'outside_replace_scope' },
        { row: 2, field: 'ts', code: 'outside_replace_scope' },
        { row: 3, field: 'ts', code: 'outside_replace_scope' },
        { row: 4, field: 'brand', code: 'unknown_brand' },
      ]);
      model = applyReplace(model, DAY_SCOPE, [
        e('2026-03-10T09:00:00Z', 'google', 'impressions', 'acme', 1),
        e('2026-03-10T09:30:00Z', 'google', 'clicks', 'globex', 6),
      ]);
      await expectMatchesModel(server.url, WS, model, METRICS, VIEWS);
      expect(await series(server.url, WS, { metric: 'impressions', grain: 'day' })).toEqual([
        row('2026-03-09T00:00:00+00:00', [50]),
        row('2026-03-10T00:00:00+00:00', [1, 20, 4]),
        row('2026-03-11T00:00:00+00:00', [100]),
      ]);
    });

    it('an empty body clears the scope', async () => {
      const result = await replace(server.url, WS, DAY_SCOPE, []);
      expect(result.body).toEqual({ accepted: 0, rejected: 0, errors: [], asOf: expect.any(String) });
      model = applyReplace(model, DAY_SCOPE, []);
      await expectMatchesModel(server.url, WS, model, METRICS, VIEWS);
      expect(await series(server.url, WS, { metric: 'impressions', grain: 'day', source: 'google' })).toEqual(
        [row('2026-03-09T00:00:00+00:00', [50]), row('2026-03-11T00:00:00+00:00', [100])],
      );
    });

    it('missing source, from or to (or to not after from): 400 invalid_query, nothing changed', async () => {
      const body = JSON.stringify([wire(e('2026-03-10T09:00:00Z', 'google', 'impressions', 'acme', 1000))]);
      const queries = [
        'replace=true&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z',
        'replace=true&source=google&to=2026-03-11T00:00:00Z',
        'replace=true&source=google&from=2026-03-10T00:00:00Z',
        'replace=true&source=google&from=2026-03-11T00:00:00Z&to=2026-03-10T00:00:00Z',
        'replace=true&source=google&from=2026-03-10T00:00:00Z&to=2026-03-10T00:00:00Z',
      ];
      for (const query of queries) {
        const response = await postEvents(server.url, WS, body, 'application/json', { query });
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
        const error = ((await response.json()) as ErrorBody).error;
        expect({ query, code: error.code }).toEqual({ query, code: 'invalid_query' });
        expect(error.hint.length).toBeGreaterThan(0);
      }
      await expectMatchesModel(server.url, WS, model, METRICS, VIEWS);
    });
  });

  it('a window that cuts a minute and an hour keeps the rows outside it in those buckets', async () => {
    const WS = 'corr-edges';
    await putWorkspace(server.url, WS);
    let model = [
      e('2026-03-10T10:00:10Z', 'google', 'impressions', 'acme', 1),
      e('2026-03-10T10:00:40Z', 'google', 'impressions', 'acme', 2),
      e('2026-03-10T10:30:00Z', 'google', 'impressions', 'acme', 4),
      e('2026-03-10T11:00:00Z', 'google', 'impressions', 'acme', 8),
    ];
    await seed(server.url, WS, model);
    const scope: Scope = { source: 'google', from: '2026-03-10T10:00:30Z', to: '2026-03-10T10:30:00Z' };
    const body = [e('2026-03-10T10:00:50Z', 'google', 'impressions', 'acme', 16)];
    const result = await replace(server.url, WS, scope, body.map(wire));
    expect(result.body).toEqual({ accepted: 1, rejected: 0, errors: [], asOf: expect.any(String) });
    model = applyReplace(model, scope, body);
    await expectMatchesModel(server.url, WS, model, ['impressions']);
    expect(await series(server.url, WS, { metric: 'impressions', grain: 'minute' })).toEqual([
      row('2026-03-10T10:00:00.000Z', [1, 16]),
      row('2026-03-10T10:30:00.000Z', [4]),
      row('2026-03-10T11:00:00.000Z', [8]),
    ]);
    expect(await series(server.url, WS, { metric: 'impressions', grain: 'hour' })).toEqual([
      row('2026-03-10T10:00:00.000Z', [1, 16, 4]),
      row('2026-03-10T11:00:00.000Z', [8]),
    ]);
  });

  it('brand= narrows the deletion to those brands; other brands’ body rows are outside the scope', async () => {
    const WS = 'corr-brand';
    await putWorkspace(server.url, WS);
    let model = [
      e('2026-03-10T10:00:00Z', 'google', 'impressions', 'acme', 10),
      e('2026-03-10T10:00:00Z', 'google', 'impressions', 'globex', 8),
      e('2026-03-10T10:00:00Z', 'google', 'impressions', 'initech', 6),
      e('2026-03-10T10:00:00Z', 'google', 'clicks', 'acme', 3),
      e('2026-03-10T10:00:00Z', 'bing', 'impressions', 'acme', 20),
    ];
    await seed(server.url, WS, model);
    const scope: Scope = { ...DAY_SCOPE, brand: ['acme'] };
    const body = [
      e('2026-03-10T10:30:00Z', 'google', 'impressions', 'acme', 11),
      e('2026-03-10T10:30:00Z', 'google', 'impressions', 'globex', 99),
    ];
    const result = await replace(server.url, WS, scope, body.map(wire));
    expect(result.body.accepted).toBe(1);
    expect(result.body.errors.map(({ row, field, code }) => ({ row, field, code }))).toEqual([
      { row: 1, field: 'brand', code: 'outside_replace_scope' },
    ]);
    model = applyReplace(model, scope, [body[0]!]);
    await expectMatchesModel(
      server.url,
      WS,
      model,
      ['impressions', 'clicks'],
      [{}, { brand: 'acme' }, { brand: 'globex' }, { brand: 'initech' }],
    );
    expect(await series(server.url, WS, { metric: 'impressions', grain: 'hour' })).toEqual([
      row('2026-03-10T10:00:00.000Z', [11, 8, 6, 20]),
    ]);
    // acme's google clicks were in scope (no metric= given) and not re-sent.
    expect(await series(server.url, WS, { metric: 'clicks', grain: 'day' })).toEqual([]);

    // Two brands at once.
    const both: Scope = { ...DAY_SCOPE, brand: ['globex', 'initech'] };
    const second = await replace(server.url, WS, both, [
      wire(e('2026-03-10T11:00:00Z', 'google', 'impressions', 'globex', 1)),
    ]);
    expect(second.body).toEqual({ accepted: 1, rejected: 0, errors: [], asOf: expect.any(String) });
    model = applyReplace(model, both, [e('2026-03-10T11:00:00Z', 'google', 'impressions', 'globex', 1)]);
    await expectMatchesModel(
      server.url,
      WS,
      model,
      ['impressions'],
      [{}, { brand: 'acme' }, { brand: 'globex' }],
    );
    expect(await series(server.url, WS, { metric: 'impressions', grain: 'day' })).toEqual([
      row('2026-03-10T00:00:00+00:00', [11, 20, 1]),
    ]);
  });

  it('metric= narrows the deletion to those metrics; other metrics’ body rows are outside the scope', async () => {
    const WS = 'corr-metric';
    await putWorkspace(server.url, WS);
    let model = [
      e('2026-03-10T10:00:00Z', 'google', 'impressions', 'acme', 10),
      e('2026-03-10T10:00:00Z', 'google', 'clicks', 'acme', 3),
      e('2026-03-10T10:00:00Z', 'google', 'clicks', 'globex', 4),
      e('2026-03-10T10:00:00Z', 'bing', 'clicks', 'acme', 30),
    ];
    await seed(server.url, WS, model);
    const scope: Scope = { ...DAY_SCOPE, metric: ['clicks'] };
    const body = [
      e('2026-03-10T10:10:00Z', 'google', 'clicks', 'acme', 5),
      e('2026-03-10T10:10:00Z', 'google', 'impressions', 'acme', 77),
    ];
    const result = await replace(server.url, WS, scope, body.map(wire));
    expect(result.body.accepted).toBe(1);
    expect(result.body.errors.map(({ row, field, code }) => ({ row, field, code }))).toEqual([
      { row: 1, field: 'metric', code: 'outside_replace_scope' },
    ]);
    model = applyReplace(model, scope, [body[0]!]);
    await expectMatchesModel(server.url, WS, model, ['impressions', 'clicks'], [{}, { brand: 'globex' }]);
    expect(await series(server.url, WS, { metric: 'impressions', grain: 'day' })).toEqual([
      row('2026-03-10T00:00:00+00:00', [10]),
    ]);
    expect(await series(server.url, WS, { metric: 'clicks', grain: 'minute' })).toEqual([
      row('2026-03-10T10:00:00.000Z', [30]),
      row('2026-03-10T10:10:00.000Z', [5]),
    ]);
  });

  it('Europe/Paris: a window that cuts two local days recomputes both day buckets', async () => {
    const WS = 'corr-paris';
    await putWorkspace(server.url, WS, { timezone: 'Europe/Paris' });
    await seed(server.url, WS, [
      e('2026-03-10T21:30:00Z', 'google', 'impressions', 'acme', 4), // 22:30 on the 10th, kept
      e('2026-03-10T22:30:00Z', 'google', 'impressions', 'acme', 5), // 23:30 on the 10th, replaced
      e('2026-03-10T23:30:00Z', 'google', 'impressions', 'acme', 6), // 00:30 on the 11th, replaced
      e('2026-03-11T10:00:00Z', 'google', 'impressions', 'acme', 7), // 11:00 on the 11th, kept
      e('2026-03-10T22:30:00Z', 'bing', 'impressions', 'acme', 100), // another source, kept
    ]);
    // [23:00 local on the 10th, 01:00 local on the 11th), written with the local offset.
    const scope: Scope = {
      source: 'google',
      from: '2026-03-10T23:00:00+01:00',
      to: '2026-03-11T01:00:00+01:00',
    };
    const body = [
      e('2026-03-10T22:45:00Z', 'google', 'impressions', 'acme', 9), // 23:45 on the 10th
      e('2026-03-10T23:15:00Z', 'google', 'impressions', 'acme', 2), // 00:15 on the 11th
      e('2026-03-11T00:00:00Z', 'google', 'impressions', 'acme', 50), // 01:00 on the 11th: at `to`
    ];
    const result = await replace(server.url, WS, scope, body.map(wire));
    expect(result.body.accepted).toBe(2);
    expect(result.body.errors.map(({ row, field, code }) => ({ row, field, code }))).toEqual([
      { row: 2, field: 'ts', code: 'outside_replace_scope' },
    ]);
    const window = { metric: 'impressions', from: '2026-03-09T23:00:00Z', to: '2026-03-12T23:00:00Z' };
    expect(await series(server.url, WS, { ...window, grain: 'day' })).toEqual([
      row('2026-03-10T00:00:00+01:00', [4, 100, 9]),
      row('2026-03-11T00:00:00+01:00', [2, 7]),
    ]);
    expect(await series(server.url, WS, { ...window, grain: 'day', source: 'google' })).toEqual([
      row('2026-03-10T00:00:00+01:00', [4, 9]),
      row('2026-03-11T00:00:00+01:00', [2, 7]),
    ]);
    expect(await series(server.url, WS, { ...window, grain: 'hour' })).toEqual([
      row('2026-03-10T21:00:00.000Z', [4]),
      row('2026-03-10T22:00:00.000Z', [100, 9]),
      row('2026-03-10T23:00:00.000Z', [2]),
      row('2026-03-11T10:00:00.000Z', [7]),
    ]);
    expect(await series(server.url, WS, { ...window, grain: 'minute', source: 'google' })).toEqual([
      row('2026-03-10T21:30:00.000Z', [4]),
      row('2026-03-10T22:45:00.000Z', [9]),
      row('2026-03-10T23:15:00.000Z', [2]),
      row('2026-03-11T10:00:00.000Z', [7]),
    ]);
  });
});
