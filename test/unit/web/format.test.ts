// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import {
  arrowOf,
  formatChange,
  formatDate,
  formatDelta,
  formatRank,
  formatValue,
  MISSING,
  trendOf,
} from '../../../shared/format.js';
import {
  brandPalette,
  COMPETITOR_COLORS,
  FORMER_COLOR,
  OWN_COLOR,
  brandColor,
} from '../../../shared/palette.js';

/** Intl separates French groups and units with narrow no-break spaces: compare with plain ones. */
const plain = (text: string) => text.replace(/\s/g, ' ');

describe('formatting by unit and locale', () => {
  it.each([
    [1234567, 'count', 'en', '1,234,567'],
    [1234567, 'count', 'fr', '1 234 567'],
    [0.1234, 'percent', 'en', '12.3%'],
    [0.1234, 'percent', 'fr', '12,3 %'],
    [3.24, 'position', 'en', '3.2'],
    [4.356, 'rating', 'fr', '4,36'],
    [112.44, 'index', 'en', '112.4'],
    [0.456789, 'ratio', 'en', '0.457'],
    [2.5, 'count', 'en', '2.5'],
  ] as const)('%s %s in %s reads %s', (value, unit, locale, expected) => {
    expect(plain(formatValue(value, unit, locale))).toBe(expected);
  });

  it('shortens large counts on request', () => {
    expect(formatValue(1_234_567, 'count', 'en', { compact: true })).toBe('1.2M');
    expect(plain(formatValue(1_234_567, 'count', 'fr', { compact: true }))).toBe('1,2 M');
    expect(formatValue(999, 'count', 'en', { compact: true })).toBe('999');
  });

  it('prints a dash for missing values', () => {
    expect(formatValue(null, 'count', 'en')).toBe(MISSING);
    expect(formatValue(Number.NaN, 'percent', 'en')).toBe(MISSING);
    expect(formatRank(null, 6, 'en')).toBe(MISSING);
  });

  it('signs changes, in points for percentages', () => {
    expect(formatDelta(0.021, 'percent', 'en')).toBe('+2.1\u00a0pts');
    expect(plain(formatDelta(-0.021, 'percent', 'fr'))).toBe('-2,1 pt');
    expect(formatDelta(1500, 'count', 'en')).toBe('+1,500');
    expect(formatChange(0.125, 'en')).toBe('+12.5%');
    expect(formatRank(2, 6, 'fr')).toBe('2 / 6');
  });

  it('formats instants in the workspace time zone', () => {
    expect(formatDate('2026-11-28T23:30:00Z', 'en', 'time', 'Europe/Paris')).toBe('12:30:00 AM');
    expect(formatDate('2026-11-28T23:30:00Z', 'fr', 'time', 'Europe/Paris')).toBe('00:30:00');
  });

  it('judges a change by the KPI direction', () => {
    expect(trendOf(0.1, 'higher')).toBe('good');
    expect(trendOf(0.1, 'lower')).toBe('bad');
    expect(trendOf(-2, 'lower')).toBe('good');
    expect(trendOf(0, 'higher')).toBe('flat');
    expect(arrowOf(-1)).toBe('▼');
    expect(arrowOf(null)).toBe('');
  });

  it('shows a change that rounds to zero with no colour and no arrow', () => {
    // Share of voice 25.00 % → 25.04 %: printed "0.0 pts", neither good news nor bad.
    const shown = formatDelta(0.0004, 'percent', 'en');
    expect(plain(shown)).toBe('0.0 pts');
    expect(trendOf(0.0004, 'higher', shown)).toBe('flat');
    expect(arrowOf(0.0004, shown)).toBe('');
    expect(trendOf(-0.0004, 'higher', formatDelta(-0.0004, 'percent', 'fr'))).toBe('flat');
    expect(arrowOf(-0.0002, formatChange(-0.0002, 'fr'))).toBe('');
    // One that shows keeps its arrow and colour.
    expect(trendOf(-0.02, 'higher', formatDelta(-0.02, 'percent', 'en'))).toBe('bad');
    expect(arrowOf(-0.02, formatDelta(-0.02, 'percent', 'en'))).toBe('▼');
  });
});

describe('brand palette', () => {
  it('gives the own brand the accent and competitors the palette in set order', () => {
    const palette = brandPalette([
      { id: 'globex', own: false },
      { id: 'acme', own: true },
      { id: 'initech', own: false },
    ]);
    expect(palette.get('acme')).toEqual({ color: OWN_COLOR, own: true });
    expect(palette.get('globex')?.color).toBe(COMPETITOR_COLORS[0]);
    expect(palette.get('initech')?.color).toBe(COMPETITOR_COLORS[1]);
    expect(brandColor(palette, 'gone')).toBe(FORMER_COLOR);
  });

  it('keeps existing colours when a brand joins at the end of the set', () => {
    const before = brandPalette([
      { id: 'acme', own: true },
      { id: 'globex', own: false },
    ]);
    const after = brandPalette([
      { id: 'acme', own: true },
      { id: 'globex', own: false },
      { id: 'umbrella', own: false },
    ]);
    expect(after.get('globex')).toEqual(before.get('globex'));
    expect(COMPETITOR_COLORS).not.toContain(OWN_COLOR);
  });
});
