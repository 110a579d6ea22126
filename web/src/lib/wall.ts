import { WALL_BOARDS, type WallBoard } from '../../../shared/live.js';
import type { WallLayout } from '../../../shared/schemas/live.js';

export type { WallLayout };
export type Board = WallBoard;
export const BOARDS: readonly Board[] = WALL_BOARDS;

/** The wall until a layout is saved (GET …/wall answers 404). */
export const DEFAULT_WALL: Readonly<WallLayout> = {
  kpis: ['share_of_voice', 'net_sentiment', 'mentions', 'engagement_rate', 'followers', 'share_of_search'],
  boards: ['tiles', 'share_of_voice', 'sentiment', 'dpi', 'alerts'],
  window: '24h',
  rotateSeconds: 20,
};

/** The touchpoint scores of the DPI radar, in axis order. */
export const DPI_AXES = ['dpi_search', 'dpi_site', 'dpi_social', 'dpi_media', 'dpi_viral'] as const;
