import type { FastifyBaseLogger } from 'fastify';
import { AlertRule } from '../../shared/schemas/alert-rules.js';
import type {
  AlertRuleBrandState,
  AlertRuleCondition,
  AlertRuleInput,
  AlertRuleList,
  AlertRuleView,
} from '../../shared/schemas/alert-rules.js';
import type { Alert } from '../../shared/schemas/live-data.js';
import { iso } from '../../shared/time.js';
import type { Database, Sql } from '../db/database.js';
import { storedOrSkip } from '../db/stored.js';
import { faults } from '../errors.js';
import { type KpiService, ownBrand, requireBrands } from '../kpi/service.js';
import { resolveWindow } from '../kpi/windows.js';
import type { WorkspaceService, WorkspaceState } from '../workspaces/service.js';
import { conditionHolds, coolingUntil, decide, type RuleTiming, type RuleTrack } from './rule-decision.js';
import { ruleMessage } from './rule-messages.js';
import { q } from './rule-queries.js';
import type { AlertService } from './rules.js';

/** One brand of a rule: its track between evaluations and what the last one read. */
interface BrandRun {
  track: RuleTrack;
  value: number | null;
  previous: number | null;
  deltaPct: number | null;
  holds: boolean | null;
}

/** A rule as last stored, with its state; a new entry (a new state) for every change of the rule. */
interface Entry {
  rule: AlertRule;
  evaluatedAt?: number;
  error: string | null;
  brands: Map<string, BrandRun>;
}

const MINUTE = 60_000;
const timingOf = (rule: AlertRule): RuleTiming => ({
  pendingMs: rule.pendingMinutes * MINUTE,
  cooldownMs: rule.cooldownMinutes * MINUTE,
});

/** The definition without its id and date, its keys in one order: what "the same rule" means. */
function definitionOf(rule: Omit<AlertRule, 'id' | 'updatedAt'>): string {
  const c = rule.condition;
  const condition: AlertRuleCondition =
    c.type === 'change' ? { type: c.type, percent: c.percent } : { type: c.type, value: c.value };
  return JSON.stringify([
    rule.name,
    rule.kpi,
    rule.brands,
    condition,
    rule.window,
    rule.pendingMinutes,
    rule.cooldownMinutes,
    rule.severity,
  ]);
}

/**
 * The alert rules of every workspace: stored, evaluated on a timer against the KPIs (typed values,
 * no HTTP), raising and resolving `rule` alerts through the AlertService. What a rule last read is
 * held in memory; at start, each rule takes back the open alert and the cooldown of the alerts it
 * raised, so that a restart neither repeats an alert nor forgets one.
 */
export class AlertRuleService {
  private readonly entries = new Map<number, Map<string, Entry>>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly workspaces: WorkspaceService,
    private readonly kpis: KpiService,
    private readonly alerts: AlertService,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Loads the stored rules; call once the alerts of earlier runs are restored. */
  async init(): Promise<void> {
    const rows = await this.db.read((sql) =>
      sql.rows<{ ws: number; id: string; definition: string }>(q.allRules),
    );
    for (const row of rows) {
      const workspace = this.workspaces.byKey(row.ws);
      if (!workspace) continue;
      // Left out, the rule does not run; PUT stores it again, DELETE removes it.
      const rule = storedOrSkip(this.log, AlertRule, row.definition, {
        table: 'alert_rules',
        what: 'alert rule',
        workspace: workspace.id,
        id: row.id,
      });
      if (!rule) continue;
      const entry: Entry = { rule, error: null, brands: new Map() };
      this.adoptAlerts(workspace, entry);
      this.rulesOf(workspace.key).set(rule.id, entry);
    }
  }

  /** The open alert and the last raise of each brand, from the alerts this version of the rule raised. */
  private adoptAlerts(workspace: WorkspaceState, entry: Entry): void {
    const since = Date.parse(entry.rule.updatedAt);
    // Newest first: the first alert seen of a brand is its last raise.
    for (const alert of this.alerts.list(workspace.id)) {
      if (alert.kind !== 'rule' || alert.rule !== entry.rule.id || !alert.brand) continue;
      if (Date.parse(alert.at) < since || entry.brands.has(alert.brand)) continue;
      entry.brands.set(alert.brand, {
        track: {
          lastRaisedAt: Date.parse(alert.at),
          ...(alert.resolvedAt ? {} : { alertId: alert.id, holdingSince: Date.parse(alert.at) }),
        },
        value: null,
        previous: null,
        deltaPct: null,
        holds: null,
      });
    }
  }

  private rulesOf(ws: number): Map<string, Entry> {
    let map = this.entries.get(ws);
    if (!map) this.entries.set(ws, (map = new Map()));
    return map;
  }

