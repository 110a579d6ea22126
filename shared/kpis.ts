// The KPI catalogue: one definition per KPI, identical for every brand and touchpoint. Values of
// unit `percent` are fractions (0.25 is 25 %); `position` is lower-is-better by nature.
import { aggregatesOf, type FormulaNode } from './formula.js';
import { TOUCHPOINTS as ALL_TOUCHPOINTS, type Touchpoint } from './vocabulary.js';

export type KpiUnit = 'count' | 'percent' | 'position' | 'rating' | 'people' | 'index';
export type KpiDirection = 'higher' | 'lower';

/** How a KPI is computed from metric aggregates over a window. */
export type KpiFormula =
  /** Total of a counter. */
  | { kind: 'sum'; metric: string }
  /** A gauge's value as of the window's end, sources combined as the metric says. */
  | { kind: 'level'; metric: string }
  /** Level at the end minus level at the start (null without a value before the start). */
  | { kind: 'growth'; metric: string }
  /** sum(numerator) / sum(denominator). */
  | { kind: 'ratio'; numerator: string; denominator: string }
  /** The brand's total / the whole set's total. */
  | { kind: 'share'; metric: string }
  /** (sum(positive) − sum(negative)) / (sum(positive) + sum(negative)). */
  | { kind: 'net'; positive: string; negative: string }
  /** The Digital Performance Index: overall, or one touchpoint's score (see server/kpi/dpi.ts). */
  | { kind: 'dpi'; touchpoint?: Touchpoint }
  /** A workspace's own KPI, written in the formula language (shared/formula.ts). */
  | { kind: 'custom'; text: string; tree: FormulaNode };

export interface KpiDefinition {
  id: string;
  label: { en: string; fr: string };
  /** Where its metrics are read (unless a request narrows it with touchpoint=). */
  touchpoints: readonly Touchpoint[];
  /** The touchpoint whose Digital Performance Index score it feeds (mentions feed media & influence). */
  group: Touchpoint;
  formula: KpiFormula;
  unit: KpiUnit;
  direction: KpiDirection;
  /** Whether a brand's share of the set's total means something (a total of counts does; a rate does not). */
  shareable: boolean;
}

/**
 * Counters (and growth, and custom KPIs counted in `count`) accumulate from 0 over a period, an
 * objective's for one; other KPIs move from where they started. (The web app's KPI info has the
 * formula's kind too.)
 */
export const accumulates = (kpi: { formula: { kind?: string }; unit: string }) =>
  kpi.formula.kind === 'sum' ||
  kpi.formula.kind === 'growth' ||
  (kpi.formula.kind === 'custom' && kpi.unit === 'count');

const MENTIONS: readonly Touchpoint[] = ['social', 'media', 'viral'];

/** The DPI touchpoint a KPI feeds: its only touchpoint, or media & influence for mentions read on several. */
export const dpiGroup = (touchpoints: readonly Touchpoint[]): Touchpoint =>
  touchpoints.length === 1 ? touchpoints[0]! : 'media';

const kpi = (
  id: string,
  en: string,
  fr: string,
  touchpoints: readonly Touchpoint[],
  formula: KpiFormula,
  unit: KpiUnit,
  options: { direction?: KpiDirection; shareable?: boolean } = {},
): KpiDefinition => ({
  id,
  label: { en, fr },
  touchpoints,
  group: dpiGroup(touchpoints),
  formula,
  unit,
  direction: options.direction ?? 'higher',
  shareable: options.shareable ?? formula.kind === 'sum',
});

