// Pure formatting of KPI values for people: one function per concern, every one taking the locale,
// so that the dashboard (and later the e-mail reports) print the same figure the same way.
// Values of unit `percent` are fractions (0.25 is 25 %), as in shared/kpis.ts.

export type Unit = 'count' | 'people' | 'ratio' | 'percent' | 'index' | 'position' | 'rating' | (string & {});

import { frenchTypography } from './typography.js';

/** What a missing value prints as (no data, zero denominator …). */
export const MISSING = '—';

const cache = new Map<string, Intl.NumberFormat>();

/** Intl.NumberFormat is costly to build and a wall formats dozens of values a second: keep them. */
export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    cache.set(key, format);
  }
  return format;
}

function unitOptions(unit: Unit, value: number, compact: boolean): Intl.NumberFormatOptions {
  switch (unit) {
    case 'percent':
      return { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 };
    case 'ratio':
      return { maximumFractionDigits: 3 };
    case 'index':
      return { maximumFractionDigits: 1 };
    case 'position':
      return { minimumFractionDigits: 1, maximumFractionDigits: 1 };
    case 'rating':
      return { minimumFractionDigits: 1, maximumFractionDigits: 2 };
    default:
      // count, people and units we do not know: compact on tiles (1.2M, 1,2 M); whole numbers,
      // except small fractional ones (a custom KPI's average) which would otherwise read as 0 or 1.
      if (compact) return { notation: 'compact', maximumFractionDigits: 1 };
      return { maximumFractionDigits: Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : 2 };
  }
}

export interface FormatOptions {
  /** Short form for large counts (tiles, chart labels): 1.2M rather than 1,234,567. */
  compact?: boolean;
}

/** A KPI value by its unit: 1,234 · 12.5% · 3.2 (position) · 4.35 (rating) · 112.4 (index). */
export function formatValue(
  value: number | null | undefined,
  unit: Unit,
  locale: string,
  options: FormatOptions = {},
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  const compact = options.compact === true && Math.abs(value) >= 10_000;
  return spaced(locale, numberFormat(locale, unitOptions(unit, value, compact)).format(value));
}

/** Intl spaces a French percent sign with a plain no-break space; French typography wants a narrow one. */
export const spaced = (locale: string, text: string) =>
  locale.startsWith('fr') ? frenchTypography(text) : text;

/**
 * A change between two values of a unit, signed. Changes of a percentage are in points
 * (25 % → 27 % is +2.0 pts, not +8 %), every other unit is the unit's own.
 */
export function formatDelta(
  value: number | null | undefined,
  unit: Unit,
  locale: string,
  { signed = true }: { signed?: boolean } = {},
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  const signDisplay = signed ? 'exceptZero' : 'auto';
  if (unit === 'percent') {
    const points = numberFormat(locale, {
      signDisplay,
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
    }).format(value * 100);
    // No-break: "2.1" and "pts" never part at a line's end.
    return `${points}\u00a0${locale.startsWith('fr') ? 'pt' : 'pts'}`;
  }
  const options: Intl.NumberFormatOptions = {
    ...unitOptions(unit, value, Math.abs(value) >= 10_000),
    signDisplay,
  };
  return numberFormat(locale, options).format(value);
}

/** How far a brand is from the leader, as a distance (the leader itself is 0). */
export function formatGap(value: number | null | undefined, unit: Unit, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  return formatDelta(Math.abs(value), unit, locale, { signed: false });
}

/** A relative change (a fraction), signed: +12.5 %. */
export function formatChange(fraction: number | null | undefined, locale: string): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return MISSING;
  const text = numberFormat(locale, {
    style: 'percent',
    signDisplay: 'exceptZero',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(fraction);
  return spaced(locale, text);
}

/** A plain share or progress (a fraction): 42 %. */
export function formatPercent(fraction: number | null | undefined, locale: string, digits = 0): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return MISSING;
  const text = numberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(fraction);
  return spaced(locale, text);
}

/** A whole count: 12,345 (en), 12 345 (fr). */
export function formatCount(value: number | null | undefined, locale: string): string {
  return formatValue(value, 'count', locale);
}

/** A rank in the set: "2 / 6". */
export function formatRank(rank: number | null | undefined, of: number, locale: string): string {
  if (rank === null || rank === undefined) return MISSING;
  const n = numberFormat(locale, { maximumFractionDigits: 0 });
  return `${n.format(rank)} / ${n.format(of)}`;
}

const dateCache = new Map<string, Intl.DateTimeFormat>();

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = dateCache.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    dateCache.set(key, format);
  }
  return format;
}

/** Which parts of an instant to print. */
export type DateStyle = 'time' | 'date' | 'datetime' | 'hour' | 'day';

const DATE_OPTIONS: Record<DateStyle, Intl.DateTimeFormatOptions> = {
  time: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
  date: { year: 'numeric', month: 'short', day: 'numeric' },
  datetime: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
  hour: { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
  day: { month: 'short', day: 'numeric' },
};

/** An ISO instant in a time zone (the workspace's: its days are the rollups' days). */
export function formatDate(
  iso: string | number | null | undefined,
  locale: string,
  style: DateStyle = 'datetime',
  timeZone?: string,
): string {
  if (iso === null || iso === undefined) return MISSING;
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(ms)) return MISSING;
  return dateFormat(locale, { ...DATE_OPTIONS[style], ...(timeZone ? { timeZone } : {}) }).format(ms);
}

/** A duration, coarse: "3 d", "5 h", "12 min" (objectives' time left). */
export function formatDuration(ms: number, locale: string): string {
  const unit = (value: number, name: 'day' | 'hour' | 'minute') =>
    numberFormat(locale, {
      style: 'unit',
      unit: name,
      unitDisplay: 'short',
      maximumFractionDigits: 0,
    }).format(value);
  const abs = Math.abs(ms);
  if (abs >= 86_400_000) return unit(Math.floor(ms / 86_400_000), 'day');
  if (abs >= 3_600_000) return unit(Math.floor(ms / 3_600_000), 'hour');
  return unit(Math.max(0, Math.floor(ms / 60_000)), 'minute');
}

export type Trend = 'good' | 'bad' | 'flat';

/** Whether a printed number reads as zero ("0.0 pts", "+0.0 %", "0"): a change that shows as none. */
export const readsAsZero = (shown: string) => !/[1-9]/.test(shown);

const noChange = (delta: number | null | undefined, shown: string | undefined) =>
  delta === null ||
  delta === undefined ||
  delta === 0 ||
  !Number.isFinite(delta) ||
  (shown !== undefined && readsAsZero(shown));

/**
 * Whether a change is good news given the KPI's direction (a falling bounce rate is). `shown`, the
 * change as printed: one that rounds to zero is no news, whatever its sign before rounding.
 */
export function trendOf(
  delta: number | null | undefined,
  direction: 'higher' | 'lower',
  shown?: string,
): Trend {
  if (noChange(delta, shown)) return 'flat';
  return delta! > 0 === (direction === 'higher') ? 'good' : 'bad';
}

/** The arrow of a change: up or down (independent of good or bad); none for no change as printed. */
export function arrowOf(delta: number | null | undefined, shown?: string): '▲' | '▼' | '' {
  if (noChange(delta, shown)) return '';
  return delta! > 0 ? '▲' : '▼';
}
