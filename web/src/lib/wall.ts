import { WALL_BOARDS, WALL_TILE_KPIS, type WallBoard } from '../../../shared/live.js';
import type { WallLayout } from '../../../shared/schemas/live.js';

export type { WallLayout };
export type Board = WallBoard;
export const BOARDS: readonly Board[] = WALL_BOARDS;

/** The wall until a layout is saved (GET …/wall answers 404). */
export const DEFAULT_WALL: Readonly<WallLayout> = {
  kpis: [...WALL_TILE_KPIS],
  boards: ['tiles', 'share_of_voice', 'sentiment', 'dpi', 'alerts'],
  window: '24h',
  rotateSeconds: 20,
};

/** The touchpoint scores of the DPI radar, in axis order. */
export const DPI_AXES = ['dpi_search', 'dpi_site', 'dpi_social', 'dpi_media', 'dpi_viral'] as const;

/** The grain of a wall chart over a window: hours up to a day, days beyond (as the live series). */
export const wallGrain = (window: string): 'hour' | 'day' =>
  ['1h', '24h', 'today'].includes(window) ? 'hour' : 'day';

const WINDOW_BUCKETS: Record<string, number> = {
  '1h': 1,
  '24h': 24,
  today: 24,
  '7d': 7,
  wtd: 7,
  '28d': 28,
  '30d': 30,
  mtd: 31,
  '90d': 90,
  qtd: 92,
  ytd: 365,
};

/**
 * How many buckets a wall chart forecasts ahead: a quarter of what it shows (6 hours after the last
 * 24), at least 2, at most the API's default horizon (24 hours, 14 days), so that the band reads as
 * what comes next and the live series keeps most of the width.
 */
export function wallForecastHorizon(window: string): number {
  const cap = wallGrain(window) === 'hour' ? 24 : 14;
  return Math.min(cap, Math.max(2, Math.round((WINDOW_BUCKETS[window] ?? 28) / 4)));
}
