import { errors } from '../errors.js';

/** Comma-separated list parameters; undefined when absent or empty. */
export function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** An instant from an ISO 8601 string that names its offset (or Z). */
export function parseInstant(value: string, name: string): number {
  const ms = ISO_WITH_ZONE.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
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
