import type { LineSeriesOption } from 'echarts/charts';
import { describe, expect, it } from 'vitest';
import {
  isProvisionalLine,
  provisionalTooltip,
  withProvisional,
} from '../../../web/src/charts/provisional.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-10T10:00:00.000Z');
const line = (id: string, values: (number | null)[]): LineSeriesOption => ({
  type: 'line',
  id,
  name: id === 'acme' ? 'Acme' : 'Globex <b>',
  color: '#123456',
  lineStyle: { width: 4 },
  data: values.map((v, i) => [T0 + i * HOUR, v]),
});

describe('the bucket still filling on a chart', () => {
  it('ends each line at its last closed bucket and draws the value so far as a dashed stub from it', () => {
    const [acme, stub, globex] = withProvisional(
      [line('acme', [60, 62, 7]), line('globex', [30, 31, null])],
      T0 + 2 * HOUR,
    );
    expect(acme!.data).toEqual([
      [T0, 60],
      [T0 + HOUR, 62],
    ]);
    expect(isProvisionalLine(stub!.id)).toBe(true);
    expect(stub!.name).toBe('Acme');
    expect(stub!.color).toBe('#123456');
    expect(stub!.lineStyle).toMatchObject({ type: 'dashed' });
    expect(stub!.data).toEqual([{ value: [T0 + HOUR, 62], provisionalJoin: true }, [T0 + 2 * HOUR, 7]]);
    // A brand with nothing so far: its line just ends.
    expect(globex!.id).toBe('globex');
    expect(globex!.data).toHaveLength(2);
  });

  it('leaves a chart of closed buckets as it is', () => {
    const lines = [line('acme', [60, 62, 64])];
    expect(withProvisional(lines, null)).toBe(lines);
  });

  it('names the value so far once in the tooltip, and each closed value once', () => {
    const lines = withProvisional([line('acme', [60, 62, 7]), line('globex', [30, 31, 4])], T0 + 2 * HOUR);
    const tooltip = provisionalTooltip({
      header: (at) => new Date(at).toISOString(),
      value: (v) => (v === null ? '—' : `${v} mentions`),
      soFar: 'so far',
    });
    // What ECharts hands an axis tooltip: each series' points at the hovered bucket.
    const paramsAt = (x: number) =>
      lines.flatMap((l) =>
        (l.data as unknown[]).flatMap((d) => {
          const value = Array.isArray(d) ? d : (d as { value: unknown[] }).value;
          return value[0] === x
            ? [{ seriesId: l.id, seriesName: l.name, marker: '', axisValue: x, value, data: d }]
            : [];
        }),
      );
    const closed = tooltip(paramsAt(T0 + HOUR));
    expect(closed.match(/Acme/g)).toHaveLength(1);
    expect(closed).toContain('62 mentions');
    expect(closed).not.toContain('so far');
    const open = tooltip(paramsAt(T0 + 2 * HOUR));
    expect(open).toContain('Acme (so far)');
    expect(open).toContain('7 mentions');
    // Brand names are text, not markup.
    expect(open).toContain('Globex &lt;b&gt; (so far)');
  });
});
