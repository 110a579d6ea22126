import type { LineSeriesOption } from 'echarts/charts';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../shared/live.js';
import type { AnomalyRow } from '../../../shared/schemas/anomalies.js';
import {
  countMarks,
  IMPACT_COLORS,
  impactOf,
  marksFromAlerts,
  marksFromHistory,
  mergeMarks,
  withAnomalyMarks,
  type AnomalyMark,
} from '../../../web/src/charts/anomalies.js';
import { CHART_PANEL } from '../../../web/src/charts/echarts.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2025-03-10T12:00:00.000Z');
const at = (i: number) => new Date(T0 + i * HOUR).toISOString();

const alert = (patch: Partial<Alert> = {}): Alert => ({
  id: 'a1',
  kind: 'anomaly',
  severity: 'critical',
  message: { en: 'Mentions of Globex far above their band', fr: 'Mentions de Globex bien au-dessus' },
  at: at(3),
  acknowledged: false,
  subject: {},
  brand: 'globex',
  kpi: 'mentions',
  grain: 'hour',
  bucket: at(2),
  value: 90,
  expected: 30,
  lo: 20,
  hi: 40,
  direction: 'up',
  impact: 'threat',
  drivers: [{ source: 'x', touchpoint: 'social', share: 0.8 }],
  ...patch,
});

const row = (patch: Partial<AnomalyRow> = {}): AnomalyRow => ({
  brand: 'acme',
  kpi: 'mentions',
  bucket: at(1),
  value: 5,
  expected: 20,
  lo: 12,
  hi: 28,
  score: 1.4,
  direction: 'down',
  ...patch,
});

const line = (brand: string, values: (number | null)[]): LineSeriesOption => ({
  type: 'line',
  id: brand,
  name: brand,
  data: values.map((v, i) => [T0 + i * HOUR, v]),
});

describe('anomaly marks from the live alerts', () => {
  it('keeps the anomaly alerts of the chart’s KPI and grain, with their impact and resolved state', () => {
    const alerts = [
      alert(),
      alert({ id: 'other-kpi', kpi: 'share_of_voice' }),
      alert({ id: 'daily', grain: 'day' }),
      alert({ id: 'rule', kind: 'rule' }),
      alert({ id: 'silent', kind: 'source_silent', brand: undefined, bucket: undefined }),
      alert({ id: 'over', brand: 'acme', bucket: at(0), impact: 'opportunity', resolvedAt: at(1) }),
    ];
    expect(marksFromAlerts(alerts, { kpi: 'mentions', grain: 'hour' })).toEqual([
      {
        brand: 'globex',
        bucket: at(2),
        value: 90,
        expected: 30,
        lo: 20,
        hi: 40,
        direction: 'up',
        impact: 'threat',
        resolved: false,
      },
      expect.objectContaining({ brand: 'acme', impact: 'opportunity', resolved: true }),
    ]);
  });

  it('draws nothing for an alert that does not say where (no grain, bucket or direction)', () => {
    const vague = [
      alert({ grain: undefined }),
      alert({ bucket: undefined }),
      alert({ direction: undefined }),
    ];
    expect(marksFromAlerts(vague, { kpi: 'mentions', grain: 'hour' })).toEqual([]);
  });
});

describe('anomaly marks from the history', () => {
  it('judges the impact for the own brand: its own fall is a threat, a competitor’s an opportunity', () => {
    expect(impactOf('down', true, 'higher')).toBe('threat');
    expect(impactOf('up', true, 'higher')).toBe('opportunity');
    expect(impactOf('up', false, 'higher')).toBe('threat');
    expect(impactOf('down', false, 'higher')).toBe('opportunity');
    // A KPI where lower is better (a cost): the other way round.
    expect(impactOf('up', true, 'lower')).toBe('threat');
    expect(impactOf('down', false, 'lower')).toBe('threat');
    expect(impactOf('up', true, undefined)).toBeNull();
  });

  it('marks past anomalies as over, each brand judged as own or competitor', () => {
    const marks = marksFromHistory([row(), row({ brand: 'globex', direction: 'up', bucket: at(2) })], {
      ownBrand: 'acme',
      kpiDirection: 'higher',
    });
    expect(marks.map((m) => [m.brand, m.impact, m.resolved])).toEqual([
      ['acme', 'threat', true],
      ['globex', 'threat', true],
    ]);
  });

  it('keeps one mark per brand and bucket: the live alert over the history row', () => {
    const live = marksFromAlerts([alert({ bucket: '2025-03-10T14:00:00Z' })], {
      kpi: 'mentions',
      grain: 'hour',
    });
    const past = marksFromHistory([row({ brand: 'globex', bucket: at(2) }), row()], {
      ownBrand: 'acme',
      kpiDirection: 'higher',
    });
    const merged = mergeMarks(live, past);
    expect(merged).toHaveLength(2);
    expect(merged[0]).toMatchObject({ brand: 'globex', resolved: false, impact: 'threat', value: 90 });
    expect(merged[1]).toMatchObject({ brand: 'acme', bucket: at(1) });
  });
});

