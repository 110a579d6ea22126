// How many columns the wall's tiles take: as many rows as the width needs, and the tiles shared
// evenly between them (6 tiles that cannot hold on one row go 3 + 3, not 4 + 2 with two holes),
// so no row is left with one tile or empty slots while another is full.

/** `width` and `minTile` in px; `gap` between tiles. */
export function tileColumns(count: number, width: number, minTile: number, gap: number): number {
  if (count <= 0) return 1;
  const fit = Math.max(1, Math.floor((width + gap) / (minTile + gap)));
  const rows = Math.ceil(count / fit);
  return Math.ceil(count / rows);
}
