// Numbers and dates as a report prints them: the dashboard's formats (shared/format.ts) in the
// report's language and time zone.
import {
  arrowOf,
  formatChange,
  formatDate,
  formatDelta,
  formatGap,
  formatPercent,
  formatRank,
  formatValue,
  MISSING,
  trendOf,
  type Trend,
} from '../../shared/format.js';

export interface Figure {
  text: string;
  trend: Trend;
}

export function numbersFor(locale: string, timeZone: string) {
  return {
    value: (v: number | null, unit: string) => formatValue(v, unit, locale),
    /** "▲ +2.1 pts (+8.0 %)": the change in the unit, then relative, coloured by the KPI's direction. */
    delta(
      delta: number | null,
      deltaPct: number | null,
      kpi: { unit: string; direction: 'higher' | 'lower' },
    ): Figure {
      const shown = formatDelta(delta, kpi.unit, locale);
      if (shown === MISSING) return { text: MISSING, trend: 'flat' };
      const relative =
        kpi.unit !== 'percent' && deltaPct !== null ? ` (${formatChange(deltaPct, locale)})` : '';
      const arrow = arrowOf(delta, shown);
      return {
        text: `${arrow ? `${arrow} ` : ''}${shown}${relative}`,
        trend: trendOf(delta, kpi.direction, shown),
      };
    },
    rank: (rank: number | null, of: number) => formatRank(rank, of, locale),
    index: (index: number | null) => formatValue(index, 'index', locale),
    gap: (gap: number | null, unit: string) => formatGap(gap, unit, locale),
    percent: (fraction: number | null) => formatPercent(fraction, locale),
    range(mid: number | null, lo: number | null, hi: number | null, unit: string) {
      const span =
        lo === null || hi === null
          ? ''
          : `${formatValue(lo, unit, locale)} – ${formatValue(hi, unit, locale)}`;
      if (mid === null) return span || MISSING;
      return span ? `${formatValue(mid, unit, locale)} (${span})` : formatValue(mid, unit, locale);
    },
    date: (at: string | number) => formatDate(at, locale, 'date', timeZone),
    dateTime: (at: string | number) => formatDate(at, locale, 'datetime', timeZone),
  };
}

export type Numbers = ReturnType<typeof numbersFor>;
