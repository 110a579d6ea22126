import type { FastifyBaseLogger } from 'fastify';
import { formatDate, formatPercent, formatValue } from '../../shared/format.js';
import type { KpiDefinition } from '../../shared/kpis.js';
import type { Alert } from '../../shared/schemas/live.js';
import type { ObjectiveProgress } from '../../shared/schemas/objectives.js';
import { iso, type Window } from '../../shared/time.js';
import type { AlertService } from '../alerts/rules.js';
import type { WorkspaceService, WorkspaceState } from '../workspaces/service.js';
import type { Evaluated, ObjectiveService } from './service.js';
import { frenchTypography } from '../../shared/typography.js';

// "Objective at risk": raised once when an objective's chance falls below its threshold, updated
// while it stays below (its chance moves), resolved when the chance comes back. The open alerts
// are the state: a restart, which restores them, neither repeats nor forgets one.

type Alerts = Pick<AlertService, 'raise' | 'update' | 'resolve' | 'filter'>;
export type RiskStep = 'raise' | 'update' | 'resolve' | 'keep';

/** Critical below half the threshold. */
export const severityOf = (row: Pick<ObjectiveProgress, 'projection' | 'riskThreshold'>) =>
  (row.projection?.probability ?? 1) < row.riskThreshold / 2 ? 'critical' : 'warning';

const percent = (p: number | undefined) => (p === undefined ? undefined : Math.round(100 * p));

/**
 * What an objective's open alert (of its current period) becomes. A period that is over raises
 * nothing (it is missed, not at risk) and resolves its alert only if the objective was met.
 */
export function riskStep(row: ObjectiveProgress, open: Alert | undefined): RiskStep {
  const p = row.projection;
  if (!p) return 'keep';
  const below = p.probability < row.riskThreshold;
  if (p.reason === 'ended') return open && !below ? 'resolve' : 'keep';
  if (!below) return open ? 'resolve' : 'keep';
  if (!open) return 'raise';
  const moved = percent(open.probability) !== percent(p.probability) || open.severity !== severityOf(row);
  return moved ? 'update' : 'keep';
}

/**
 * "The Mentions objective for Acme is at risk: 32% chance to reach 12,000 by Dec 31, 2026." It
 * says what the objective is about, not its id (a slug the reader never typed); the date tells two
 * objectives of one KPI and brand apart.
 */
export function riskMessage(
  row: ObjectiveProgress,
  kpi: KpiDefinition,
  workspace: Pick<WorkspaceState, 'brands' | 'timezone'>,
  period: Window,
): Alert['message'] {
  const brand = workspace.brands.find((b) => b.id === row.brand)?.name ?? row.brand;
  const p = row.projection?.probability ?? 0;
  const words = (locale: 'en' | 'fr') => ({
    chance: formatPercent(p, locale),
    target: formatValue(row.target, kpi.unit, locale),
    // The last day of the period (its end is exclusive).
    by: formatDate(period.toMs - 1, locale, 'date', workspace.timezone),
  });
  const en = words('en');
  const fr = words('fr');
  const atLeast = row.direction === 'at_least';
  return {
    en: `The ${kpi.label.en} objective for ${brand} is at risk: ${en.chance} chance to ${atLeast ? 'reach' : 'stay at or below'} ${en.target} by ${en.by}.`,
    fr: frenchTypography(
      `L’objectif « ${kpi.label.fr} » pour ${brand} est menacé : ${fr.chance} de chances ${atLeast ? 'd’atteindre' : 'de rester sous'} ${fr.target} d’ici le ${fr.by}.`,
    ),
  };
}

/** Which period an alert is about: a calendar objective's next month starts afresh. */
const periodKey = (period: Window) => `${iso(period.fromMs)}/${iso(period.toMs)}`;

export class ObjectiveRisk {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  /** `workspace/objective` deleted while a check of its workspace was under way. */
  private readonly deletedDuring = new Set<string>();

  constructor(
    private readonly alerts: Alerts,
    private readonly objectives: Pick<ObjectiveService, 'evaluate'>,
    private readonly workspaces: Pick<WorkspaceService, 'list' | 'get'>,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks every workspace; asked during a check, runs once more after it (never two at once). */
  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        for (const { id } of this.workspaces.list()) {
          const workspace = this.workspaces.get(id);
          if (this.closed || !workspace) continue;
          try {
            await this.checkWorkspace(workspace);
          } catch (err) {
            this.log.error({ err, workspace: id }, 'objectives not checked for risk');
          }
        }
      } while (this.again && !this.closed);
    })().finally(() => (this.running = null));
    return this.running;
  }

  async checkWorkspace(workspace: WorkspaceState): Promise<void> {
    const nowMs = this.now();
    for (const key of this.deletedDuring)
      if (key.startsWith(`${workspace.id}/`)) this.deletedDuring.delete(key);
    const evaluated = await this.objectives.evaluate(workspace, nowMs);
    const listed = new Set(evaluated.map((e) => e.row.id));
    // One deleted since it was read must not raise again what its deletion resolved.
    for (const e of evaluated)
      if (!this.deletedDuring.has(`${workspace.id}/${e.row.id}`)) this.apply(workspace, e, nowMs);
    // Deleted, or no longer listed (its KPI or brand is gone): nothing is at risk any more.
    for (const alert of this.open(workspace.id))
      if (!listed.has(alert.objective ?? '')) this.alerts.resolve(workspace.id, alert.id, nowMs);
  }

  /** A deleted objective: its alert is over. */
  deleted(workspace: string, objective: string): void {
    const nowMs = this.now();
    if (this.running) this.deletedDuring.add(`${workspace}/${objective}`);
    for (const alert of this.open(workspace, objective)) this.alerts.resolve(workspace, alert.id, nowMs);
  }

  /** No check starts after this; the one under way is waited for. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private apply(workspace: WorkspaceState, { row, kpi, period }: Evaluated, nowMs: number): void {
    const key = periodKey(period);
    let open: Alert | undefined;
    // Newest first: any older duplicate, or one of an earlier period, is over.
    for (const alert of this.open(workspace.id, row.id)) {
      if (!open && alert.subject.period === key) open = alert;
      else this.alerts.resolve(workspace.id, alert.id, nowMs);
    }
    const step = riskStep(row, open);
    if (step === 'keep') return;
    if (step === 'resolve') {
      this.alerts.resolve(workspace.id, open!.id, nowMs);
      return;
    }
    const about = {
      severity: severityOf(row),
      message: riskMessage(row, kpi, workspace, period),
      probability: row.projection!.probability,
    } as const;
    if (step === 'update') this.alerts.update(workspace.id, open!.id, about);
    else
      this.alerts.raise(workspace.id, {
        kind: 'objective_at_risk',
        at: nowMs,
        subject: { objective: row.id, period: key },
        objective: row.id,
        kpi: row.kpi,
        brand: row.brand,
        ...about,
      });
  }

  private open(workspace: string, objective?: string): Alert[] {
    return this.alerts
      .filter(workspace, { kinds: ['objective_at_risk'] })
      .filter((a) => !a.resolvedAt && (objective === undefined || a.objective === objective));
  }
}