  /** Creates or replaces a rule; a changed rule starts afresh (its open alerts resolved), and is evaluated at once. */
  async put(workspace: WorkspaceState, id: string, input: AlertRuleInput): Promise<AlertRuleView> {
    const kpi = this.kpis.referencedKpi(workspace, input.kpi);
    const brands = input.brands ?? 'own';
    if (Array.isArray(brands)) requireBrands(workspace, brands);
    const c = input.condition;
    if (c.type === 'change' && c.percent === 0) {
      throw faults.invalidQuery(
        'A change of 0 % would fire at every evaluation.',
        'Give a fall (e.g. "percent": -20) or a rise (e.g. "percent": 30).',
      );
    }
    const definition = {
      name: input.name ?? id,
      kpi: kpi.id,
      brands,
      condition:
        c.type === 'change' ? { type: c.type, percent: c.percent } : { type: c.type, value: c.value },
      window: input.window ?? '24h',
      pendingMinutes: input.pendingMinutes ?? 0,
      cooldownMinutes: input.cooldownMinutes ?? 60,
      severity: input.severity ?? 'warning',
    } satisfies Omit<AlertRule, 'id' | 'updatedAt'>;
    const existing = this.rulesOf(workspace.key).get(id);
    // The same rule sent again (a script applying its rules) keeps its state and its alerts.
    if (existing && definitionOf(existing.rule) === definitionOf(definition)) {
      return this.view(workspace, existing);
    }
    const nowMs = this.now();
    const rule: AlertRule = { id, ...definition, updatedAt: iso(nowMs) };
    await this.db.write((sql) =>
      sql.transaction(async () => {
        await sql.run(q.deleteRule, { ws: workspace.key, id });
        await sql.run(q.insertRule, { ws: workspace.key, id, definition: JSON.stringify(rule) });
      }),
    );
    if (existing) this.retire(workspace, existing, nowMs);
    const entry: Entry = { rule, error: null, brands: new Map() };
    this.rulesOf(workspace.key).set(id, entry);
    await this.evaluateSafely(workspace, entry, nowMs);
    return this.view(workspace, entry);
  }

  async delete(workspace: WorkspaceState, id: string): Promise<void> {
    const entry = this.rulesOf(workspace.key).get(id);
    // A stored rule too damaged to run (left out at start) is still there to delete.
    const stored = entry ?? (await this.db.read((sql) => sql.one(q.rule, { ws: workspace.key, id })));
    if (!stored) {
      throw faults.notFound(
        `Alert rule "${id}"`,
        `GET /api/v1/workspaces/${workspace.id}/alert-rules lists them.`,
      );
    }
    await this.db.write((sql) => sql.run(q.deleteRule, { ws: workspace.key, id }));
    this.rulesOf(workspace.key).delete(id);
    if (entry) this.retire(workspace, entry, this.now());
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    await sql.run(q.deleteRules, { ws });
    this.entries.delete(ws);
  }

  /** Every rule of the workspace with its state, by id. */
  list(workspace: WorkspaceState): AlertRuleList {
    const entries = [...this.rulesOf(workspace.key).values()].sort((a, b) =>
      a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0,
    );
    return { rows: entries.map((e) => this.view(workspace, e)) };
  }

