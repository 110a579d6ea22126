// Chart text read from across a room: it grows with the screen's height. At least 12 px on a
// 768 px laptop and 16 px on a 1080 px wall in kiosk mode, in proportion beyond (32 px at 2160 px).

/** The base font size of chart text (axes, legends, labels) for a viewport height. */
export function chartFontSize(viewportHeight: number, kiosk: boolean): number {
  const perPixel = kiosk ? 16 / 1080 : 12 / 768;
  return Math.max(12, Math.round(viewportHeight * perPixel));
}

/** A size given for the 12 px base, at the current base (a 16 px own-brand label stays a third larger). */
export const scaled = (size: number, base: number) => Math.round((size * base) / 12);
