// Three weeks of hourly data for the three demo brands (mentions, engagements, visits, views,
// shares), ending at the hour before now: enough for every report section, daily forecasts included.
const HOUR = 3_600_000;

export const REPORT_KPIS = ['mentions', 'share_of_voice', 'visits', 'engagements', 'views', 'shares'];

export function reportHistory(days = 21, endMs = Date.now()): object[] {
  const rows: object[] = [];
  const end = Math.floor(endMs / HOUR) * HOUR;
  const scale: Record<string, number> = { acme: 1, globex: 0.7, initech: 0.45 };
  // Weekly growth per brand, so that the period differs from the one before it.
  const growth: Record<string, number> = { acme: 0.08, globex: -0.05, initech: 0.12 };
  for (let t = end - days * 24 * HOUR; t < end; t += HOUR) {
    const hour = new Date(t).getUTCHours();
    const daily = 1 + 0.6 * Math.sin(((hour - 6) / 24) * 2 * Math.PI);
    for (const [brand, k] of Object.entries(scale)) {
      const ts = new Date(t).toISOString();
      const trend = 1 + (growth[brand]! * (t - end)) / (7 * 24 * HOUR);
      const v = (base: number) => Math.round(base * k * trend * daily * (0.9 + ((t / HOUR) % 7) / 30));
      rows.push(
        { ts, brand, touchpoint: 'social', source: 'x', metric: 'mentions', value: v(40) },
        { ts, brand, touchpoint: 'social', source: 'x', metric: 'engagements', value: v(300) },
        { ts, brand, touchpoint: 'site', source: 'web', metric: 'visits', value: v(900) },
        { ts, brand, touchpoint: 'viral', source: 'youtube', metric: 'views', value: v(5000) },
        { ts, brand, touchpoint: 'viral', source: 'youtube', metric: 'shares', value: v(60) },
      );
    }
  }
  return rows;
}
