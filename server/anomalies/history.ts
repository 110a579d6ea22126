import type { AnomalyHistory, AnomalyRow } from '../../shared/schemas/anomalies.js';
import type { KpiDefinition } from '../../shared/kpis.js';
import type { KpiSeries } from '../../shared/schemas/kpi.js';
import { floorTo, iso } from '../../shared/time.js';
import { fillHistory, type ForecastService, GRAINS } from '../forecast/service.js';
import type { KpiService } from '../kpi/service.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { bandAt, judge, type Judgement } from './band.js';
import type { DetectorSettings } from './detector.js';
import { runsOf } from './runs.js';

type Grain = 'hour' | 'day';

/** One refit period of a series: its buckets judged against the forecast fitted at its start. */
interface Segment {
  judged: Judgement[];
}

interface SeriesHistory {
  segments: Map<number, Segment>;
  job?: Promise<void>;
  usedAt: number;
}

/** Series whose computed history is kept (a quarter of hours is about 200 kB of judgements). */
const KEEP_SERIES = 200;

/**
 * What live detection would have flagged over a past span, judged as live does: the series is cut
 * at each refit (daily at hour grain, weekly at day grain), fitted on what came before the cut only
 * and judged until the next one. Computed in the background and kept; a commit into a span drops
 * the periods that read it.
 */
export class AnomalyHistoryService {
  private readonly series = new Map<string, SeriesHistory>();

  constructor(
    private readonly kpis: KpiService,
    private readonly forecasts: ForecastService,
    private readonly settings: DetectorSettings,
  ) {}

  /** Waits up to `waitMs` for the computation, then answers what is done. */
  async history(
    workspace: WorkspaceState,
    kpi: KpiDefinition,
    brand: string,
    grain: Grain,
    window: { fromMs: number; toMs: number },
    waitMs: number,
  ): Promise<AnomalyHistory> {
    const { refitMs, step } = GRAINS[grain];
    const key = `${workspace.key}/${kpi.id}/${brand}/${grain}`;
    let entry = this.series.get(key);
    if (!entry) {
      this.series.set(key, (entry = { segments: new Map(), usedAt: 0 }));
      this.trim();
    }
    entry.usedAt = Date.now();
    const cuts: number[] = [];
    for (let r = floorTo(window.fromMs, refitMs); r < window.toMs; r += refitMs) cuts.push(r);
    const missing = () => cuts.filter((r) => !entry.segments.has(r));
    if (missing().length && !entry.job) {
      const job = this.compute(workspace, kpi, brand, grain, missing(), entry).finally(() => {
        if (entry.job === job) entry.job = undefined;
      });
      entry.job = job;
    }
    if (entry.job) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([entry.job, new Promise((done) => (timer = setTimeout(done, waitMs)))]);
      clearTimeout(timer);
    }
    const judged = cuts.flatMap((r) => entry.segments.get(r)?.judged ?? []);
    const rows: AnomalyRow[] = runsOf(judged, this.settings.pending, step)
      .flatMap((run) => run.buckets)
      .filter((j) => j.bucketMs >= window.fromMs && j.bucketMs < window.toMs)
      .map((j) => ({
        brand,
        kpi: kpi.id,
        bucket: iso(j.bucketMs),
        value: j.value,
        expected: j.band.expected,
        lo: j.band.lo,
        hi: j.band.hi,
        score: j.score,
        direction: j.direction!,
      }));
    return { complete: missing().length === 0, rows };
  }

  private async compute(
    workspace: WorkspaceState,
    kpi: KpiDefinition,
    brand: string,
    grain: Grain,
    cuts: number[],
    entry: SeriesHistory,
  ): Promise<void> {
    const { historyMs, refitMs, periods, step } = GRAINS[grain];
    const answer: KpiSeries = await this.kpis.series(workspace, kpi.id, {
      grain,
      window: { fromMs: cuts[0]! - historyMs, toMs: cuts.at(-1)! + refitMs },
      brands: [brand],
    });
    const starts = answer.buckets.map((b) => Date.parse(b));
    const values = answer.series[0]!.values;
    for (const cut of cuts) {
      // A later commit into this span dropped the entry: what is computed now would be stale.
      if (this.series.get(`${workspace.key}/${kpi.id}/${brand}/${grain}`) !== entry) return;
      const first = starts.findIndex((s) => s >= cut);
      const end = starts.findIndex((s) => s >= cut + refitMs);
      const last = end === -1 ? starts.length : end;
      const judged: Judgement[] = [];
      const y =
        first <= 0 ? [] : fillHistory(values.slice(Math.max(0, first - historyMs / step), first), kpi.unit);
      if (first > 0 && last > first && y.length >= 2 * periods[0]) {
        const f = await this.forecasts.fitValues(y, grain, last - first);
        for (let i = first; i < last; i++) {
          const raw = values[i];
          const value = raw ?? (kpi.unit === 'count' ? 0 : undefined);
          if (value === undefined) continue;
          const h = i - first;
          const point = {
            mean: f.mean[h]!,
            lo80: f.lo80[h]!,
            hi80: f.hi80[h]!,
            lo95: f.lo95[h]!,
            hi95: f.hi95[h]!,
          };
          judged.push(
            judge(starts[i]!, value, bandAt({ bucket: '', ...point }, this.settings.level, kpi.unit)),
          );
        }
      }
      entry.segments.set(cut, { judged });
    }
  }

  /** Rows landed in [fromMs, toMs]: the periods that read them are computed again when asked. */
  changed(ws: number, fromMs: number, toMs: number): void {
    for (const [key, entry] of this.series) {
      if (!key.startsWith(`${ws}/`)) continue;
      const grain = key.split('/').at(-1) as Grain;
      const { historyMs, refitMs } = GRAINS[grain];
      const stale = [...entry.segments.keys()].filter((r) => fromMs < r + refitMs && toMs >= r - historyMs);
      if (stale.length === 0) continue;
      // The job under way reads the old rows: a fresh entry starts over.
      if (entry.job) this.series.delete(key);
      else for (const r of stale) entry.segments.delete(r);
    }
  }

  forget(ws: number): void {
    for (const key of this.series.keys()) if (key.startsWith(`${ws}/`)) this.series.delete(key);
  }

  private trim(): void {
    if (this.series.size <= KEEP_SERIES) return;
    const oldest = [...this.series.entries()].sort((a, b) => a[1].usedAt - b[1].usedAt)[0]!;
    this.series.delete(oldest[0]);
  }
}
