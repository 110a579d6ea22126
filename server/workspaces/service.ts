import type { FastifyBaseLogger } from 'fastify';
import type { Database, Sql } from '../db/database.js';
import { storedOrSkip } from '../db/stored.js';
import { MetricDefinition as StoredMetric } from '../../shared/schemas/metric-definition.js';
import type { MetricInput } from '../../shared/schemas/metrics.js';
import type { Brand, Workspace, WorkspaceInput } from '../../shared/schemas/workspaces.js';
import { METRICS_BY_ID, type MetricDefinition } from '../../shared/vocabulary.js';
import { faults } from '../errors.js';
import { q } from './queries.js';

export interface WorkspaceState {
  key: number;
  id: string;
  name: string;
  timezone: string;
  /** The competitive set, own brand first. */
  brands: Brand[];
  /** Brands dropped from the set: their history stays, they leave benchmarks and ingest. */
  droppedBrands: Brand[];
  createdAt: string;
  updatedAt: string;
  /** Metrics this workspace declared on top of the shared vocabulary. */
  metrics: Map<string, MetricDefinition>;
}

/** A metric known in a workspace: one of its own, or one of the shared vocabulary. */
export function metricOf(workspace: WorkspaceState, id: string): MetricDefinition | undefined {
  return workspace.metrics.get(id) ?? METRICS_BY_ID.get(id);
}

type WorkspaceHook = (sql: Sql, workspace: WorkspaceState) => Promise<void>;

/**
 * The workspaces and their competitive sets, kept in memory (one process owns the file) so that
 * ingest validates against them without a query.
 */
export class WorkspaceService {
  private readonly byId = new Map<string, WorkspaceState>();
  private readonly deleteHooks: WorkspaceHook[] = [];
  private readonly timezoneHooks: WorkspaceHook[] = [];
  private readonly changeListeners: ((workspace: string) => void)[] = [];

  constructor(private readonly db: Database) {}

  async init(log: FastifyBaseLogger): Promise<void> {
    await this.db.read(async (sql) => {
      const rows = await sql.rows<{
        key: number;
        id: string;
        name: string;
        timezone: string;
        createdAt: string;
        updatedAt: string;
      }>(q.allWorkspaces);
      const brands = await sql.rows<{ ws: number; id: string; name: string; own: boolean; active: boolean }>(
        q.allBrands,
      );
      const metrics = await sql.rows<{ ws: number; id: string; definition: string }>(q.allMetrics);
      for (const row of rows) {
        const own = brands.filter((b) => b.ws === row.key);
        const declared = new Map<string, MetricDefinition>();
        for (const m of metrics.filter((m) => m.ws === row.key)) {
          // Left out, its rows go to the quarantine as of an unknown metric: declaring it again
          // (PUT …/metrics/{id}) and replaying the quarantine brings them back.
          const metric = storedOrSkip(log, StoredMetric, m.definition, {
            table: 'workspace_metrics',
            what: 'metric',
            workspace: row.id,
            id: m.id,
          });
          // Its unit is any id the API took, as putMetric stores it.
          if (metric) declared.set(metric.id, metric as MetricDefinition);
        }
        this.byId.set(row.id, {
          ...row,
          metrics: declared,
          brands: own.filter((b) => b.active).map(({ id, name, own }) => ({ id, name, own })),
          droppedBrands: own.filter((b) => !b.active).map(({ id, name, own }) => ({ id, name, own })),
        });
      }
    });
  }

  /** Called inside the deleting transaction: each capability removes its rows of the workspace. */
  onDelete(hook: WorkspaceHook): void {
    this.deleteHooks.push(hook);
  }

  /** Called after a workspace's set, name or zone changed (what was computed for it is stale). */
  onChange(listener: (workspace: string) => void): void {
    this.changeListeners.push(listener);
  }

  /** Called inside the updating transaction when the time zone changes (day buckets move). */
  onTimezoneChange(hook: WorkspaceHook): void {
    this.timezoneHooks.push(hook);
  }

  get(id: string): WorkspaceState | undefined {
    return this.byId.get(id);
  }

  /** The workspace whose rows carry `key` (every data row names its workspace by key). */
  byKey(key: number): WorkspaceState | undefined {
    for (const workspace of this.byId.values()) if (workspace.key === key) return workspace;
    return undefined;
  }

  require(id: string): WorkspaceState {
    const workspace = this.byId.get(id);
    if (!workspace) throw faults.unknownWorkspace(id);
    return workspace;
  }