export const KPIS: readonly KpiDefinition[] = [
  kpi(
    'impressions',
    'Impressions',
    'Impressions',
    ['search'],
    { kind: 'sum', metric: 'impressions' },
    'count',
  ),
  kpi('clicks', 'Clicks', 'Clics', ['search'], { kind: 'sum', metric: 'clicks' }, 'count'),
  kpi(
    'ctr',
    'Click-through rate',
    'Taux de clic',
    ['search'],
    { kind: 'ratio', numerator: 'clicks', denominator: 'impressions' },
    'percent',
  ),
  kpi(
    'avg_position',
    'Average position',
    'Position moyenne',
    ['search'],
    { kind: 'level', metric: 'avg_position' },
    'position',
    { direction: 'lower' },
  ),
  kpi(
    'share_of_search',
    'Share of search',
    'Part de recherche',
    ['search'],
    { kind: 'share', metric: 'brand_searches' },
    'percent',
  ),
  kpi('visits', 'Visits', 'Visites', ['site'], { kind: 'sum', metric: 'visits' }, 'count'),
  kpi('conversions', 'Conversions', 'Conversions', ['site'], { kind: 'sum', metric: 'conversions' }, 'count'),
  kpi(
    'conversion_rate',
    'Conversion rate',
    'Taux de conversion',
    ['site'],
    { kind: 'ratio', numerator: 'conversions', denominator: 'visits' },
    'percent',
  ),
  kpi(
    'bounce_rate',
    'Bounce rate',
    'Taux de rebond',
    ['site'],
    { kind: 'ratio', numerator: 'bounces', denominator: 'visits' },
    'percent',
    { direction: 'lower' },
  ),
  kpi(
    'app_downloads',
    'App downloads',
    "Téléchargements d'app",
    ['site'],
    { kind: 'sum', metric: 'app_downloads' },
    'count',
  ),
  kpi(
    'app_rating',
    'App rating',
    "Note de l'app",
    ['site'],
    { kind: 'level', metric: 'app_rating' },
    'rating',
  ),
  kpi('followers', 'Followers', 'Abonnés', ['social'], { kind: 'level', metric: 'followers' }, 'people', {
    shareable: true,
  }),
  kpi(
    'follower_growth',
    'Follower growth',
    "Gain d'abonnés",
    ['social'],
    { kind: 'growth', metric: 'followers' },
    'people',
  ),
  kpi(
    'engagements',
    'Engagements',
    'Engagements',
    ['social'],
    { kind: 'sum', metric: 'engagements' },
    'count',
  ),
  kpi(
    'engagement_rate',
    'Engagement rate',
    "Taux d'engagement",
    ['social'],
    { kind: 'ratio', numerator: 'engagements', denominator: 'reach' },
    'percent',
  ),
  kpi(
    'share_of_engagement',
    'Share of engagement',
    "Part d'engagement",
    ['social'],
    { kind: 'share', metric: 'engagements' },
    'percent',
  ),
  kpi('mentions', 'Mentions', 'Mentions', MENTIONS, { kind: 'sum', metric: 'mentions' }, 'count'),
  kpi(
    'share_of_voice',
    'Share of voice',
    'Part de voix',
    MENTIONS,
    { kind: 'share', metric: 'mentions' },
    'percent',
  ),
  kpi(
    'net_sentiment',
    'Net sentiment',
    'Sentiment net',
    MENTIONS,
    { kind: 'net', positive: 'positive_mentions', negative: 'negative_mentions' },
    'percent',
  ),
  kpi(
    'potential_reach',
    'Potential reach',
    'Audience potentielle',
    ['media'],
    { kind: 'sum', metric: 'potential_reach' },
    'people',
  ),
  kpi('views', 'Views', 'Vues', ['viral'], { kind: 'sum', metric: 'views' }, 'count'),
  kpi('shares', 'Shares', 'Partages', ['viral'], { kind: 'sum', metric: 'shares' }, 'count'),
  kpi(
    'virality_rate',
    'Virality rate',
    'Taux de viralité',
    ['viral'],
    { kind: 'ratio', numerator: 'shares', denominator: 'views' },
    'percent',
  ),
  kpi(
    'share_of_views',
    'Share of views',
    'Part de vues',
    ['viral'],
    { kind: 'share', metric: 'views' },
    'percent',
  ),
];

const TOUCHPOINT_LABELS: Record<Touchpoint, { en: string; fr: string }> = {
  search: { en: 'search', fr: 'recherche' },
  site: { en: 'site & apps', fr: 'site & apps' },
  social: { en: 'social', fr: 'social' },
  media: { en: 'media & influence', fr: 'médias & influence' },
  viral: { en: 'viral', fr: 'viral' },
};

/** The Digital Performance Index, overall and per touchpoint: 0–100 scores relative to the set. */
export const DPI_KPIS: readonly KpiDefinition[] = [
  kpi(
    'dpi',
    'Digital Performance Index',
    'Indice de performance digitale',
    ALL_TOUCHPOINTS,
    { kind: 'dpi' },
    'index',
  ),
  ...ALL_TOUCHPOINTS.map((t) =>
    kpi(
      `dpi_${t}`,
      `DPI, ${TOUCHPOINT_LABELS[t].en}`,
      `IPD, ${TOUCHPOINT_LABELS[t].fr}`,
      [t],
      { kind: 'dpi', touchpoint: t },
      'index',
    ),
  ),
];

export const KPIS_BY_ID: ReadonlyMap<string, KpiDefinition> = new Map(
  [...KPIS, ...DPI_KPIS].map((k) => [k.id, k]),
);

/** The metrics a formula reads. */
export function formulaMetrics(formula: KpiFormula): string[] {
  switch (formula.kind) {
    case 'ratio':
      return [formula.numerator, formula.denominator];
    case 'net':
      return [formula.positive, formula.negative];
    case 'dpi':
      return [];
    case 'custom':
      return [...new Set(aggregatesOf(formula.tree).map((a) => a.metric))];
    default:
      return [formula.metric];
  }
}

/** Below this volume (in the denominator's unit) a ratio swings on a handful of events. */
export const DEFAULT_MIN_VOLUME = 30;

/**
 * What a ratio KPI divides by, named by the metric that counts it: the volume a value rests on
 * ("not enough data (12 mentions)"). Net sentiment divides by the mentions with a sentiment,
 * shares by the set's total. Undefined for KPIs that divide by nothing.
 */
export function volumeMetric(formula: KpiFormula): string | undefined {
  switch (formula.kind) {
    case 'ratio':
      return formula.denominator;
    case 'share':
      return formula.metric;
    case 'net':
      return 'mentions';
    default:
      return undefined;
  }
}
