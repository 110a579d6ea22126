// Instants, minute/hour/day arithmetic and IANA zone offsets: the server buckets and windows with
// them, the web app turns a workspace's calendar dates into instants with the same rules.
/** A half-open span [fromMs, toMs) of instants. */
export interface Window {
  fromMs: number;
  toMs: number;
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;
export const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;

/** The start of the next minute: a window ending "now" includes the current minute. */
export const nextMinute = (ms: number) => floorTo(ms, MINUTE) + MINUTE;

const zones = new Map<string, ZoneOffsets>();

/** The offsets of a zone, shared by every caller so that their memo fills once. */
export function zoneOf(timezone: string): ZoneOffsets {
  let zone = zones.get(timezone);
  if (!zone) zones.set(timezone, (zone = new ZoneOffsets(timezone)));
  return zone;
}

/**
 * Offsets of an IANA zone, memoized per quarter-hour (zone offsets are whole quarter-hours, so
 * the offset cannot change inside one).
 */
export class ZoneOffsets {
  private readonly format: Intl.DateTimeFormat;
  private readonly memo = new Map<number, number>();

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  }

  /** Local midnight of the day holding the instant `ms`, as a naive (wall-clock) epoch. */
  localDay(ms: number): number {
    const local = ms + this.offset(ms);
    return Math.floor(local / DAY) * DAY;
  }

  /** The wall-clock time of an instant, as a naive epoch (UTC fields = local fields). */
  toLocal(ms: number): number {
    return ms + this.offset(ms);
  }

  /**
   * The instant a wall-clock time stands for. In a spring-forward gap it moves on by the gap (02:30
   * becomes 03:30); a fall-back repeated time takes its first occurrence.
   */
  toInstant(localMs: number): number {
    const before = this.offset(localMs - DAY);
    const after = this.offset(localMs + DAY);
    // The larger offset first: for a repeated time it gives the first occurrence.
    for (const offset of before >= after ? [before, after] : [after, before]) {
      const instant = localMs - offset;
      if (this.offset(instant) === offset) return instant;
    }
    return localMs - before;
  }

  offset(ms: number): number {
    const slot = Math.floor(ms / 900_000);
    let offset = this.memo.get(slot);
    if (offset === undefined) {
      const at = slot * 900_000;
      const p: Record<string, number> = {};
      for (const part of this.format.formatToParts(at)) {
        if (part.type !== 'literal') p[part.type] = Number(part.value);
      }
      offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) - at;
      if (this.memo.size > 200_000) this.memo.clear();
      this.memo.set(slot, offset);
    }
    return offset;
  }
}

/** An instant as ISO 8601 (UTC). */
export const iso = (ms: number) => new Date(ms).toISOString();

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** An instant from ISO 8601 text that names its offset (or Z); undefined for anything else. */
export function instantOf(text: string): number | undefined {
  const ms = ISO_WITH_ZONE.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** `2026-03-29T00:00:00+01:00` from a local wall-clock time and the instant it stands for. */
export function isoWithOffset(localMs: number, instantMs: number): string {
  const offsetMin = Math.round((localMs - instantMs) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${new Date(localMs).toISOString().slice(0, 19)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * The start of the bucket holding `nowMs`: the one still filling (provisional), after which no
 * bucket has data yet. Day and week buckets are local days and Monday-started weeks of the zone.
 */
export function currentBucketStart(
  grain: 'minute' | 'hour' | 'day' | 'week',
  nowMs: number,
  zone: ZoneOffsets,
): number {
  if (grain === 'minute') return floorTo(nowMs, MINUTE);
  if (grain === 'hour') return floorTo(nowMs, HOUR);
  let day = zone.localDay(nowMs);
  if (grain === 'week') day -= ((new Date(day).getUTCDay() + 6) % 7) * DAY;
  return zone.toInstant(day);
}
