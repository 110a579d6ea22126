// The one chart builder of a KPI over time, shared by the dashboard's explorer and the e-mail
// reports (shared/charts/kpi-lines.ts): what a reader sees on both.
import { describe, expect, it } from 'vitest';
import { kpiLines } from '../../shared/charts/kpi-lines.js';
import type { KpiSeries } from '../../shared/schemas/kpi.js';
import { chartOption } from '../../server/reports/charts.js';
import { words } from '../../server/reports/words.js';

const series: KpiSeries = {
  kpi: 'avg_position',
  grain: 'day',
  buckets: ['2026-11-30T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
  series: [
    { brand: 'acme', name: 'Acme', own: true, values: [2.5, 2.1] },
    { brand: 'globex', name: 'Globex', own: false, values: [3.2, null] },
  ],
};
const input = {
  series,
  unit: 'position',
  color: (brand: string) => (brand === 'acme' ? '#ff7a1a' : '#4dabf7'),
  formatValue: (v: number) => v.toFixed(1),
  formatTime: (ms: number) => new Date(ms).toISOString().slice(5, 10),
  muted: '#888',
  grid: '#333',
  direction: 'lower' as const,
};

describe('kpiLines', () => {
  it('draws the own brand thick and on top, a gap where a value is missing, in the brand colours', () => {
    const { series: lines } = kpiLines(input);
    expect(lines.map((l) => [l.name, l.color, l.z, (l.lineStyle as { width: number }).width])).toEqual([
      ['Acme', '#ff7a1a', 10, 4],
      ['Globex', '#4dabf7', 2, 1.5],
    ]);
    expect(lines[1]!.data).toEqual([
      [Date.parse('2026-11-30T00:00:00Z'), 3.2],
      [Date.parse('2026-12-01T00:00:00Z'), null],
    ]);
  });

  it('turns the axis over for a KPI where lower is better, and scales it to the values', () => {
    const { yAxis } = kpiLines(input);
    expect(yAxis).toMatchObject({ inverse: true, scale: true });
    expect(kpiLines({ ...input, unit: 'count', direction: 'higher' }).yAxis).toMatchObject({
      inverse: false,
      scale: false,
    });
  });

  it('gives a report chart the same lines as the dashboard, on a fixed background with no animation', () => {
    const brands = [
      { id: 'acme', own: true },
      { id: 'globex', own: false },
    ];
    const option = chartOption(
      brands,
      {
        kpi: { id: 'avg_position', label: 'Average position', unit: 'position', direction: 'lower' },
        series,
      },
      words('en'),
      'UTC',
    );
    expect(option.series.map((l) => [l.id, l.z, l.data])).toEqual(
      kpiLines(input).series.map((l) => [l.id, l.z, l.data]),
    );
    expect(option).toMatchObject({ animation: false, yAxis: { inverse: true } });
    expect(option.title.text).toBe('Average position');
  });
});
