// What the alert feed says of an alert beyond its message.
import type { AnomalyDriver } from '../../../shared/schemas/live-data.js';

export interface DriverWords {
  percent: (share: number) => string;
  touchpoint: (id: string) => string;
  brand: (id: string) => string;
}

/**
 * The sources behind an anomaly, the largest first, on one line: "80 % x / Social · 15 % google /
 * Search"; a share KPI's driver names the brand that moved ("60 % x / Social (Globex)"). Past
 * `max`, the rest are too small to say much on a wall.
 */
export function driversLine(drivers: readonly AnomalyDriver[], words: DriverWords, max = 3): string {
  return [...drivers]
    .sort((a, b) => b.share - a.share)
    .slice(0, max)
    .map((d) => {
      const who = d.brand ? ` (${words.brand(d.brand)})` : '';
      return `${words.percent(d.share)} ${d.source} / ${words.touchpoint(d.touchpoint)}${who}`;
    })
    .join(' · ');
}
