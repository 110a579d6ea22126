// The typeface of report charts and PDFs. resvg draws no text at all without a font (the chart
// would go out with blank axes and legends), so a missing font is an error the run reports.
import { existsSync } from 'node:fs';
import { ApiError } from '../errors.js';

const CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
];

export const FONT_FAMILY = 'DejaVu Sans';

let found: string | undefined;

/** The path of DejaVu Sans (REPORT_FONT overrides), or an error saying how to install it. */
export function reportFont(): string {
  if (found) return found;
  const path = [process.env.REPORT_FONT, ...CANDIDATES].find((p) => p && existsSync(p));
  if (!path) {
    throw new ApiError(
      503,
      'report_font_missing',
      'Report charts cannot be drawn: no DejaVu Sans font was found on this machine.',
      'Install it (Debian/Ubuntu: apt-get install fonts-dejavu-core) or set REPORT_FONT to a .ttf file.',
    );
  }
  return (found = path);
}

/** The bold face beside it, for PDF headings (the regular one when there is none). */
export function reportBoldFont(): string {
  const bold = reportFont().replace(/DejaVuSans\.ttf$/, 'DejaVuSans-Bold.ttf');
  return existsSync(bold) ? bold : reportFont();
}
