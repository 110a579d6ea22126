// Names of the live protocol that the schemas and the web's values both need: kept apart so that
// neither imports the other.

export const TOPICS = ['tiles', 'benchmark', 'series', 'quality', 'alerts'] as const;
export type Topic = (typeof TOPICS)[number];

/** Boards of the live wall, in their default order. */
export const WALL_BOARDS = ['tiles', 'share_of_voice', 'sentiment', 'dpi', 'alerts'] as const;
export type WallBoard = (typeof WALL_BOARDS)[number];
