import { describe, expect, it } from 'vitest';
import { chartFontSize, scaled } from '../../../web/src/charts/text-size.js';

describe('chart text size', () => {
  it('reads from across the room: 12 px on a laptop, 16 px on a wall in kiosk mode, 32 px on a 4K wall', () => {
    expect(chartFontSize(768, false)).toBe(12);
    expect(chartFontSize(1080, true)).toBe(16);
    expect(chartFontSize(2160, true)).toBe(32);
    expect(chartFontSize(1080, false)).toBeGreaterThanOrEqual(16);
    // Never under 12, even on a small window.
    expect(chartFontSize(500, false)).toBe(12);
  });

  it('keeps a larger label larger in proportion', () => {
    expect(scaled(16, 12)).toBe(16);
    expect(scaled(16, 24)).toBe(32);
  });
});
