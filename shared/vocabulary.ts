// The metric vocabulary: what the hub accepts and how each measurement aggregates.
// Server (validation, rollups) and web (labels, pickers) read the same table.

export const TOUCHPOINTS = ['search', 'site', 'social', 'media', 'viral'] as const;
export type Touchpoint = (typeof TOUCHPOINTS)[number];

/** How a reader names each touchpoint: the dashboard's labels and the alerts' texts. */
export const TOUCHPOINT_LABELS: Record<Touchpoint, { en: string; fr: string }> = {
  search: { en: 'Search', fr: 'Recherche' },
  site: { en: 'Site & apps', fr: 'Site et applis' },
  social: { en: 'Social', fr: 'Social' },
  media: { en: 'Media & influence', fr: 'Médias & influence' },
  viral: { en: 'Viral', fr: 'Viral' },
};

/** Sources we know by name; any other `[a-z0-9_-]+` is accepted as free text. */
export const KNOWN_SOURCES: Record<Touchpoint, readonly string[]> = {
  search: ['google', 'bing', 'yahoo', 'duckduckgo', 'baidu', 'yandex', 'qwant', 'ecosia'],
  site: ['web', 'ios', 'android', 'app_store', 'google_play'],
  social: ['facebook', 'instagram', 'x', 'linkedin', 'tiktok', 'pinterest', 'snapchat', 'threads', 'bluesky'],
  media: ['press', 'blogs', 'forums', 'podcasts', 'tv', 'radio', 'newsletters', 'influencers'],
  viral: ['youtube', 'tiktok', 'twitch', 'instagram_reels', 'youtube_shorts', 'snapchat_spotlight'],
};

export const SOURCE_PATTERN = /^[a-z0-9_-]{1,64}$/;

export type MetricKind = 'counter' | 'gauge';
/** How a gauge combines across sources: followers add up across networks, positions average across engines. */
export type GaugeCombine = 'sum' | 'mean';
export type MetricUnit = 'count' | 'position' | 'rating' | 'people';

export interface MetricDefinition {
  id: string;
  kind: MetricKind;
  unit: MetricUnit;
  touchpoints: readonly Touchpoint[];
  combine?: GaugeCombine;
  label: { en: string; fr: string };
}

const MENTION_TOUCHPOINTS: readonly Touchpoint[] = ['social', 'media', 'viral'];

function counter(id: string, touchpoints: readonly Touchpoint[], en: string, fr: string): MetricDefinition {
  return { id, kind: 'counter', unit: 'count', touchpoints, label: { en, fr } };
}

export const METRICS: readonly MetricDefinition[] = [
  counter('impressions', ['search'], 'Impressions', 'Impressions'),
  counter('clicks', ['search'], 'Clicks', 'Clics'),
  counter('brand_searches', ['search'], 'Brand searches', 'Recherches de marque'),
  {
    id: 'avg_position',
    kind: 'gauge',
    unit: 'position',
    touchpoints: ['search'],
    combine: 'mean',
    label: { en: 'Average position', fr: 'Position moyenne' },
  },
  counter('visits', ['site'], 'Visits', 'Visites'),
  counter('conversions', ['site'], 'Conversions', 'Conversions'),
  counter('bounces', ['site'], 'Bounces', 'Rebonds'),
  counter('app_downloads', ['site'], 'App downloads', "Téléchargements d'app"),
  {
    id: 'app_rating',
    kind: 'gauge',
    unit: 'rating',
    touchpoints: ['site'],
    combine: 'mean',
    label: { en: 'App rating', fr: "Note de l'app" },
  },
  {
    id: 'followers',
    kind: 'gauge',
    unit: 'people',
    touchpoints: ['social'],
    combine: 'sum',
    label: { en: 'Followers', fr: 'Abonnés' },
  },
  counter('posts', ['social'], 'Posts', 'Publications'),
  counter('reach', ['social'], 'Reach', 'Portée'),
  counter('engagements', ['social'], 'Engagements', 'Engagements'),
  { ...counter('potential_reach', ['media'], 'Potential reach', 'Audience potentielle'), unit: 'people' },
  counter('views', ['viral'], 'Views', 'Vues'),
  counter('shares', ['viral'], 'Shares', 'Partages'),
  counter('likes', ['viral'], 'Likes', "J'aime"),
  counter('comments', ['viral'], 'Comments', 'Commentaires'),
  counter('mentions', MENTION_TOUCHPOINTS, 'Mentions', 'Mentions'),
  counter('positive_mentions', MENTION_TOUCHPOINTS, 'Positive mentions', 'Mentions positives'),
  counter('negative_mentions', MENTION_TOUCHPOINTS, 'Negative mentions', 'Mentions négatives'),
  counter('neutral_mentions', MENTION_TOUCHPOINTS, 'Neutral mentions', 'Mentions neutres'),
];

export const METRICS_BY_ID: ReadonlyMap<string, MetricDefinition> = new Map(METRICS.map((m) => [m.id, m]));

export function isTouchpoint(value: string): value is Touchpoint {
  return (TOUCHPOINTS as readonly string[]).includes(value);
}

export function isMetricValidFor(metric: MetricDefinition, touchpoint: Touchpoint): boolean {
  return metric.touchpoints.includes(touchpoint);
}

export function metricsForTouchpoint(touchpoint: Touchpoint): MetricDefinition[] {
  return METRICS.filter((m) => isMetricValidFor(m, touchpoint));
}

export const ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
