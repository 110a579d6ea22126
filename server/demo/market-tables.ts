// The demo market's fixed tables: brand profiles, what each source reports, and the daily and
// weekly rhythm of each touchpoint. market.ts turns them into events.
import type { Touchpoint } from '../../shared/vocabulary.js';

// ---------------------------------------------------------------------------------------------
// Brands: each has its own size and touchpoint strengths, so ranks differ per touchpoint.

export interface Profile {
  size: number;
  strength: Record<Touchpoint, number>;
  ctr: number;
  conversion: number;
  bounce: number;
  engagement: number;
  positive: number;
  negative: number;
  followers: number;
  /** relative follower growth per day */
  growth: number;
  position: number;
  rating: number;
}

const tp = (search: number, site: number, social: number, media: number, viral: number) => ({
  search,
  site,
  social,
  media,
  viral,
});

// prettier-ignore
export const PROFILES: Profile[] = [
  { size: 1.0, strength: tp(1.0, 1.2, 0.9, 1.0, 0.8), ctr: 0.045, conversion: 0.028, bounce: 0.42, engagement: 0.038, positive: 0.44, negative: 0.07, followers: 420_000, growth: 0.0012, position: 3.2, rating: 4.5 },
  { size: 1.5, strength: tp(1.3, 1.1, 1.0, 1.4, 0.9), ctr: 0.038, conversion: 0.022, bounce: 0.47, engagement: 0.027, positive: 0.38, negative: 0.09, followers: 900_000, growth: 0.0006, position: 2.1, rating: 4.2 },
  { size: 1.1, strength: tp(0.7, 0.8, 1.6, 0.8, 1.7), ctr: 0.032, conversion: 0.018, bounce: 0.52, engagement: 0.055, positive: 0.47, negative: 0.08, followers: 1_300_000, growth: 0.0018, position: 5.4, rating: 4.4 },
  { size: 0.7, strength: tp(1.1, 0.9, 0.7, 0.9, 0.6), ctr: 0.05, conversion: 0.031, bounce: 0.39, engagement: 0.031, positive: 0.41, negative: 0.06, followers: 210_000, growth: 0.0008, position: 4.0, rating: 4.6 },
  { size: 0.45, strength: tp(0.8, 0.7, 1.2, 0.6, 1.3), ctr: 0.041, conversion: 0.02, bounce: 0.5, engagement: 0.048, positive: 0.36, negative: 0.1, followers: 150_000, growth: 0.0022, position: 7.5, rating: 4.0 },
  { size: 0.85, strength: tp(1.2, 1.0, 0.8, 1.1, 0.7), ctr: 0.043, conversion: 0.025, bounce: 0.44, engagement: 0.03, positive: 0.4, negative: 0.08, followers: 330_000, growth: 0.0007, position: 3.6, rating: 4.3 },
];

/** Hourly volumes of a size-1 brand in an average hour, summed over the touchpoint's sources. */
export const BASE = {
  impressions: 14_000,
  brandSearchShare: 0.075,
  visits: 1_800,
  downloads: 45,
  reach: 60_000,
  socialMentions: 70,
  postsPerHour: 0.35,
  mediaMentions: 14,
  views: 90_000,
  likes: 0.045,
  comments: 0.004,
  shares: 0.009,
  viralMentions: 12,
};

// ---------------------------------------------------------------------------------------------
// What each source of each touchpoint reports.

export type Kind = 'search' | 'web' | 'store' | 'social' | 'media' | 'viral';

export interface Layout {
  touchpoint: Touchpoint;
  source: string;
  kind: Kind;
  /** this source's share of the touchpoint's volume */
  share: number;
  /** potential reach of one media mention */
  audience?: number;
  /** viral sources where comments are counted as mentions */
  mentions?: boolean;
}

export const LAYOUT: Layout[] = [
  { touchpoint: 'search', source: 'google', kind: 'search', share: 0.86 },
  { touchpoint: 'search', source: 'bing', kind: 'search', share: 0.14 },
  { touchpoint: 'site', source: 'web', kind: 'web', share: 1 },
  { touchpoint: 'site', source: 'app_store', kind: 'store', share: 0.45 },
  { touchpoint: 'site', source: 'google_play', kind: 'store', share: 0.55 },
  { touchpoint: 'social', source: 'instagram', kind: 'social', share: 0.6 },
  { touchpoint: 'social', source: 'tiktok', kind: 'social', share: 0.4 },
  { touchpoint: 'media', source: 'press', kind: 'media', share: 0.3, audience: 120_000 },
  { touchpoint: 'media', source: 'blogs', kind: 'media', share: 0.7, audience: 6_000 },
  { touchpoint: 'viral', source: 'youtube', kind: 'viral', share: 0.35, mentions: true },
  { touchpoint: 'viral', source: 'tiktok', kind: 'viral', share: 0.65 },
];

export const GAUGES: Partial<Record<Kind, string>> = {
  search: 'avg_position',
  store: 'app_rating',
  social: 'followers',
};

/** One brand's one source: the unit that emits a consistent set of metrics for an interval. */
export interface Group {
  index: number;
  brandIndex: number;
  brand: string;
  layout: Layout;
  profile: Profile;
}

// ---------------------------------------------------------------------------------------------
// Seasonality, by local hour (0–23) and weekday (0 = Sunday), each normalized to a mean of 1.

const normalize = (values: number[]) => {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return values.map((v) => v / mean);
};

// prettier-ignore
export const DAILY: Record<Touchpoint, number[]> = (() => {
  const general = normalize([0.45, 0.3, 0.2, 0.15, 0.15, 0.2, 0.35, 0.6, 0.85, 1.0, 1.05, 1.1, 1.2, 1.15, 1.05, 1.05, 1.1, 1.2, 1.4, 1.6, 1.75, 1.7, 1.35, 0.85]);
  const evening = normalize([0.6, 0.35, 0.2, 0.12, 0.1, 0.15, 0.3, 0.55, 0.75, 0.8, 0.85, 0.9, 1.1, 1.0, 0.9, 0.95, 1.05, 1.2, 1.5, 1.85, 2.1, 2.05, 1.7, 1.1]);
  const office = normalize([0.3, 0.2, 0.12, 0.1, 0.12, 0.2, 0.4, 0.75, 1.2, 1.45, 1.55, 1.5, 1.35, 1.4, 1.45, 1.4, 1.3, 1.25, 1.25, 1.3, 1.3, 1.15, 0.85, 0.5]);
  return { search: general, site: general, social: evening, media: office, viral: evening };
})();

// prettier-ignore
export const WEEKLY: Record<Touchpoint, number[]> = {
  search: [0.85, 1.05, 1.05, 1.03, 1.02, 1.0, 0.9],
  site: [1.1, 0.95, 0.95, 0.97, 0.98, 1.0, 1.1],
  social: [1.15, 0.95, 0.95, 0.95, 0.97, 1.0, 1.12],
  media: [0.6, 1.1, 1.12, 1.12, 1.1, 1.05, 0.7],
  viral: [1.2, 0.92, 0.92, 0.93, 0.95, 1.03, 1.2],
};
