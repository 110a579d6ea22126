// Names of the live protocol that the schemas and the web's values both need: kept apart so that
// neither imports the other.

export const TOPICS = ['tiles', 'benchmark', 'series', 'quality', 'alerts'] as const;
export type Topic = (typeof TOPICS)[number];

/** Boards of the live wall, in their default order. */
export const WALL_BOARDS = ['tiles', 'share_of_voice', 'sentiment', 'dpi', 'alerts'] as const;
export type WallBoard = (typeof WALL_BOARDS)[number];

/** The wall's tiles until a layout is saved (the anomaly detector watches them too). */
export const WALL_TILE_KPIS = [
  'share_of_voice',
  'net_sentiment',
  'mentions',
  'engagement_rate',
  'followers',
  'share_of_search',
] as const;