  list(): Workspace[] {
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id)).map(toPublic);
  }

  async put(id: string, input: WorkspaceInput): Promise<{ workspace: Workspace; created: boolean }> {
    const timezone = input.timezone ?? 'UTC';
    validateSet(input.brands);
    validateTimezone(timezone);
    return this.db.write(async (sql) => {
      const tzOk = await sql.one<{ ok: boolean }>(q.checkTimezone, { tz: timezone }).catch(() => undefined);
      if (!tzOk?.ok) throw timezoneError(timezone);
      const previous = this.byId.get(id);
      const now = new Date().toISOString();
      const state = await sql.transaction(async () => {
        const key = previous?.key ?? Number((await sql.one<{ key: number }>(q.nextKey))!.key);
        if (previous) await sql.run(q.updateWorkspace, { key, name: input.name, timezone, now });
        else await sql.run(q.insertWorkspace, { key, id, name: input.name, timezone, now });
        const ownFirst = [...input.brands].sort((a, b) => Number(b.own) - Number(a.own));
        const kept = new Set(ownFirst.map((b) => b.id));
        const dropped = [...(previous?.brands ?? []), ...(previous?.droppedBrands ?? [])].filter(
          (b) => !kept.has(b.id),
        );
        await sql.run(q.deleteBrands, { ws: key });
        let position = 0;
        for (const brand of ownFirst) {
          await sql.run(q.insertBrand, { ws: key, ...brand, active: true, position: position++ });
        }
        for (const brand of dropped) {
          await sql.run(q.insertBrand, {
            ws: key,
            ...brand,
            own: false,
            active: false,
            position: position++,
          });
        }
        const next: WorkspaceState = {
          key,
          id,
          name: input.name,
          timezone,
          brands: ownFirst.map(({ id, name, own }) => ({ id, name, own })),
          droppedBrands: dropped.map(({ id, name }) => ({ id, name, own: false })),
          createdAt: previous?.createdAt ?? now,
          updatedAt: now,
          metrics: previous?.metrics ?? new Map(),
        };
        if (previous && previous.timezone !== timezone) {
          for (const hook of this.timezoneHooks) await hook(sql, next);
        }
        return next;
      });
      this.byId.set(id, state);
      if (previous) for (const listener of this.changeListeners) listener(id);
      return { workspace: toPublic(state), created: !previous };
    });
  }

  /** Declares (or redeclares) a workspace metric; ingest accepts it from then on. */
  async putMetric(id: string, metricId: string, input: MetricInput): Promise<MetricDefinition> {
    const workspace = this.require(id);
    if (METRICS_BY_ID.has(metricId)) {
      throw faults.invalid(
        'invalid_workspace',
        `"${metricId}" is a metric of the shared vocabulary.`,
        'Pick another id for a workspace metric (GET /api/v1/vocabulary lists the shared ones).',
      );
    }
    if (input.kind === 'counter' && input.combine !== undefined) {
      throw faults.invalid(
        'invalid_workspace',
        '"combine" only applies to gauges.',
        'Leave it out for a counter.',
      );
    }
    const metric: MetricDefinition = {
      id: metricId,
      kind: input.kind,
      unit: (input.unit ?? 'count') as MetricDefinition['unit'],
      touchpoints: [...new Set(input.touchpoints)],
      ...(input.kind === 'gauge' ? { combine: input.combine ?? 'sum' } : {}),
      label: input.label ?? { en: metricId, fr: metricId },
    };
    await this.db.write((sql) =>
      sql.transaction(async () => {
        await sql.run(q.deleteMetric, { ws: workspace.key, id: metricId });
        await sql.run(q.insertMetric, {
          ws: workspace.key,
          id: metricId,
          definition: JSON.stringify(metric),
        });
      }),
    );
    workspace.metrics.set(metricId, metric);
    return metric;
  }

  /** Forgets a workspace metric: its history stays, new rows of it are rejected. */
  async deleteMetric(id: string, metricId: string): Promise<void> {
    const workspace = this.require(id);
    if (!workspace.metrics.has(metricId)) {
      throw faults.notFound(
        `Metric "${metricId}" of workspace "${id}"`,
        `GET /api/v1/workspaces/${id}/metrics lists them.`,
      );
    }
    await this.db.write((sql) => sql.run(q.deleteMetric, { ws: workspace.key, id: metricId }));
    workspace.metrics.delete(metricId);
  }

  async delete(id: string): Promise<void> {
    const workspace = this.require(id);
    await this.db.write((sql) =>
      sql.transaction(async () => {
        for (const hook of this.deleteHooks) await hook(sql, workspace);
        await sql.run(q.deleteBrands, { ws: workspace.key });
        await sql.run(q.deleteMetrics, { ws: workspace.key });
        await sql.run(q.deleteWorkspace, { key: workspace.key });
      }),
    );
    this.byId.delete(id);
  }
}

function toPublic(state: WorkspaceState): Workspace {
  const { id, name, timezone, brands, createdAt, updatedAt } = state;
  return { id, name, timezone, brands, createdAt, updatedAt };
}

function validateSet(brands: Brand[]): void {
  const own = brands.filter((b) => b.own);
  if (own.length !== 1) {
    throw faults.invalid(
      'invalid_workspace',
      `The competitive set has ${own.length} own brands (${own.map((b) => b.id).join(', ') || 'none'}).`,
      'Mark exactly one brand with "own": true; the others are its competitors.',
    );
  }
  const seen = new Set<string>();
  for (const brand of brands) {
    if (seen.has(brand.id)) {
      throw faults.invalid(
        'invalid_workspace',
        `Brand id "${brand.id}" appears twice in the set.`,
        'Give each brand of the set its own id.',
      );
    }
    seen.add(brand.id);
  }
}

function timezoneError(timezone: string) {
  return faults.invalid(
    'invalid_workspace',
    `"${timezone}" is not a known IANA time zone.`,
    'Use a name such as "UTC", "Europe/Paris" or "America/New_York".',
  );
}

function validateTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw timezoneError(timezone);
  }
}
