// The schedules most reports want, as cron lines read in the report's own time zone.
export const CRON_PRESETS = {
  daily: '0 8 * * *',
  weekly: '0 8 * * 1',
  monthly: '0 8 1 * *',
} as const;

export type CronPreset = keyof typeof CRON_PRESETS | 'custom';

/** Which preset a cron line is, or custom. */
export function presetOf(cron: string): CronPreset {
  const line = cron.trim().replace(/\s+/g, ' ');
  const found = (Object.keys(CRON_PRESETS) as (keyof typeof CRON_PRESETS)[]).find(
    (p) => CRON_PRESETS[p] === line,
  );
  return found ?? 'custom';
}
