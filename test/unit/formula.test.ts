import { describe, expect, it } from 'vitest';
import { aggregatesOf, FormulaError, parseFormula } from '../../shared/formula.js';

const error = (text: string) => {
  try {
    parseFormula(text);
  } catch (e) {
    expect(e).toBeInstanceOf(FormulaError);
    return (e as FormulaError).message;
  }
  throw new Error(`"${text}" parsed`);
};

describe('custom KPI formulas', () => {
  it('parse arithmetic with precedence, parentheses and unary minus', () => {
    expect(parseFormula('sum(clicks) / sum(impressions) * 100')).toEqual({
      type: 'binary',
      op: '*',
      left: {
        type: 'binary',
        op: '/',
        left: { type: 'aggregate', fn: 'sum', metric: 'clicks', where: [] },
        right: { type: 'aggregate', fn: 'sum', metric: 'impressions', where: [] },
      },
      right: { type: 'number', value: 100 },
    });
    expect(parseFormula('-(1 + 2) - 3')).toEqual({
      type: 'binary',
      op: '-',
      left: {
        type: 'negate',
        operand: {
          type: 'binary',
          op: '+',
          left: { type: 'number', value: 1 },
          right: { type: 'number', value: 2 },
        },
      },
      right: { type: 'number', value: 3 },
    });
  });

  it('read filtered aggregates and levels', () => {
    const tree = parseFormula(
      'sum(mentions where source = "press" and touchpoint = "media") / last(followers)',
    );
    expect(aggregatesOf(tree)).toEqual([
      {
        type: 'aggregate',
        fn: 'sum',
        metric: 'mentions',
        where: [
          { field: 'source', value: 'press' },
          { field: 'touchpoint', value: 'media' },
        ],
      },
      { type: 'aggregate', fn: 'last', metric: 'followers', where: [] },
    ]);
  });

  it('point at the position and say what was expected', () => {
    expect(error('sum(clicks) /')).toBe(
      'expected a number, "(", sum(…) or last(…) at position 14, found the end of the formula',
    );
    expect(error('sum(clicks')).toBe('expected ")" at position 11, found the end of the formula');
    expect(error('avg(clicks)')).toBe('expected a number, "(", sum(…) or last(…) at position 1, found "avg"');
    expect(error('sum(mentions where brand = "x")')).toBe(
      'expected "source" or "touchpoint" at position 20, found "brand"',
    );
    expect(error('sum(mentions where source = press)')).toBe(
      'expected a quoted value such as "press" at position 29, found "press"',
    );
    expect(error('sum(clicks) sum(impressions)')).toBe(
      'expected an operator or the end of the formula at position 13, found "sum"',
    );
    expect(error('sum(clicks); drop table events')).toBe('unexpected ";" at position 12');
    expect(error('sum(x where source = "a)')).toBe('the string opened at position 22 is never closed');
  });
});
