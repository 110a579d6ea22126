import type { FastifyBaseLogger } from 'fastify';
import { accumulates, type KpiDefinition } from '../../shared/kpis.js';
import type { KpiForecast } from '../../shared/schemas/forecast.js';
import { DEFAULT_RISK_THRESHOLD, StoredObjective } from '../../shared/schemas/objectives.js';
import type {
  Objective,
  ObjectiveInput,
  ObjectiveList,
  ObjectiveProgress,
  ObjectiveProjection,
} from '../../shared/schemas/objectives.js';
import { DAY, floorTo, HOUR, instantOf, type Window, zoneOf } from '../../shared/time.js';
import type { Database, Sql } from '../db/database.js';
import { storedOrSkip } from '../db/stored.js';
import { DomainError, faults } from '../errors.js';
import { type ForecastService, MAX_HORIZON } from '../forecast/service.js';
import { type KpiService, ownBrand, requireBrands } from '../kpi/service.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { baselineWindow, elapsedWindow, objectivePeriod, progress } from './progress.js';
import { projectLast, projectSum, settled, startsAt } from './projection.js';
import { q } from './queries.js';

/** An objective as listed, with what its risk check needs besides. */
export interface Evaluated {
  row: ObjectiveProgress;
  kpi: KpiDefinition;
  period: Window;
}

/** Targets for a KPI of a brand over a period, and how far each has come. */
export class ObjectiveService {
  constructor(
    private readonly db: Database,
    private readonly kpis: KpiService,
    private readonly forecasts: Pick<ForecastService, 'forecast'>,
    private readonly log: FastifyBaseLogger,
    /** The hub's clock, which forecasts start from. */
    private readonly now: () => number = Date.now,
  ) {}

  private readonly listeners: ((workspace: string, id: string, change: 'put' | 'delete') => void)[] = [];

  /** Called once an objective is stored or deleted. */
  onChange(listener: (workspace: string, id: string, change: 'put' | 'delete') => void): void {
    this.listeners.push(listener);
  }

  async put(workspace: WorkspaceState, id: string, input: ObjectiveInput): Promise<Objective> {
    this.kpis.referencedKpi(workspace, input.kpi);
    const brand = input.brand ?? ownBrand(workspace);
    requireBrands(workspace, [brand]);
    if ('from' in input.period) checkPeriod(input.period.from, input.period.to);
    const objective: Objective = {
      id,
      kpi: input.kpi,
      brand,
      period: input.period,
      target: input.target,
      direction: input.direction,
      riskThreshold: input.riskThreshold ?? DEFAULT_RISK_THRESHOLD,
    };
    await this.db.write((sql) =>
      sql.transaction(async () => {
        await sql.run(q.deleteObjective, { ws: workspace.key, id });
        await sql.run(q.insertObjective, { ws: workspace.key, id, definition: JSON.stringify(objective) });
      }),
    );
    for (const listener of this.listeners) listener(workspace.id, id, 'put');
    return objective;
  }

  async delete(workspace: WorkspaceState, id: string): Promise<void> {
    const found = await this.db.read((sql) => sql.one(q.objective, { ws: workspace.key, id }));
    if (!found) {
      throw faults.notFound(
        `Objective "${id}"`,
        `GET /api/v1/workspaces/${workspace.id}/objectives lists them.`,
      );
    }
    await this.db.write((sql) => sql.run(q.deleteObjective, { ws: workspace.key, id }));
    for (const listener of this.listeners) listener(workspace.id, id, 'delete');
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    await sql.run(q.deleteObjectives, { ws });
  }

  /** Whether the workspace has any objective (read as stored: no projection is computed). */
  async any(workspace: WorkspaceState): Promise<boolean> {
    const stored = await this.db.read((sql) => sql.rows(q.objectives, { ws: workspace.key }));
    return stored.length > 0;
  }

  /** Every objective with its progress and projection as of `nowMs`. */
  async list(workspace: WorkspaceState, nowMs = this.now()): Promise<ObjectiveList> {
    return { rows: (await this.evaluate(workspace, nowMs)).map((e) => e.row) };
  }

