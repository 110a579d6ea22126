// One colour per brand, the same in every chart and report: the own brand always wears the accent,
// competitors take the palette in the order of the workspace's set, so that adding a brand at the
// end never repaints the others. Colours read on a dark background and stay apart for the common
// colour-vision deficiencies (no red/green pair next to each other, no second orange).

/** The own brand: the only warm, saturated colour on screen. */
export const OWN_COLOR = '#ff7a1a';

/** Competitors, in set order; past ten brands the colours repeat. */
export const COMPETITOR_COLORS: readonly string[] = [
  '#4dabf7', // blue
  '#63e6be', // teal
  '#b197fc', // violet
  '#ffd43b', // yellow
  '#f783ac', // pink
  '#a9e34b', // lime
  '#3bc9db', // cyan
  '#e599f7', // grape
  '#91a7ff', // indigo
  '#ced4da', // grey
];

/** The set's average (or median): a neutral reference line. */
export const SET_COLOR = '#8a94a6';

/** A brand that left the set but still appears in history. */
export const FORMER_COLOR = '#5c6370';

export interface BrandLike {
  id: string;
  own: boolean;
}

export interface BrandStyle {
  color: string;
  own: boolean;
}

/** Colour of each brand of a set, by id. */
export function brandPalette(brands: readonly BrandLike[]): Map<string, BrandStyle> {
  const palette = new Map<string, BrandStyle>();
  let next = 0;
  for (const brand of brands) {
    if (brand.own) {
      palette.set(brand.id, { color: OWN_COLOR, own: true });
    } else {
      palette.set(brand.id, { color: COMPETITOR_COLORS[next % COMPETITOR_COLORS.length]!, own: false });
      next++;
    }
  }
  return palette;
}

/** The colour of one brand, or the former-brand grey when it is not (any more) in the set. */
export function brandColor(palette: ReadonlyMap<string, BrandStyle>, brand: string): string {
  return palette.get(brand)?.color ?? FORMER_COLOR;
}
