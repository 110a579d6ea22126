import type { KpiDefinition } from '../../shared/kpis.js';
import { formatChange, formatDelta, formatPercent, formatValue } from '../../shared/format.js';
import type { AnomalyDriver } from '../../shared/schemas/live-data.js';
import type { Judgement } from './band.js';
import { frenchTypography } from '../../shared/typography.js';
import { TOUCHPOINT_LABELS, type Touchpoint } from '../../shared/vocabulary.js';

const LOCALES = { en: 'en-GB', fr: 'fr-FR' } as const;

/** How far from expected, as a marketer reads it: +340 % for volumes, +8.1 pts for shares. */
function gap(j: Judgement, kpi: KpiDefinition, locale: string): string {
  const { value } = j;
  const expected = j.band.expected;
  if (kpi.unit === 'percent') return formatDelta(value - expected, 'percent', locale);
  if (Math.abs(expected) < 1e-9) return formatDelta(value - expected, kpi.unit, locale);
  return formatChange((value - expected) / Math.abs(expected), locale);
}

function driverText(
  d: AnomalyDriver,
  brand: string,
  locale: string,
  brandName: (id: string) => string,
): string {
  // The alert's own brand goes without saying.
  const other = d.brand && d.brand !== brand ? ` (${brandName(d.brand)})` : '';
  const touchpoint = TOUCHPOINT_LABELS[d.touchpoint as Touchpoint]?.[locale.startsWith('fr') ? 'fr' : 'en'];
  const where = `${d.source} / ${touchpoint ?? d.touchpoint}${other}`;
  return `${formatPercent(d.share, locale)} ${locale.startsWith('fr') ? 'de' : 'from'} ${where}`;
}

/** "Mentions of Belvia +340 % vs expected (1,204 for 274), 80 % from x / Social." in EN and FR. */
export function anomalyMessage(
  kpi: KpiDefinition,
  brand: string,
  j: Judgement,
  drivers: readonly AnomalyDriver[],
  brandName: (id: string) => string,
): { en: string; fr: string } {
  const text = (lang: 'en' | 'fr') => {
    const locale = LOCALES[lang];
    const value = formatValue(j.value, kpi.unit, locale);
    // Nobody expects 60.73 mentions: a count expected is a whole count.
    const round = kpi.unit === 'count' || kpi.unit === 'people';
    const expected = formatValue(round ? Math.round(j.band.expected) : j.band.expected, kpi.unit, locale);
    const top = drivers.slice(0, 1).map((d) => driverText(d, brand, locale, brandName));
    return lang === 'en'
      ? `${kpi.label.en} of ${brandName(brand)} ${gap(j, kpi, locale)} vs expected (${value} for ${expected})${top.length ? `, ${top.join(', ')}` : ''}.`
      : `${kpi.label.fr} de ${brandName(brand)} ${gap(j, kpi, locale)} par rapport à l’attendu (${value} pour ${expected})${top.length ? `, ${top.join(', ')}` : ''}.`;
  };
  return { en: text('en'), fr: frenchTypography(text('fr')) };
}

/**
 * Builds the number formats the messages of these KPIs use, once, when the hub starts: built on
 * the first alert, they held the event loop 8 ms in the profile of the first hour closing.
 */
export function warmMessageFormats(kpis: readonly KpiDefinition[]): void {
  const drivers = [{ source: 'source', touchpoint: 'touchpoint', share: 0.5 }];
  for (const kpi of kpis) {
    for (const value of [1234, 12.5, 0.25]) {
      const j: Judgement = {
        bucketMs: 0,
        value,
        band: { expected: 0, lo: 0, hi: 0 },
        score: 1,
        direction: 'up',
      };
      anomalyMessage(kpi, 'brand', j, drivers, (id) => id);
      anomalyMessage(
        kpi,
        'brand',
        { ...j, band: { expected: value / 2, lo: 0, hi: value } },
        drivers,
        (id) => id,
      );
    }
  }
}
