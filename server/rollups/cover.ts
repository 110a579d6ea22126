import { ceilTo, DAY, floorTo, HOUR, MINUTE, type Window, type ZoneOffsets } from '../../shared/time.js';

/** Ranges of rollup buckets that together cover a window exactly, coarsest grain first. */
export interface Cover {
  /** Local days [from, to) as wall-clock midnights (how day buckets are stored); absent when none fits. */
  days?: { fromLocal: number; toLocal: number; fromMs: number; toMs: number };
  /** UTC hour buckets, as instant ranges [fromMs, toMs). */
  hours: Window[];
  /** Minute buckets, as instant ranges [fromMs, toMs). */
  minutes: Window[];
}

/**
 * Splits a minute-aligned window into whole local days, then whole UTC hours, then minutes, so
 * that a KPI reads the fewest rollup rows and still counts every event of the window exactly once.
 * Local midnights need not fall on a UTC hour (UTC+05:30), hence hours and minutes on both sides.
 */
export function coverWindow(window: Window, zone: ZoneOffsets): Cover {
  const cover: Cover = { hours: [], minutes: [] };
  const firstMidnightLocal = ceilTo(zone.toLocal(window.fromMs), DAY);
  const lastMidnightLocal = floorTo(zone.toLocal(window.toMs), DAY);
  let rest: Window[] = [window];
  if (firstMidnightLocal < lastMidnightLocal) {
    const fromMs = zone.toInstant(firstMidnightLocal);
    const toMs = zone.toInstant(lastMidnightLocal);
    if (fromMs >= window.fromMs && toMs <= window.toMs && fromMs < toMs) {
      cover.days = { fromLocal: firstMidnightLocal, toLocal: lastMidnightLocal, fromMs, toMs };
      rest = [
        { fromMs: window.fromMs, toMs: fromMs },
        { fromMs: toMs, toMs: window.toMs },
      ].filter((w) => w.fromMs < w.toMs);
    }
  }
  for (const part of rest) {
    const h0 = ceilTo(part.fromMs, HOUR);
    const h1 = floorTo(part.toMs, HOUR);
    if (h0 < h1) {
      cover.hours.push({ fromMs: h0, toMs: h1 });
      if (part.fromMs < h0) cover.minutes.push({ fromMs: part.fromMs, toMs: h0 });
      if (h1 < part.toMs) cover.minutes.push({ fromMs: h1, toMs: part.toMs });
    } else {
      cover.minutes.push(part);
    }
  }
  for (const m of cover.minutes) {
    if (m.fromMs % MINUTE !== 0 || m.toMs % MINUTE !== 0) {
      throw new Error(`coverWindow needs minute-aligned bounds, got ${m.fromMs}..${m.toMs}`);
    }
  }
  return cover;
}
