// One recipient's report: the whole set's figures cut to the brands they may see. Values, ranks
// and the leader's gap stay as computed over the whole set (as the API computes them); the rows of
// other brands are left out and their names are not carried on, so no renderer can print them.
import type { KpiDefinition } from '../../shared/kpis.js';
import type { BenchmarkRow, Benchmark } from '../../shared/schemas/kpi.js';
import type { Recipient, Report, ReportSection } from '../../shared/schemas/reports.js';
import type { WorkspaceState } from '../workspaces/service.js';
import type { Figures, Outcome } from './compose.js';
import type {
  AlertLine,
  BenchmarkTable,
  KpiHead,
  ReportDocument,
  SectionBody,
  SectionProblem,
} from './document.js';
import { words } from './words.js';

export function documentFor(
  workspace: WorkspaceState,
  report: Report,
  figures: Figures,
  recipient: Recipient,
): ReportDocument {
  const say = words(report.language);
  const allowed = recipient.scope?.brands?.length ? new Set(recipient.scope.brands) : undefined;
  const sees = (brand: string) => !allowed || allowed.has(brand);
  const nameOf = new Map(workspace.brands.map((b) => [b.id, b.name]));
  const own = workspace.brands.find((b) => b.own)!;
  const head = (kpi: KpiDefinition): KpiHead => ({
    id: kpi.id,
    label: kpi.label[report.language],
    unit: kpi.unit,
    direction: kpi.direction,
  });
  const sections: SectionBody[] = [];
  const outOfScope: ReportSection[] = [];
  const problems: SectionProblem[] = [];
  const fault = (section: ReportSection, message: string) =>
    problems.push({ section, kind: 'error', message });
  const empty = (section: ReportSection, message: string) => {
    if (figures.hasData) problems.push({ section, kind: 'empty', message });
  };

  const table = (kpi: KpiDefinition, benchmark: Benchmark): BenchmarkTable => {
    const leader = benchmark.set.leader;
    return {
      kpi: head(kpi),
      rows: benchmark.rows.filter((r) => sees(r.brand)),
      setSize: benchmark.rows.length,
      leader: leader === null ? null : sees(leader) ? { name: nameOf.get(leader) ?? leader } : 'hidden',
    };
  };
  const read = <T>(section: ReportSection, kpi: KpiDefinition, o: Outcome<T> | undefined): T | undefined => {
    if (!o) return undefined;
    if (o.ok) return o.value;
    fault(section, say.sectionFailed(kpi.label[report.language], o.message));
    return undefined;
  };

  for (const section of report.content.sections) {
    if (section === 'summary') {
      if (!sees(own.id)) {
        outOfScope.push(section);
        continue;
      }
      const rows = figures.kpis.flatMap((kpi) => {
        const b = read(section, kpi, figures.benchmarks.get(kpi.id));
        const row = b?.rows.find((r) => r.brand === own.id);
        return row ? [{ kpi: head(kpi), ...pick(row) }] : [];
      });
      if (rows.length > 0 && rows.every((r) => r.value === null)) empty(section, say.emptySummary);
      sections.push({ section, brand: own.name, rows });
    } else if (section === 'benchmark') {
      const tables = figures.kpis.flatMap((kpi) => {
        const b = read(section, kpi, figures.benchmarks.get(kpi.id));
        return b ? [table(kpi, b)] : [];
      });
      if (tables.length > 0 && tables.every((t) => t.rows.every((r) => r.value === null))) {
        empty(section, say.emptyBenchmark);
      }
      sections.push({ section, tables });
    } else if (section === 'dpi') {
      if (!figures.dpi) {
        outOfScope.push(section);
        continue;
      }
      const { kpi, benchmark } = figures.dpi;
      if (!benchmark.ok) {
        fault(section, say.sectionFailed(kpi.label[report.language], benchmark.message));
        continue;
      }
      const dpi = table(kpi, benchmark.value);
      if (dpi.rows.every((r) => r.value === null)) empty(section, say.emptyDpi);
      sections.push({ section, table: dpi });
    } else if (section === 'objectives') {
      const o = figures.objectives;
      if (!o) continue;
      if (!o.ok) {
        fault(section, say.sectionFailed(say.sections.objectives, o.message));
        continue;
      }
      const rows = o.value
        .filter((e) => sees(e.row.brand))
        .filter(
          (e) => !figures.touchpoints || e.kpi.touchpoints.every((t) => figures.touchpoints!.includes(t)),
        )
        .map((e) => ({
          kpi: head(e.kpi),
          brand: nameOf.get(e.row.brand) ?? e.row.brand,
          target: e.row.target,
          direction: e.row.direction,
          current: e.row.current,
          status: e.row.status,
          // The objective's last day (its period ends at an exclusive midnight).
          periodEnd: new Date(e.period.toMs - 1).toISOString(),
          probability: e.row.projection?.probability ?? null,
          projected: e.row.projection?.projected ?? null,
          lo80: e.row.projection?.lo80 ?? null,
          hi80: e.row.projection?.hi80 ?? null,
        }));
      if (rows.length === 0) empty(section, say.emptyObjectives);
      sections.push({ section, rows });
    } else if (section === 'alerts') {
      const kpiIds = new Set(figures.kpis.map((k) => k.id));
      const rows: AlertLine[] = (figures.alerts ?? [])
        .filter((a) => (a.brand ? sees(a.brand) : !allowed))
        .filter((a) => !figures.touchpoints || !a.kpi || kpiIds.has(a.kpi))
        .map((a) => ({
          at: a.bucket ?? a.at,
          severity: a.severity,
          message: a.message[report.language],
          drivers: (a.drivers ?? [])
            .filter((d) => !figures.touchpoints || figures.touchpoints.includes(d.touchpoint))
            .map((d) => ({
              what: d.brand ? (sees(d.brand) ? (nameOf.get(d.brand) ?? d.brand) : say.another) : d.source,
              share: d.share,
            })),
        }));
      sections.push({ section, rows });
    } else if (section === 'forecast') {
      if (!sees(own.id) || figures.forecasts.size === 0) {
        outOfScope.push(section);
        continue;
      }
      const rows = figures.kpis.flatMap((kpi) => {
        const f = read(section, kpi, figures.forecasts.get(kpi.id));
        const points = f?.points ?? [];
        if (points.length === 0) return [];
        const mean = (pick: (p: (typeof points)[number]) => number) =>
          points.reduce((s, p) => s + pick(p), 0) / points.length;
        return [
          {
            kpi: head(kpi),
            brand: own.name,
            days: points.length,
            mean: mean((p) => p.mean),
            lo80: mean((p) => p.lo80),
            hi80: mean((p) => p.hi80),
            total: kpi.unit === 'count' ? points.reduce((s, p) => s + p.mean, 0) : null,
          },
        ];
      });
      if (rows.length === 0 && !problems.some((p) => p.section === section))
        empty(section, say.emptyForecast);
      sections.push({ section, rows });
    } else {
      const charts = figures.kpis.flatMap((kpi) => {
        const s = read(section, kpi, figures.series.get(kpi.id));
        if (!s) return [];
        return [{ kpi: head(kpi), series: { ...s, series: s.series.filter((line) => sees(line.brand)) } }];
      });
      if (
        charts.length > 0 &&
        charts.every((c) => c.series.series.every((l) => l.values.every((v) => v === null)))
      ) {
        empty(section, say.emptyCharts);
      }
      sections.push({ section, charts });
    }
  }
  // A mail of dashes would read as "all quiet" when a source may have stopped: it is flagged too.
  if (!figures.hasData && figures.kpis.length > 0) {
    problems.push({ section: report.content.sections[0]!, kind: 'empty', message: say.noDataAtAll });
  }
  return {
    report,
    workspace: { id: workspace.id, name: workspace.name, timezone: report.timezone },
    window: figures.window,
    previous: figures.previous,
    asOfMs: figures.asOfMs,
    sections,
    outOfScope,
    problems,
  };
}

function pick(row: BenchmarkRow) {
  return {
    value: row.value,
    previous: row.previous,
    delta: row.delta,
    deltaPct: row.deltaPct,
    rank: row.rank,
  };
}

/**
 * The names of the brands a recipient may not see, for the last check before a message leaves:
 * one found in it fails that recipient's send rather than leak it.
 */
export function hiddenNames(workspace: WorkspaceState, recipient: Recipient): string[] {
  const allowed = recipient.scope?.brands;
  if (!allowed?.length) return [];
  return [...workspace.brands, ...workspace.droppedBrands]
    .filter((b) => !allowed.includes(b.id))
    .map((b) => b.name);
}