describe('anomaly marks on the chart', () => {
  const mark = (patch: Partial<AnomalyMark> = {}): AnomalyMark => ({
    brand: 'globex',
    bucket: at(2),
    value: 90,
    expected: 30,
    lo: 20,
    hi: 40,
    direction: 'up',
    impact: 'threat',
    resolved: false,
    ...patch,
  });
  const options = { fromMs: T0, toMs: T0 + 3 * HOUR, describe: (m: AnomalyMark) => `${m.brand} <b>` };
  const series = [line('acme', [10, 12, 11, 9]), line('globex', [30, 31, 88, 35])];
  const markPoint = (s: LineSeriesOption | undefined) =>
    s?.markPoint as unknown as {
      data: Record<string, unknown>[];
      tooltip: { formatter: (p: unknown) => string };
    };

  it('puts the mark on its brand’s line at its bucket, coloured by impact, pointing up above a rise', () => {
    const out = withAnomalyMarks(series, [mark()], options);
    expect(out[0]).toBe(series[0]);
    const [point] = markPoint(out[1]).data;
    // On the drawn line (88 now), not the value the detector saw (90).
    expect(point).toMatchObject({
      coord: [T0 + 2 * HOUR, 88],
      symbol: 'triangle',
      symbolRotate: 0,
      itemStyle: { color: IMPACT_COLORS.threat, borderColor: CHART_PANEL },
    });
    expect((point!.symbolOffset as number[])[1]).toBeLessThan(0);
    expect(countMarks(out)).toBe(1);
  });

  it('shows a resolved anomaly hollow, a fall pointing down below the line, an opportunity green', () => {
    const out = withAnomalyMarks(
      series,
      [mark({ brand: 'acme', bucket: at(1), direction: 'down', impact: 'opportunity', resolved: true })],
      options,
    );
    const [point] = markPoint(out[0]).data;
    expect(point).toMatchObject({
      coord: [T0 + HOUR, 12],
      symbol: 'triangle',
      symbolRotate: 180,
      // Hollow: filled with the background, outlined in the impact's colour.
      itemStyle: { color: CHART_PANEL, borderColor: IMPACT_COLORS.opportunity },
    });
    expect((point!.symbolOffset as number[])[1]).toBeGreaterThan(0);
    expect(IMPACT_COLORS.opportunity).not.toBe(IMPACT_COLORS.threat);
  });

  it('falls back to the detector’s value, then the expected one, where the line has none', () => {
    const gappy = [line('globex', [30, null, null, 35])];
    const out = withAnomalyMarks(
      gappy,
      [mark({ bucket: at(1) }), mark({ bucket: at(2), value: null, impact: null })],
      options,
    );
    const data = markPoint(out[0]).data;
    expect(data.map((d) => d.coord)).toEqual([
      [T0 + HOUR, 90],
      [T0 + 2 * HOUR, 30],
    ]);
    expect(data[1]!.itemStyle).toMatchObject({ color: IMPACT_COLORS.unknown });
  });

  it('draws nothing outside the chart, nor for a brand it does not show', () => {
    const out = withAnomalyMarks(
      series,
      [mark({ bucket: at(-1) }), mark({ bucket: at(4) }), mark({ brand: 'initech' })],
      options,
    );
    expect(out).toEqual(series);
    expect(countMarks(out)).toBe(0);
  });

  it('escapes the tooltip text (a brand name is the user’s)', () => {
    const out = withAnomalyMarks(series, [mark()], options);
    const { data, tooltip } = markPoint(out[1]);
    expect(tooltip.formatter({ name: data[0]!.name })).toBe('globex &#60;b&#62;');
  });
});
