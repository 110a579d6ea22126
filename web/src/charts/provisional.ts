// The bucket still filling (the API flags it provisional) is not drawn as part of the line: a half
// hour of mentions would read as a fall at the chart's right edge. Each brand's line ends at its
// last closed bucket; a lighter dashed stub of the same name (the legend toggles both) leads to the
// value so far, a hollow dot, and the tooltip names it "so far".
import type { LineSeriesOption } from 'echarts/charts';
import { escapeHtml } from '../../../shared/escape-html.js';

const SUFFIX = ':so-far';
/** Marks the stub's first point, the closed line's last: the tooltip shows it once, on the line. */
const JOIN = 'provisionalJoin';

export const isProvisionalLine = (id: unknown) => typeof id === 'string' && id.endsWith(SUFFIX);

type Point = [number, number | null];

/**
 * The brand lines (data as [x, y] pairs, one per bucket) with their provisional bucket at
 * `provisionalMs` taken out and drawn apart; unchanged when there is none.
 */
export function withProvisional(lines: LineSeriesOption[], provisionalMs: number | null): LineSeriesOption[] {
  if (provisionalMs === null) return lines;
  return lines.flatMap((line) => {
    const data = (line.data ?? []) as Point[];
    const at = data.findIndex((p) => p[0] === provisionalMs);
    if (at < 0) return [line];
    const closed = data.filter((_, i) => i !== at);
    const before = at > 0 ? data[at - 1]! : undefined;
    const value = data[at]![1];
    if (value === null) return [{ ...line, data: closed }];
    const width = (line.lineStyle?.width as number | undefined) ?? 2;
    const stub: LineSeriesOption = {
      type: 'line',
      id: `${String(line.id)}${SUFFIX}`,
      name: line.name,
      color: line.color,
      z: line.z,
      showSymbol: true,
      // At the chart's right edge (and often at its top): its dot is drawn whole, not clipped.
      clip: false,
      symbol: 'emptyCircle',
      symbolSize: Math.max(6, width * 2),
      // The stub's first point is the line's last: the tooltip names only the value so far.
      lineStyle: { type: 'dashed', width: Math.max(1, width / 2), opacity: 0.6 },
      itemStyle: { opacity: 0.8 },
      emphasis: { focus: 'series' },
      data: (before && before[1] !== null
        ? [{ value: before, [JOIN]: true }, [provisionalMs, value]]
        : [[provisionalMs, value]]) as LineSeriesOption['data'],
    };
    return [{ ...line, data: closed }, stub];
  });
}

interface TooltipParam {
  data?: unknown;
  seriesId?: string;
  seriesName?: string;
  marker?: unknown;
  value?: unknown;
  axisValue?: unknown;
  axisValueLabel?: string;
}

/**
 * An axis tooltip that lists each line once, at the hovered bucket: the stub only at its own bucket
 * (not at the closed bucket it starts from), named with `soFar`.
 */
export function provisionalTooltip(options: {
  header: (axisValue: number) => string;
  value: (value: number | null) => string;
  soFar: string;
}): (params: unknown) => string {
  return (raw) => {
    const params = (Array.isArray(raw) ? raw : [raw]) as TooltipParam[];
    const axis = Number(params[0]?.axisValue);
    const xOf = (p: TooltipParam) => (Array.isArray(p.value) ? Number(p.value[0]) : axis);
    // Snapped to a bucket, every line shown has a point there; otherwise show them all.
    const shown = params.filter((p) => !(typeof p.data === 'object' && p.data !== null && JOIN in p.data));
    const here = shown.filter((p) => xOf(p) === axis);
    const rows = (here.length > 0 ? here : shown).map((p) => {
      const y = Array.isArray(p.value) ? (p.value[1] as unknown) : null;
      const name =
        escapeHtml(p.seriesName ?? '') +
        (isProvisionalLine(p.seriesId) ? ` (${escapeHtml(options.soFar)})` : '');
      const number = options.value(typeof y === 'number' ? y : null);
      return `<div style="display:flex;gap:12px;justify-content:space-between"><span>${String(p.marker ?? '')}${name}</span><b>${escapeHtml(number)}</b></div>`;
    });
    return [`<div>${escapeHtml(options.header(axis))}</div>`, ...rows].join('');
  };
}
