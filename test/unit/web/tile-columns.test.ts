// The wall's tile grid: every row as full as the others.
import { describe, expect, it } from 'vitest';
import { tileColumns } from '../../../web/src/lib/tile-columns.js';

const rows = (count: number, columns: number) =>
  Array.from({ length: Math.ceil(count / columns) }, (_, r) => Math.min(columns, count - r * columns));

describe('tile columns', () => {
  it('puts 6 tiles 3 + 3 where 5 fit on a row (kiosk at 1920 px), not 4 + 2 or 5 + 1', () => {
    expect(rows(6, tileColumns(6, 1872, 352, 16))).toEqual([3, 3]);
  });

  it('spreads the tiles over the whole width when they fit on one row', () => {
    expect(tileColumns(6, 1872, 208, 16)).toBe(6);
    expect(tileColumns(4, 1872, 208, 16)).toBe(4);
  });

  it('never needs more rows than filling each row would, and never leaves its last row emptier', () => {
    for (let count = 1; count <= 12; count++) {
      for (const width of [700, 1318, 1872, 3792]) {
        const fit = Math.max(1, Math.floor((width + 16) / 368));
        const filled = rows(count, fit);
        const shape = rows(count, tileColumns(count, width, 352, 16));
        expect(shape.length, `${count} tiles at ${width}px`).toBe(filled.length);
        expect(shape.at(-1)!, `${count} tiles at ${width}px: ${shape} vs ${filled}`).toBeGreaterThanOrEqual(
          filled.at(-1)!,
        );
      }
    }
  });
});
