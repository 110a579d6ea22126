// One format for a column of figures (a table's values, its changes, a chart's labels): the same
// decimals and the same notation on every row, so that 12 and 12.5 do not sit as "12" and "12.5",
// nor 9,870 beside 12K. The unit decides how many decimals are possible; the values, how many are
// needed; every row then gets that many.
import { formatDelta, MISSING, numberFormat, spaced, type Unit } from './format.js';

type Figure = number | null | undefined;

export interface ColumnOptions {
  /** Short form when the column holds large counts (charts): 1.2K … 12.3K. */
  compact?: boolean;
  /** Changes: a sign on every non-zero figure; percentages in points. */
  signed?: boolean;
}

/** The fewest decimals (up to `max`) that print `value` as `max` decimals would. */
function decimalsOf(value: number, max: number): number {
  const full = value.toFixed(max);
  for (let k = 0; k < max; k++) if (Number(value.toFixed(k)) === Number(full)) return k;
  return max;
}

const neededDecimals = (values: number[], max: number) =>
  values.reduce((most, v) => Math.max(most, decimalsOf(v, max)), 0);

/** The Intl options every row of the column shares. */
function columnOptions(unit: Unit, values: number[], compact: boolean): Intl.NumberFormatOptions {
  const fixed = (digits: number) => ({ minimumFractionDigits: digits, maximumFractionDigits: digits });
  switch (unit) {
    case 'percent':
      return { style: 'percent', ...fixed(1) };
    case 'position':
      return fixed(1);
    case 'index':
      return fixed(neededDecimals(values, 1));
    case 'ratio':
      return fixed(neededDecimals(values, 3));
    case 'rating':
      return fixed(Math.max(1, neededDecimals(values, 2)));
    default: {
      const largest = Math.max(0, ...values.map(Math.abs));
      if (compact && largest >= 10_000) return { notation: 'compact', ...fixed(1) };
      // Whole numbers, unless the column holds only small fractional figures (a custom average).
      return fixed(largest >= 100 ? 0 : neededDecimals(values, 2));
    }
  }
}

/** A formatter for every figure of one column. */
export function columnFormat(
  figures: readonly Figure[],
  unit: Unit,
  locale: string,
  { compact = false, signed = false }: ColumnOptions = {},
): (value: Figure) => string {
  const values = figures.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  // A change of a percentage is in points, one decimal: already the same on every row.
  if (signed && unit === 'percent') return (value) => formatDelta(value, unit, locale);
  const format = numberFormat(locale, {
    ...columnOptions(unit, signed ? values.map(Math.abs) : values, compact),
    ...(signed ? { signDisplay: 'exceptZero' as const } : {}),
  });
  return (value) =>
    value === null || value === undefined || !Number.isFinite(value)
      ? MISSING
      : spaced(locale, format.format(value));
}
