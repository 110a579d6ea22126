import { describe, expect, it } from 'vitest';
import { columnFormat } from '../../shared/column-format.js';

const column = (values: (number | null)[], unit: string, locale = 'en', options = {}) => {
  const format = columnFormat(values, unit, locale, options);
  return values.map(format);
};

describe('one number format per column', () => {
  it('gives every row the decimals the column needs', () => {
    expect(column([100, 33.3, 66.7], 'index')).toEqual(['100.0', '33.3', '66.7']);
    expect(column([100, 50, 0], 'index')).toEqual(['100', '50', '0']);
    expect(column([4.5, 4.35, 4], 'rating')).toEqual(['4.50', '4.35', '4.00']);
    expect(column([0.5, 0.125, null], 'ratio')).toEqual(['0.500', '0.125', '—']);
    expect(column([2.5, 12, 0.75], 'count')).toEqual(['2.50', '12.00', '0.75']);
    expect(column([1234, 12.5, 3], 'count')).toEqual(['1,234', '13', '3']);
  });

  it('uses one notation: compact for every row once the column holds large counts', () => {
    expect(column([9870, 12_300, 1_250_000], 'count', 'en', { compact: true })).toEqual([
      '9.9K',
      '12.3K',
      '1.3M',
    ]);
    expect(column([9870, 980], 'count', 'en', { compact: true })).toEqual(['9,870', '980']);
  });

  it('signs changes, and gives percentages in points', () => {
    expect(column([12, -3.5, 0], 'count', 'en', { signed: true })).toEqual(['+12.0', '-3.5', '0.0']);
    expect(column([0.021, -0.004], 'percent', 'en', { signed: true })).toEqual([
      '+2.1\u00a0pts',
      '-0.4\u00a0pts',
    ]);
  });

  it('follows the locale, with French spacing', () => {
    expect(column([0.125, 0.5], 'percent', 'fr')).toEqual(['12,5\u202f%', '50,0\u202f%']);
    expect(column([1234.5, 12], 'count', 'fr')).toEqual(['1\u202f235', '12']);
  });
});