  /**
   * Evaluates every rule of every workspace, one after the other (a run still under way when the
   * timer fires again is not doubled). A rule that cannot be evaluated is logged and skipped.
   */
  evaluateAll(nowMs = this.now()): Promise<void> {
    if (this.running) return this.running;
    const run = this.evaluateEach(nowMs).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async evaluateEach(nowMs: number): Promise<void> {
    for (const [ws, rules] of [...this.entries]) {
      const workspace = this.workspaces.byKey(ws);
      if (!workspace) continue;
      for (const entry of [...rules.values()]) await this.evaluateSafely(workspace, entry, nowMs);
    }
  }

  /** A rule that fails in a way `evaluate` does not foresee is logged; the others still run. */
  private async evaluateSafely(workspace: WorkspaceState, entry: Entry, nowMs: number): Promise<void> {
    try {
      await this.evaluate(workspace, entry, nowMs);
    } catch (err) {
      this.log.error({ err, workspace: workspace.id, rule: entry.rule.id }, 'an alert rule failed');
    }
  }

  /** Resolves once no evaluation is under way (the hub closes after it). */
  async idle(): Promise<void> {
    await this.running;
  }

  /** The rule changed or went: its open alerts are over. */
  private retire(workspace: WorkspaceState, entry: Entry, nowMs: number): void {
    for (const run of entry.brands.values())
      if (run.track.alertId) this.alerts.resolve(workspace.id, run.track.alertId, nowMs);
    entry.brands.clear();
  }

  private isCurrent(workspace: WorkspaceState, entry: Entry): boolean {
    return this.entries.get(workspace.key)?.get(entry.rule.id) === entry;
  }

  private async evaluate(workspace: WorkspaceState, entry: Entry, nowMs: number): Promise<void> {
    const { rule } = entry;
    let rows;
    let kpi;
    try {
      kpi = this.kpis.definition(workspace, rule.kpi);
      const { window, previous } = resolveWindow({ window: rule.window }, workspace.timezone, nowMs);
      rows = (await this.kpis.benchmark(workspace, rule.kpi, { window, previous })).rows;
    } catch (error) {
      if (!this.isCurrent(workspace, entry)) return;
      const message = error instanceof Error ? error.message : String(error);
      // Once per cause: a rule on a deleted KPI would otherwise log every minute.
      if (entry.error !== message) {
        this.log.warn(
          { err: error, workspace: workspace.id, rule: rule.id },
          'an alert rule could not be evaluated',
        );
      }
      entry.error = message;
      entry.evaluatedAt = nowMs;
      return;
    }
    // Changed or deleted meanwhile, or judged already at a later time: this reading is stale.
    if (!this.isCurrent(workspace, entry) || (entry.evaluatedAt ?? -Infinity) > nowMs) return;
    const wanted =
      rule.brands === 'own'
        ? [ownBrand(workspace)]
        : rule.brands === 'set'
          ? rows.map((r) => r.brand)
          : rule.brands;
    const missing = wanted.filter((b) => !rows.some((r) => r.brand === b));
    entry.error = missing.length
      ? `Brand(s) ${missing.map((b) => `"${b}"`).join(', ')} no longer in the set of workspace "${workspace.id}": not judged.`
      : null;
    entry.evaluatedAt = nowMs;
    for (const row of rows) {
      if (!wanted.includes(row.brand)) continue;
      const run = entry.brands.get(row.brand);
      const holds = conditionHolds(rule.condition, row);
      const { track, action } = decide(run?.track ?? {}, holds, nowMs, timingOf(rule));
      if (action === 'resolve') this.alerts.resolve(workspace.id, run!.track.alertId!, nowMs);
      if (action === 'raise') {
        const alert = this.alerts.raise(workspace.id, {
          kind: 'rule',
          severity: rule.severity,
          at: nowMs,
          subject: { rule: rule.id, brand: row.brand },
          message: ruleMessage({
            rule,
            kpi,
            brandName: row.name,
            value: row.value!,
            previous: row.previous,
            deltaPct: row.deltaPct,
          }),
          rule: rule.id,
          brand: row.brand,
          kpi: rule.kpi,
          value: row.value,
          direction: directionOf(rule.condition),
        });
        track.alertId = alert.id;
      }
      entry.brands.set(row.brand, {
        track,
        value: row.value,
        previous: row.previous,
        deltaPct: row.deltaPct,
        holds,
      });
    }
    // A brand that left the set (or the rule) has nothing left to alert about.
    for (const [brand, run] of entry.brands) {
      if (wanted.includes(brand) && rows.some((r) => r.brand === brand)) continue;
      if (run.track.alertId) this.alerts.resolve(workspace.id, run.track.alertId, nowMs);
      entry.brands.delete(brand);
    }
  }

  private view(workspace: WorkspaceState, entry: Entry): AlertRuleView {
    const nowMs = this.now();
    const timing = timingOf(entry.rule);
    const order = (brand: string) => {
      const i = workspace.brands.findIndex((b) => b.id === brand);
      return i < 0 ? Infinity : i;
    };
    const brands = [...entry.brands]
      .sort(([a], [b]) => order(a) - order(b))
      .map(([brand, run]): AlertRuleBrandState => {
        const cooling = coolingUntil(run.track, timing, nowMs);
        return {
          brand,
          value: run.value,
          previous: run.previous,
          deltaPct: run.deltaPct,
          holds: run.holds,
          holdingSince: run.track.holdingSince === undefined ? null : iso(run.track.holdingSince),
          firing: run.track.alertId !== undefined,
          alert: run.track.alertId ?? null,
          coolingUntil: cooling === undefined ? null : iso(cooling),
        };
      });
    return {
      ...entry.rule,
      state: {
        evaluatedAt: entry.evaluatedAt === undefined ? null : iso(entry.evaluatedAt),
        firing: brands.some((b) => b.firing),
        error: entry.error,
        brands,
      },
    };
  }
}

const directionOf = (c: AlertRuleCondition): NonNullable<Alert['direction']> =>
  c.type === 'above' || (c.type === 'change' && c.percent > 0) ? 'up' : 'down';
