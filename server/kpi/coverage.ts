import type { KpiDefinition } from '../../shared/kpis.js';
import { formulaMetrics } from '../../shared/kpis.js';
import type { KpiCoverage } from '../../shared/schemas/kpi.js';
import { iso, type Window, type ZoneOffsets } from '../../shared/time.js';
import { coverWindow } from '../rollups/cover.js';
import type { RollupService } from '../rollups/service.js';

/**
 * The touchpoints and sources that sent any of a KPI's metrics over a window (any brand), so that a
 * filter offers what has data and says "no data" of the rest instead of answering with empty charts.
 * The DPI reads every metric of its touchpoints.
 */
export async function kpiCoverage(
  rollups: Pick<RollupService, 'seriesKeys' | 'totals'>,
  ws: number,
  zone: ZoneOffsets,
  kpi: KpiDefinition,
  window: Window,
): Promise<KpiCoverage> {
  const metrics = new Set(formulaMetrics(kpi.formula));
  const touchpoints = new Set<string>(kpi.touchpoints);
  const keys = [...rollups.seriesKeys(ws)].filter(
    ([, key]) => touchpoints.has(key.touchpoint) && (metrics.size === 0 || metrics.has(key.metric)),
  );
  const present = await rollups.totals(
    ws,
    keys.map(([id]) => id),
    coverWindow(window, zone),
  );
  const sources = new Map<string, { touchpoint: string; source: string }>();
  for (const [id, key] of keys) {
    if (present.has(id))
      sources.set(`${key.touchpoint}\u0000${key.source}`, { touchpoint: key.touchpoint, source: key.source });
  }
  const rows = [...sources.values()].sort(
    (a, b) => a.touchpoint.localeCompare(b.touchpoint) || a.source.localeCompare(b.source),
  );
  return {
    kpi: kpi.id,
    window: { from: iso(window.fromMs), to: iso(window.toMs) },
    touchpoints: [...new Set(rows.map((r) => r.touchpoint))],
    sources: rows,
  };
}
