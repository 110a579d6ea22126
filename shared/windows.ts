// Named KPI windows. Relative windows end at the start of the next minute after now (they include
// the current minute); calendar windows start at a local calendar boundary of the workspace zone.

export const RELATIVE_WINDOWS = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '28d': 28 * 86_400_000,
  '30d': 30 * 86_400_000,
  '90d': 90 * 86_400_000,
} as const;
export type RelativeWindow = keyof typeof RELATIVE_WINDOWS;

export const CALENDAR_WINDOWS = ['today', 'wtd', 'mtd', 'qtd', 'ytd'] as const;
export type CalendarWindow = (typeof CALENDAR_WINDOWS)[number];

export type WindowName = RelativeWindow | CalendarWindow;
export const WINDOW_NAMES: readonly WindowName[] = [
  ...(Object.keys(RELATIVE_WINDOWS) as RelativeWindow[]),
  ...CALENDAR_WINDOWS,
];

export function isWindowName(value: string): value is WindowName {
  return (WINDOW_NAMES as readonly string[]).includes(value);
}
