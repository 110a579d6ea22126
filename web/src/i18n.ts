// English and French. The browser's language by default; a choice made in the header (or ?lang= on
// a kiosk screen) is remembered. Numbers, dates and percents go through Intl (shared/format.ts)
// with the current locale, so "12.5%" in English reads "12,5 %" in French.
import { computed } from 'vue';
import { createI18n, useI18n } from 'vue-i18n';
import {
  arrowOf,
  formatChange,
  formatCount,
  formatDate,
  formatDelta,
  formatDuration,
  formatGap,
  formatPercent,
  formatRank,
  formatValue,
  trendOf,
  type DateStyle,
  type FormatOptions,
  type Unit,
} from '../../shared/format.js';
import { columnFormat, type ColumnOptions } from '../../shared/column-format.js';
import { frenchTypography, typesetFrench } from '../../shared/typography.js';
import en from './messages/en.js';
import fr from './messages/fr.js';

export const LOCALES = ['en', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];

const STORAGE_KEY = 'convergence.locale';

export function isLocale(value: unknown): value is Locale {
  return (LOCALES as readonly unknown[]).includes(value);
}

/** The remembered choice, else the first browser language we speak, else English. */
export function detectLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // Storage disabled (private mode, kiosk policy): fall through to the browser's languages.
  }
  for (const language of navigator.languages ?? [navigator.language]) {
    const base = language.slice(0, 2).toLowerCase();
    if (isLocale(base)) return base;
  }
  return 'en';
}

export const i18n = createI18n({
  legacy: false,
  locale: detectLocale(),
  fallbackLocale: 'en',
  // Written with plain spaces; shown with French spacing (a narrow no-break space before : ; % …).
  messages: { en, fr: typesetFrench(fr) },
});
// The page's language is the chosen one from the start (screen readers, hyphenation, the browser's translate offer).
if (typeof document !== 'undefined') document.documentElement.lang = i18n.global.locale.value;

export function setLocale(locale: Locale, remember = true): void {
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  if (!remember) return;
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Not remembered; the choice still holds for this page.
  }
}

/** A label in the current language from an `{ en, fr }` pair (KPI catalogue, alerts). */
export function useLabel() {
  const { locale } = useI18n();
  return (label: { en: string; fr: string } | undefined, fallback = ''): string =>
    label ? (locale.value === 'fr' ? frenchTypography(label.fr) : label.en) : fallback;
}

/** shared/format.ts bound to the current locale. */
export function useFormat() {
  const { locale } = useI18n();
  const current = computed(() => locale.value);
  return {
    locale: current,
    value: (value: number | null | undefined, unit: Unit, options?: FormatOptions) =>
      formatValue(value, unit, current.value, options),
    delta: (value: number | null | undefined, unit: Unit) => formatDelta(value, unit, current.value),
    gap: (value: number | null | undefined, unit: Unit) => formatGap(value, unit, current.value),
    /** One formatter for a whole column of figures (same decimals, same notation). */
    column: (values: readonly (number | null | undefined)[], unit: Unit, options?: ColumnOptions) =>
      columnFormat(values, unit, current.value, options),
    change: (fraction: number | null | undefined) => formatChange(fraction, current.value),
    percent: (fraction: number | null | undefined, digits = 0) =>
      formatPercent(fraction, current.value, digits),
    count: (value: number | null | undefined) => formatCount(value, current.value),
    rank: (rank: number | null | undefined, of: number) => formatRank(rank, of, current.value),
    date: (iso: string | number | null | undefined, style?: DateStyle, timeZone?: string) =>
      formatDate(iso, current.value, style, timeZone),
    duration: (ms: number) => formatDuration(ms, current.value),
    trend: trendOf,
    arrow: arrowOf,
  };
}
