import type { FastifyBaseLogger } from 'fastify';
import { Objective } from '../../shared/schemas/objectives.js';
import type { ObjectiveInput, ObjectiveList, ObjectiveProgress } from '../../shared/schemas/objectives.js';
import { instantOf, type Window, zoneOf } from '../../shared/time.js';
import type { Database, Sql } from '../db/database.js';
import { storedOrSkip } from '../db/stored.js';
import { faults } from '../errors.js';
import { type KpiService, ownBrand, requireBrands } from '../kpi/service.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { accumulates, baselineWindow, elapsedWindow, objectivePeriod, progress } from './progress.js';
import { q } from './queries.js';

/** Targets for a KPI of a brand over a period, and how far each has come. */
export class ObjectiveService {
  constructor(
    private readonly db: Database,
    private readonly kpis: KpiService,
    private readonly log: FastifyBaseLogger,
  ) {}

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
    };
    await this.db.write((sql) =>
      sql.transaction(async () => {
        await sql.run(q.deleteObjective, { ws: workspace.key, id });
        await sql.run(q.insertObjective, { ws: workspace.key, id, definition: JSON.stringify(objective) });
      }),
    );
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
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    await sql.run(q.deleteObjectives, { ws });
  }

  /** Every objective with its progress as of `nowMs`. */
  async list(workspace: WorkspaceState, nowMs = Date.now()): Promise<ObjectiveList> {
    const stored = await this.db.read((sql) =>
      sql.rows<{ id: string; definition: string }>(q.objectives, { ws: workspace.key }),
    );
    const zone = zoneOf(workspace.timezone);
    const rows: ObjectiveProgress[] = [];
    for (const { id, definition } of stored) {
      // Left out of the list (as one of an unknown KPI is); DELETE …/objectives/{id} still removes it.
      const objective = storedOrSkip(this.log, Objective, definition, {
        table: 'objectives',
        what: 'objective',
        workspace: workspace.id,
        id,
      });
      if (!objective) continue;
      const kpi = this.kpis.find(workspace, objective.kpi);
      if (!kpi || !workspace.brands.some((b) => b.id === objective.brand)) continue;
      const period = objectivePeriod(objective, zone, nowMs);
      const value = async (window: Window) =>
        window.toMs > window.fromMs
          ? await this.kpis.brandValue(workspace, kpi, objective.brand, window)
          : null;
      rows.push(
        progress({
          objective,
          kpi,
          period,
          nowMs,
          current: await value(elapsedWindow(period, nowMs)),
          baseline: accumulates(kpi) ? 0 : await value(baselineWindow(kpi, period)),
        }),
      );
    }
    return { rows };
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
