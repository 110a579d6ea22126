import { instantOf } from '../../shared/time.js';
import { DomainError, errors, toApiError } from '../errors.js';
import { type ResolvedWindow, resolveWindow } from '../kpi/windows.js';

// Query strings are parsed here, once, into typed values: services never see the text.

/** Comma-separated list parameters; undefined when absent or empty. */
export function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

/** An instant from an ISO 8601 string that names its offset (or Z). */
export function parseInstant(value: string, name: string): number {
  const ms = instantOf(value);
  if (ms === undefined) {
    throw errors.invalidQuery(
      `"${name}" is not an ISO 8601 instant: "${value}".`,
      'Write it with an offset or Z, e.g. 2026-03-10T14:00:00Z.',
    );
  }
  return ms;
}

/** A half-open window [from, to) of two ISO 8601 instants. */
export function parseWindow(from: string, to: string): { fromMs: number; toMs: number } {
  const fromMs = parseInstant(from, 'from');
  const toMs = parseInstant(to, 'to');
  if (toMs <= fromMs) {
    throw errors.invalidQuery(`"to" (${to}) is not after "from" (${from}).`, 'The window is [from, to).');
  }
  return { fromMs, toMs };
}

const instant = (value: string | undefined, name: string) =>
  value === undefined ? undefined : parseInstant(value, name);

/** `window=` (with `at=`) or `from=&to=` of a query, resolved in a workspace's zone. */
export function queryWindow(
  query: { window?: string; from?: string; to?: string; at?: string },
  timezone: string,
  clockMs = Date.now(),
): ResolvedWindow {
  try {
    return resolveWindow(
      {
        window: query.window,
        fromMs: instant(query.from, 'from'),
        toMs: instant(query.to, 'to'),
        atMs: instant(query.at, 'at'),
      },
      timezone,
      clockMs,
    );
  } catch (error) {
    throw error instanceof DomainError ? toApiError(error) : error;
  }
}
