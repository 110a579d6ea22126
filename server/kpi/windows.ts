import {
  CALENDAR_WINDOWS,
  type CalendarWindow,
  isWindowName,
  RELATIVE_WINDOWS,
  type RelativeWindow,
  WINDOW_NAMES,
} from '../../shared/windows.js';
import { faults } from '../errors.js';
import {
  DAY,
  floorTo,
  iso,
  MINUTE,
  nextMinute,
  type Window,
  type ZoneOffsets,
  zoneOf,
} from '../../shared/time.js';

export interface ResolvedWindow {
  window: Window;
  /** Relative and explicit: the same length just before. Calendar: the same elapsed span of the previous period. */
  previous: Window;
  name?: string;
}

/** A window as a caller names it: a window name, or explicit bounds (epoch ms). */
export interface WindowSpec {
  window?: string;
  fromMs?: number;
  toMs?: number;
  /** The "now" of relative and calendar windows; the clock by default. */
  atMs?: number;
}

/** Resolves `window=` or `from=&to=` for a workspace zone; every bound is on a whole minute. */
export function resolveWindow(spec: WindowSpec, timezone: string, clockMs = Date.now()): ResolvedWindow {
  if (spec.window !== undefined && (spec.fromMs !== undefined || spec.toMs !== undefined)) {
    throw faults.invalidQuery(
      'Both "window" and "from"/"to" were given.',
      'Name a window (e.g. window=7d) or give an explicit range (from=…&to=…), not both.',
    );
  }
  if (spec.window === undefined) {
    if (spec.fromMs === undefined || spec.toMs === undefined) {
      throw faults.invalidQuery(
        'No window: give "window", or both "from" and "to".',
        `Windows: ${WINDOW_NAMES.join(', ')}; or from=2026-03-01T00:00:00Z&to=2026-03-08T00:00:00Z.`,
      );
    }
    const fromMs = floorTo(spec.fromMs, MINUTE);
    const toMs = floorTo(spec.toMs, MINUTE);
    if (toMs <= fromMs) {
      throw faults.invalidQuery(
        `"to" (${iso(spec.toMs)}) is not after "from" (${iso(spec.fromMs)}) once both are floored to the minute.`,
        'The window is [from, to), at least one minute long.',
      );
    }
    return { window: { fromMs, toMs }, previous: { fromMs: 2 * fromMs - toMs, toMs: fromMs } };
  }
  if (!isWindowName(spec.window)) {
    throw faults.invalidQuery(`Unknown window "${spec.window}".`, `Use one of: ${WINDOW_NAMES.join(', ')}.`);
  }
  const nowMs = spec.atMs ?? clockMs;
  const endMs = nextMinute(nowMs);
  if ((CALENDAR_WINDOWS as readonly string[]).includes(spec.window)) {
    return {
      name: spec.window,
      ...calendarWindow(spec.window as CalendarWindow, endMs, zoneOf(timezone)),
    };
  }
  const length = RELATIVE_WINDOWS[spec.window as RelativeWindow];
  return {
    name: spec.window,
    window: { fromMs: endMs - length, toMs: endMs },
    previous: { fromMs: endMs - 2 * length, toMs: endMs - length },
  };
}

/**
 * A calendar window and its previous period, in wall-clock (local) terms: the previous period
 * starts at the previous calendar boundary and runs for the same local elapsed time (so `today`
 * compares with yesterday up to the same time, across a DST change), never past its own end.
 */
function calendarWindow(
  name: CalendarWindow,
  endMs: number,
  zone: ZoneOffsets,
): { window: Window; previous: Window } {
  const localEnd = zone.toLocal(endMs);
  // The period holding the last included minute.
  const last = new Date(localEnd - MINUTE);
  const y = last.getUTCFullYear();
  const m = last.getUTCMonth();
  const d = last.getUTCDate();
  let start: number;
  let previousStart: number;
  switch (name) {
    case 'today':
      start = Date.UTC(y, m, d);
      previousStart = start - DAY;
      break;
    case 'wtd': {
      const sinceMonday = (last.getUTCDay() + 6) % 7;
      start = Date.UTC(y, m, d - sinceMonday);
      previousStart = Date.UTC(y, m, d - sinceMonday - 7);
      break;
    }
    case 'mtd':
      start = Date.UTC(y, m, 1);
      previousStart = Date.UTC(y, m - 1, 1);
      break;
    case 'qtd': {
      const q = m - (m % 3);
      start = Date.UTC(y, q, 1);
      previousStart = Date.UTC(y, q - 3, 1);
      break;
    }
    case 'ytd':
      start = Date.UTC(y, 0, 1);
      previousStart = Date.UTC(y - 1, 0, 1);
      break;
  }
  const previousLocalEnd = Math.min(previousStart + (localEnd - start), start);
  return {
    window: { fromMs: zone.toInstant(start), toMs: endMs },
    previous: { fromMs: zone.toInstant(previousStart), toMs: zone.toInstant(previousLocalEnd) },
  };
}
