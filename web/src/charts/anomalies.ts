// Anomalies marked on a KPI's line chart: a triangle at the bucket, on the line of its brand,
// pointing the way the value broke out of its band, coloured by what it means for the own brand
// (threat red, opportunity green, grey when unknown). An anomaly that is over is hollow, so
// that neither state rests on colour alone. Live anomaly alerts and the anomaly history give marks
// of the same shape; where both name one bucket of one brand, the alert's (it knows more) is kept.
import type { LineSeriesOption } from 'echarts/charts';
import type { Alert } from '../../../shared/live.js';
import type { AnomalyRow } from '../../../shared/schemas/anomalies.js';
import { CHART_BAD, CHART_GOOD, CHART_MUTED, CHART_PANEL } from './echarts.js';

export type Impact = 'threat' | 'opportunity';

export interface AnomalyMark {
  brand: string;
  /** The bucket's start, ISO UTC. */
  bucket: string;
  value: number | null;
  expected: number | null;
  lo: number | null;
  hi: number | null;
  direction: 'up' | 'down';
  /** Null when nobody said (a history row of a KPI whose direction is unknown). */
  impact: Impact | null;
  resolved: boolean;
}

export const IMPACT_COLORS: Record<Impact | 'unknown', string> = {
  threat: CHART_BAD,
  opportunity: CHART_GOOD,
  unknown: CHART_MUTED,
};

/** Beside the colour, so that it is not the only difference (the alert feed shows them too). */
export const IMPACT_ICONS: Record<Impact, string> = { threat: '⚠', opportunity: '★' };

const markKey = (m: { brand: string; bucket: string }) => `${m.brand}|${Date.parse(m.bucket)}`;

/** The anomaly alerts about this KPI at this grain. An alert that names no grain is not drawn. */
export function marksFromAlerts(
  alerts: readonly Alert[],
  chart: { kpi: string; grain: string },
): AnomalyMark[] {
  return alerts.flatMap((a) =>
    a.kind === 'anomaly' &&
    a.kpi === chart.kpi &&
    a.grain === chart.grain &&
    a.brand !== undefined &&
    a.bucket !== undefined &&
    a.direction !== undefined
      ? [
          {
            brand: a.brand,
            bucket: a.bucket,
            value: a.value ?? null,
            expected: a.expected ?? null,
            lo: a.lo ?? null,
            hi: a.hi ?? null,
            direction: a.direction,
            impact: a.impact ?? null,
            resolved: a.resolvedAt !== undefined,
          },
        ]
      : [],
  );
}

/**
 * What a move means for the own brand, as the server says of alerts: the own brand's move the way
 * the KPI is better is an opportunity, a competitor's a threat (and the other way round).
 */
export function impactOf(
  direction: 'up' | 'down',
  own: boolean,
  kpiDirection: 'higher' | 'lower' | undefined,
): Impact | null {
  if (!kpiDirection) return null;
  const better = (direction === 'up') === (kpiDirection === 'higher');
  return better === own ? 'opportunity' : 'threat';
}

/** Past anomalies (GET …/anomalies): over by definition, their impact judged here. */
export function marksFromHistory(
  rows: readonly AnomalyRow[],
  context: { ownBrand: string | undefined; kpiDirection: 'higher' | 'lower' | undefined },
): AnomalyMark[] {
  return rows.map((r) => ({
    brand: r.brand,
    bucket: r.bucket,
    value: r.value,
    expected: r.expected,
    lo: r.lo,
    hi: r.hi,
    direction: r.direction,
    impact: impactOf(r.direction, r.brand === context.ownBrand, context.kpiDirection),
    resolved: true,
  }));
}

/** One mark per brand and bucket, the first list's first. */
export function mergeMarks(...lists: readonly (readonly AnomalyMark[])[]): AnomalyMark[] {
  const seen = new Map<string, AnomalyMark>();
  for (const list of lists) for (const m of list) if (!seen.has(markKey(m))) seen.set(markKey(m), m);
  return [...seen.values()];
}

export interface MarkOptions {
  /** The chart's first and last bucket (ms): marks outside are not drawn. */
  fromMs: number;
  toMs: number;
  /** The tooltip's text for a mark (plain text: it is escaped here). */
  describe: (mark: AnomalyMark) => string;
  /** Larger on a wall screen. */
  size?: number;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/\n/g, '<br>');

/** The y of a line series at x, when the series has a number there. */
function valueAt(series: LineSeriesOption, x: number): number | null {
  for (const point of (series.data ?? []) as unknown[]) {
    if (Array.isArray(point) && point[0] === x && typeof point[1] === 'number') return point[1];
  }
  return null;
}

/**
 * The series with each brand's marks as a markPoint on the series whose id is the brand. A mark
 * sits on the drawn line where there is one (a live bucket moves on after the alert), else at the
 * value the detector saw, else at the expected value.
 */
export function withAnomalyMarks(
  series: readonly LineSeriesOption[],
  marks: readonly AnomalyMark[],
  options: MarkOptions,
): LineSeriesOption[] {
  const size = options.size ?? 16;
  return series.map((s) => {
    const mine = marks.filter((m) => {
      const x = Date.parse(m.bucket);
      return m.brand === s.id && x >= options.fromMs && x <= options.toMs;
    });
    if (mine.length === 0) return s;
    const data = mine.flatMap((m) => {
      const x = Date.parse(m.bucket);
      const y = valueAt(s, x) ?? m.value ?? m.expected;
      if (y === null) return [];
      const color = IMPACT_COLORS[m.impact ?? 'unknown'];
      const up = m.direction === 'up';
      return [
        {
          name: options.describe(m),
          coord: [x, y],
          symbol: 'triangle',
          symbolRotate: up ? 0 : 180,
          // Beside the point, not over it: above a rise, below a fall.
          symbolOffset: [0, up ? -size * 0.75 : size * 0.75],
          // Hollow once over: the chart's background inside, the impact's colour around.
          itemStyle: m.resolved
            ? { color: CHART_PANEL, borderColor: color, borderWidth: 2.5 }
            : { color, borderColor: CHART_PANEL, borderWidth: 1.5 },
        },
      ];
    });
    return {
      ...s,
      markPoint: {
        symbolSize: size,
        label: { show: false },
        tooltip: { trigger: 'item', formatter: (p: { name?: string }) => escapeHtml(p.name ?? '') },
        emphasis: { scale: 1.3 },
        z: 20,
        animation: false,
        data,
      },
    } as LineSeriesOption;
  });
}

/** How many marks withAnomalyMarks drew (a test hook: the canvas has no text to read). */
export const countMarks = (series: readonly LineSeriesOption[]): number =>
  series.reduce((n, s) => n + (s.markPoint?.data?.length ?? 0), 0);
