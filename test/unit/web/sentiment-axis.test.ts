import { describe, expect, it } from 'vitest';
import { sentimentMax, sentimentMin } from '../../../web/src/charts/sentiment-axis.js';

describe('the net sentiment axis', () => {
  it('stops at ±100 % however wide the forecast band, on the 20 % grid, with 0 in view', () => {
    // The wall's demo: lines from −37 % to 98 %, a band up to 108 %.
    expect([sentimentMin({ min: -0.37 }), sentimentMax({ max: 1.08 })]).toEqual([-0.4, 1]);
    expect([sentimentMin({ min: -1.3 }), sentimentMax({ max: 0.31 })]).toEqual([-1, 0.4]);
    expect([sentimentMin({ min: 0.55 }), sentimentMax({ max: 0.78 })]).toEqual([0, 0.8]);
  });
});