  async evaluate(workspace: WorkspaceState, nowMs = this.now()): Promise<Evaluated[]> {
    const stored = await this.db.read((sql) =>
      sql.rows<{ id: string; definition: string }>(q.objectives, { ws: workspace.key }),
    );
    const zone = zoneOf(workspace.timezone);
    const evaluated: Evaluated[] = [];
    for (const { id, definition } of stored) {
      // Left out of the list (as one of an unknown KPI is); DELETE …/objectives/{id} still removes it.
      const read = storedOrSkip(this.log, StoredObjective, definition, {
        table: 'objectives',
        what: 'objective',
        workspace: workspace.id,
        id,
      });
      if (!read) continue;
      const objective: Objective = { ...read, riskThreshold: read.riskThreshold ?? DEFAULT_RISK_THRESHOLD };
      const kpi = this.kpis.find(workspace, objective.kpi);
      if (!kpi || !workspace.brands.some((b) => b.id === objective.brand)) continue;
      const period = objectivePeriod(objective, zone, nowMs);
      const value = async (window: Window) =>
        window.toMs > window.fromMs
          ? await this.kpis.brandValue(workspace, kpi, objective.brand, window)
          : null;
      const base = progress({
        objective,
        kpi,
        period,
        nowMs,
        current: await value(elapsedWindow(period, nowMs)),
        baseline: accumulates(kpi) ? 0 : await value(baselineWindow(kpi, period)),
      });
      const row = { ...base, projection: await this.projection(workspace, base, kpi, period, nowMs) };
      evaluated.push({ row, kpi, period });
    }
    return evaluated;
  }

  /**
   * Settled once the period is over; before, from the hourly forecast when the period ends within
   * its reach, the daily one otherwise (or when hours lack history); null when neither reaches.
   */
  private async projection(
    workspace: WorkspaceState,
    row: ObjectiveProgress,
    kpi: KpiDefinition,
    period: Window,
    nowMs: number,
  ): Promise<ObjectiveProjection | null> {
    if (row.current === null) return null;
    if (nowMs >= period.toMs) return settled(row.current, row);
    // Forecasts start from the hub's clock: `at=` elsewhere would mix two presents (checked
    // exactly against the forecast's first bucket; this spares a fit for an `at` far from now).
    const clock = this.now();
    if (Math.abs(nowMs - clock) > DAY) return null;
    const inHours = period.toMs <= floorTo(clock, HOUR) + MAX_HORIZON * HOUR;
    for (const grain of inHours ? (['hour', 'day'] as const) : (['day'] as const)) {
      const forecast = await this.forecastOf(workspace, row, grain);
      if (!forecast || !startsAt(forecast, nowMs)) continue;
      const left = { fromMs: elapsedWindow(period, nowMs).toMs, toMs: period.toMs };
      const projected = accumulates(kpi)
        ? projectSum(forecast, left, row.current, row)
        : projectLast(forecast, period.toMs, row);
      if (projected) return projected;
    }
    return null;
  }

  /** The stored forecast (fitted once a day or week, on demand the first time), if there can be one. */
  private async forecastOf(
    workspace: WorkspaceState,
    row: ObjectiveProgress,
    grain: 'hour' | 'day',
  ): Promise<KpiForecast | undefined> {
    try {
      return await this.forecasts.forecast(workspace, row.kpi, {
        brand: row.brand,
        grain,
        horizon: MAX_HORIZON,
      });
    } catch (err) {
      if (err instanceof DomainError && err.code === 'not_enough_history') return undefined;
      // The list stays usable without this projection; the failure is the hub's, logged.
      this.log.error({ err, workspace: workspace.id, objective: row.id, grain }, 'objective not projected');
      return undefined;
    }
  }
}

/** An explicit period: two instants with their offset, the end after the start. */
function checkPeriod(from: string, to: string): void {
  for (const [name, text] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (instantOf(text) === undefined) {
      throw faults.invalidQuery(
        `"${name}" is not an ISO 8601 instant: "${text}".`,
        'Write it with an offset or Z, e.g. 2026-03-10T14:00:00Z.',
      );
    }
  }
  if (instantOf(to)! <= instantOf(from)!) {
    throw faults.invalidQuery(`"to" (${to}) is not after "from" (${from}).`, 'The window is [from, to).');
  }
}
