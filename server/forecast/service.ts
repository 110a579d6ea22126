import type { ForecastQuery, KpiForecast } from '../../shared/schemas/forecast.js';
import { DAY, floorTo, HOUR, iso } from '../../shared/time.js';
import { DomainError } from '../errors.js';
import { type KpiService, ownBrand, requireBrands } from '../kpi/service.js';
import type { WorkspaceState } from '../workspaces/service.js';
import type { ForecastPool } from './pool.js';

/** What each grain fits on and looks for: four weeks of hours, two years of days. */
const GRAINS = {
  hour: { historyMs: 28 * DAY, periods: [24, 168], horizon: 24, step: HOUR },
  day: { historyMs: 730 * DAY, periods: [7, 365], horizon: 14, step: DAY },
} as const;

/** Forecasts of a KPI of a brand from its own history, fitted on the pool's threads. */
export class ForecastService {
  constructor(
    private readonly kpis: KpiService,
    private readonly pool: ForecastPool,
    private readonly now: () => number = Date.now,
  ) {}

  async forecast(workspace: WorkspaceState, kpiId: string, query: ForecastQuery): Promise<KpiForecast> {
    const grain = GRAINS[query.grain];
    const horizon = query.horizon ?? grain.horizon;
    const brand = query.brand ?? ownBrand(workspace);
    requireBrands(workspace, [brand]);
    const kpi = this.kpis.definition(workspace, kpiId);
    // The bucket under way is not history yet: the series runs to its start, then `horizon` on
    // (the KPI series names the buckets ahead in the workspace's zone, DST included).
    const nowMs = this.now();
    const toMs = floorTo(nowMs, grain.step) + (horizon + 2) * grain.step;
    const answer = await this.kpis.series(workspace, kpi.id, {
      grain: query.grain,
      window: { fromMs: nowMs - grain.historyMs, toMs },
      brands: [brand],
    });
    const starts = answer.buckets.map((b) => Date.parse(b));
    const current = starts.findLastIndex((s) => s <= nowMs);
    const values = answer.series[0]!.values.slice(0, current);
    const first = values.findIndex((v) => v !== null);
    const needed = 2 * grain.periods[0];
    const history = first === -1 ? [] : values.slice(first);
    if (history.length < needed) {
      throw new DomainError(
        'unprocessable',
        'not_enough_history',
        `${query.grain === 'hour' ? 'An hourly' : 'A daily'} forecast of ${kpi.id} for ${brand} needs at least ${needed} ${query.grain}s of data; there ${history.length === 1 ? 'is' : 'are'} ${history.length}.`,
        query.grain === 'hour'
          ? 'Send more history: the ingest API takes past events.'
          : 'Send more history (the ingest API takes past events), or ask for grain=hour, which needs two days.',
      );
    }
    // A bucket without data: nothing happened for a count, the last value holds for a level.
    let last = 0;
    const y = history.map((v) => {
      if (v !== null) last = v;
      return v ?? (kpi.unit === 'count' ? 0 : last);
    });
    const f = await this.pool.forecast(y, { periods: [...grain.periods], horizon });
    const ahead = starts.slice(current, current + horizon);
    return {
      kpi: kpi.id,
      brand,
      grain: query.grain,
      model: f.model,
      fittedAt: iso(nowMs),
      history: y.length,
      backtest: f.backtest,
      points: ahead.map((start, h) => ({
        bucket: iso(start),
        mean: f.mean[h]!,
        lo80: Math.min(f.lo80[h]!, f.mean[h]!),
        hi80: Math.max(f.hi80[h]!, f.mean[h]!),
        lo95: Math.min(f.lo95[h]!, f.lo80[h]!, f.mean[h]!),
        hi95: Math.max(f.hi95[h]!, f.hi80[h]!, f.mean[h]!),
      })),
    };
  }
}
