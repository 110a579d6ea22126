// What one recipient's report holds, computed and already cut to their scope: the renderers (HTML,
// text, charts, CSV, PDF) only lay it out, so no renderer can show a brand the scope left out.
import type { Report, ReportSection } from '../../shared/schemas/reports.js';
import type { BenchmarkRow, KpiSeries } from '../../shared/schemas/kpi.js';
import type { Window } from '../../shared/time.js';

export interface KpiHead {
  id: string;
  label: string;
  unit: string;
  direction: 'higher' | 'lower';
}

export interface SummaryRow {
  kpi: KpiHead;
  value: number | null;
  previous: number | null;
  delta: number | null;
  deltaPct: number | null;
  rank: number | null;
}

export interface BenchmarkTable {
  kpi: KpiHead;
  /** The rows of the brands in scope, ranked over the whole set. */
  rows: BenchmarkRow[];
  /** How many brands the ranks are out of (the whole set). */
  setSize: number;
  /** The set's leader by name when in scope; `hidden` when outside it; null without one. */
  leader: { name: string } | 'hidden' | null;
}

export interface ObjectiveLine {
  kpi: KpiHead;
  brand: string;
  target: number;
  direction: 'at_least' | 'at_most';
  current: number | null;
  status: string;
  periodEnd: string;
  probability: number | null;
  projected: number | null;
  lo80: number | null;
  hi80: number | null;
}

export interface AlertLine {
  at: string;
  severity: 'warning' | 'critical';
  message: string;
  /** Sources (and, for share KPIs, brands in scope) that moved it, with their part. */
  drivers: { what: string; share: number }[];
}

export interface ForecastLine {
  kpi: KpiHead;
  brand: string;
  days: number;
  /** The mean per day over the next period, with the mean of the 80 % bounds. */
  mean: number;
  lo80: number;
  hi80: number;
  /** For counts: the expected total over the period. */
  total: number | null;
}

export interface ChartData {
  kpi: KpiHead;
  series: KpiSeries;
}

export type SectionBody =
  | { section: 'summary'; brand: string; rows: SummaryRow[] }
  | { section: 'benchmark'; tables: BenchmarkTable[] }
  | { section: 'dpi'; table: BenchmarkTable }
  | { section: 'objectives'; rows: ObjectiveLine[] }
  | { section: 'alerts'; rows: AlertLine[] }
  | { section: 'forecast'; rows: ForecastLine[] }
  | { section: 'charts'; charts: ChartData[] };

/** A section the run could not fill: what went wrong, in words for the report's owner. */
export interface SectionProblem {
  section: ReportSection;
  kind: 'error' | 'empty';
  message: string;
}

export interface ReportDocument {
  report: Report;
  workspace: { id: string; name: string; timezone: string };
  window: Window;
  previous: Window;
  /** When the data was read: the "data as of" stamp. */
  asOfMs: number;
  sections: SectionBody[];
  /** Sections left out because the recipient's scope does not cover them (not a failure). */
  outOfScope: ReportSection[];
  problems: SectionProblem[];
}
