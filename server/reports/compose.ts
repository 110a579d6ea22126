// The figures of a report, read from the same KPI, benchmark, forecast, objective and alert
// services the API answers from (so a mail's numbers are the API's for that window), over the
// whole competitive set; the cut to each recipient's scope comes after (see scope.ts).
import type { KpiDefinition } from '../../shared/kpis.js';
import type { Alert } from '../../shared/schemas/live-data.js';
import type { Benchmark, KpiSeries } from '../../shared/schemas/kpi.js';
import type { KpiForecast } from '../../shared/schemas/forecast.js';
import type { Report, ReportSection } from '../../shared/schemas/reports.js';
import { DAY, type Window } from '../../shared/time.js';
import type { AlertService } from '../alerts/rules.js';
import type { ForecastService } from '../forecast/service.js';
import type { KpiService } from '../kpi/service.js';
import type { Evaluated, ObjectiveService } from '../objectives/service.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { reportWindow } from './windows.js';

export interface ComposeServices {
  kpis: KpiService;
  forecasts: Pick<ForecastService, 'forecast'>;
  objectives: Pick<ObjectiveService, 'evaluate'>;
  alerts: Pick<AlertService, 'list'>;
}

/** A section's figures, or why they could not be read. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string };

/** What a report reads for one set of touchpoints (recipients limited to some see those). */
export interface Figures {
  window: Window;
  previous: Window;
  asOfMs: number;
  /** The report's KPIs read on these touchpoints (a KPI read on none of them is left out). */
  kpis: KpiDefinition[];
  touchpoints: readonly string[] | undefined;
  benchmarks: Map<string, Outcome<Benchmark>>;
  dpi?: { kpi: KpiDefinition; benchmark: Outcome<Benchmark> };
  objectives?: Outcome<Evaluated[]>;
  alerts?: Alert[];
  forecasts: Map<string, Outcome<KpiForecast>>;
  series: Map<string, Outcome<KpiSeries>>;
  /** Whether any KPI of the report has a value in the window: an empty section is then a fault. */
  hasData: boolean;
}

const ALERT_KINDS = new Set(['anomaly', 'rule', 'objective_at_risk']);

async function outcome<T>(read: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

const has = (report: Report, section: ReportSection) => report.content.sections.includes(section);

/** The chart grain of a window: hours over a week, days beyond. */
const chartGrain = (report: Report) => (report.content.window === 'last_7d' ? 'hour' : 'day');

export async function readFigures(
  services: ComposeServices,
  workspace: WorkspaceState,
  report: Report,
  anchorMs: number,
  touchpoints: readonly string[] | undefined,
  nowMs: number,
): Promise<Figures> {
  const { kpis } = services;
  const { window, previous } = reportWindow(report.content.window, anchorMs, report.timezone);
  const asOfMs = nowMs;
  // A recipient limited to some touchpoints sees the KPIs read on them, computed on those alone.
  const defined = report.content.kpis.map((id) => kpis.definition(workspace, id));
  const chosen = touchpoints
    ? defined.filter((k) => k.touchpoints.some((t) => touchpoints.includes(t)))
    : defined;
  const on = (kpi: KpiDefinition) =>
    touchpoints ? { touchpoints: kpi.touchpoints.filter((t) => touchpoints.includes(t)) } : {};

  const benchmarks = new Map<string, Outcome<Benchmark>>();
  const forecasts = new Map<string, Outcome<KpiForecast>>();
  const series = new Map<string, Outcome<KpiSeries>>();
  const days = Math.max(1, Math.round((window.toMs - window.fromMs) / DAY));
  for (const kpi of chosen) {
    benchmarks.set(
      kpi.id,
      await outcome(() => kpis.benchmark(workspace, kpi.id, { window, previous, ...on(kpi) })),
    );
    if (has(report, 'charts')) {
      series.set(
        kpi.id,
        await outcome(() =>
          kpis.series(workspace, kpi.id, { grain: chartGrain(report), window, ...on(kpi) }),
        ),
      );
    }
    // A forecast reads every touchpoint of its KPI: shown only to those who see them all.
    if (has(report, 'forecast') && (!touchpoints || on(kpi).touchpoints?.length === kpi.touchpoints.length)) {
      forecasts.set(
        kpi.id,
        await outcome(() =>
          services.forecasts.forecast(workspace, kpi.id, { grain: 'day', horizon: Math.min(days, 168) }),
        ),
      );
    }
  }
  const figures: Figures = {
    window,
    previous,
    asOfMs,
    kpis: chosen,
    touchpoints,
    benchmarks,
    forecasts,
    series,
    hasData: [...benchmarks.values()].some((b) => b.ok && b.value.rows.some((r) => r.value !== null)),
  };
  // The DPI weighs every touchpoint together: it is for recipients who see them all.
  if (has(report, 'dpi') && !touchpoints) {
    figures.dpi = {
      kpi: kpis.definition(workspace, 'dpi'),
      benchmark: await outcome(() => kpis.benchmark(workspace, 'dpi', { window, previous })),
    };
  }
  if (has(report, 'objectives')) {
    figures.objectives = await outcome(() => services.objectives.evaluate(workspace, anchorMs));
  }
  if (has(report, 'alerts')) {
    figures.alerts = services.alerts
      .list(workspace.id)
      .filter((a) => ALERT_KINDS.has(a.kind))
      .filter((a) => {
        const at = Date.parse(a.bucket ?? a.at);
        return at >= window.fromMs && at < window.toMs;
      });
  }
  return figures;
}
