import {
  DPI_KPIS,
  KPIS,
  KPIS_BY_ID,
  formulaMetrics,
  type KpiDefinition,
  volumeMetric,
} from '../../shared/kpis.js';
import type { FastifyBaseLogger } from 'fastify';
import { CustomKpiDefinition } from '../../shared/schemas/kpi-definition.js';
import {
  DpiWeights,
  type KpiCoverage,
  type MinVolumes,
  type MinVolumesInput,
} from '../../shared/schemas/kpi.js';
import type {
  Benchmark,
  CustomKpiInput,
  KpiCatalogue,
  KpiSeries,
  KpiValue,
} from '../../shared/schemas/kpi.js';
import { isTouchpoint, type Touchpoint } from '../../shared/vocabulary.js';
import { DomainError, faults } from '../errors.js';
import type { RollupService } from '../rollups/service.js';
import { metricOf, type WorkspaceState } from '../workspaces/service.js';
import { benchmarkRows, delta, lowVolumeOf } from './benchmark.js';
import { MinVolumeStore } from './min-volumes.js';
import type { Database, Sql } from '../db/database.js';
import { storedOrFail, storedOrSkip } from '../db/stored.js';
import { currentBucketStart, iso, type Window, zoneOf } from '../../shared/time.js';
import { computeKpi, type Scope, sharedReader } from './compute.js';
import { kpiCoverage } from './coverage.js';
import { customKpi } from './custom.js';
import { computeDpi, DEFAULT_DPI_WEIGHTS } from './dpi.js';
import type { KpiQuery, KpiSeriesQuery, KpiValueQuery } from './kpi-query.js';
import { q } from './queries.js';
import { bucketsOf, kpiSeriesValues, perBucket } from './series.js';

export const ownBrand = (workspace: WorkspaceState) => workspace.brands.find((b) => b.own)!.id;

/** Refuses brands outside the workspace's competitive set, naming them and the set. */
export function requireBrands(workspace: WorkspaceState, brands: readonly string[]): void {
  const unknown = brands.filter((b) => !workspace.brands.some((w) => w.id === b));
  if (unknown.length > 0) {
    throw faults.invalidQuery(
      `Brand(s) ${unknown.map((b) => `"${b}"`).join(', ')} not in the set of workspace "${workspace.id}".`,
      `Its set: ${workspace.brands.map((b) => b.id).join(', ')}.`,
    );
  }
}

/** Shares and the DPI score a brand against the whole set; other KPIs read only the brand's data. */
function narrowTo(scope: Scope, kpi: KpiDefinition, brand: string): Scope {
  return kpi.formula.kind === 'share' || kpi.formula.kind === 'dpi' ? scope : { ...scope, brands: [brand] };
}

/** Brand KPIs and benchmarks over the rollups, for a workspace's competitive set. */
export class KpiService {
  /** Each workspace's own KPIs, by workspace key. */
  private readonly custom = new Map<number, Map<string, KpiDefinition>>();
  private readonly listeners: ((workspace: string) => void)[] = [];
  private readonly weightsByWs = new Map<number, DpiWeights>();
  private readonly minVolumes: MinVolumeStore;

  constructor(
    private readonly db: Database,
    private readonly rollups: RollupService,
    private readonly log: FastifyBaseLogger,
  ) {
    this.minVolumes = new MinVolumeStore(db);
  }

  /** Loads the custom KPIs; `workspaceId` names a workspace key in warnings. */
  async init(workspaceId: (ws: number) => string): Promise<void> {
    await this.db.write(async (sql) => {
      for (const row of await sql.rows<{ ws: number; id: string; definition: string }>(q.allCustomKpis)) {
        // Left out, the KPI is missing from the catalogue (and scores) until PUT again.
        const kpi = storedOrSkip(this.log, CustomKpiDefinition, row.definition, {
          table: 'custom_kpis',
          what: 'custom KPI',
          workspace: workspaceId(row.ws),
          id: row.id,
        });
        if (kpi) this.customOf(row.ws).set(kpi.id, kpi);
      }
    });
  }

  private customOf(ws: number): Map<string, KpiDefinition> {
    let map = this.custom.get(ws);
    if (!map) this.custom.set(ws, (map = new Map()));
    return map;
  }

  /** Called after a workspace's KPI definitions or DPI weights changed (live values recompute). */
  onChange(listener: (workspace: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(workspace: WorkspaceState): void {
    for (const listener of this.listeners) listener(workspace.id);
  }

  /** Declares (or replaces) a workspace KPI written in the formula language. */
  async putCustomKpi(workspace: WorkspaceState, id: string, input: CustomKpiInput): Promise<KpiDefinition> {
    if (KPIS_BY_ID.has(id)) {
      throw faults.invalidQuery(`"${id}" is a KPI of the catalogue.`, 'Give your KPI another id.');
    }
    const kpi = customKpi(workspace, id, input);
    await this.db.write((sql) =>
      sql.transaction(async () => {
        await sql.run(q.deleteCustomKpi, { ws: workspace.key, id });
        await sql.run(q.insertCustomKpi, { ws: workspace.key, id, definition: JSON.stringify(kpi) });
      }),
    );
    this.customOf(workspace.key).set(id, kpi);
    this.changed(workspace);
    return kpi;
  }

  async deleteCustomKpi(workspace: WorkspaceState, id: string): Promise<void> {
    if (!this.customOf(workspace.key).has(id)) {
      throw faults.notFound(
        `Custom KPI "${id}"`,
        `GET /api/v1/workspaces/${workspace.id}/kpis lists the KPIs.`,
      );
    }
    await this.db.write((sql) => sql.run(q.deleteCustomKpi, { ws: workspace.key, id }));
    this.customOf(workspace.key).delete(id);
    this.changed(workspace);
  }

  /** The catalogue, the DPI and the workspace's own KPIs. */
  private allKpis(workspace: WorkspaceState): KpiDefinition[] {
    return [...KPIS, ...DPI_KPIS, ...this.customOf(workspace.key).values()];
  }

  async weights(workspace: WorkspaceState): Promise<DpiWeights> {
    // Read once per workspace: every DPI computation (a live tick's too) asks for them.
    const known = this.weightsByWs.get(workspace.key);
    if (known) return known;
    const row = await this.db.read((sql) => sql.one<{ weights: string }>(q.weights, { ws: workspace.key }));
    // Defaults in their place would change every DPI score without a word: refused instead.
    const stored = row
      ? storedOrFail(
          DpiWeights,
          row.weights,
          { table: 'dpi_weights', what: 'DPI weights', workspace: workspace.id },
          `PUT /api/v1/workspaces/${workspace.id}/dpi-weights stores them again (those left out are 1); the DPI cannot be computed until then.`,
        )
      : DEFAULT_DPI_WEIGHTS;
    const weights = {
      touchpoints: { ...DEFAULT_DPI_WEIGHTS.touchpoints, ...stored.touchpoints },
      kpis: { ...DEFAULT_DPI_WEIGHTS.kpis, ...stored.kpis },
    };
    this.weightsByWs.set(workspace.key, weights);
    return weights;
  }

  async putWeights(workspace: WorkspaceState, weights: DpiWeights): Promise<DpiWeights> {
    const badTouchpoints = Object.keys(weights.touchpoints).filter((t) => !isTouchpoint(t));
    const weighable = [...KPIS, ...this.customOf(workspace.key).values()];
    const badKpis = Object.keys(weights.kpis).filter((k) => !weighable.some((kpi) => kpi.id === k));
    if (badTouchpoints.length > 0 || badKpis.length > 0) {
      throw faults.invalidQuery(
        `Unknown ${[...badTouchpoints.map((t) => `touchpoint "${t}"`), ...badKpis.map((k) => `KPI "${k}"`)].join(', ')} in the weights.`,
        `Touchpoints: search, site, social, media, viral; KPIs: GET /api/v1/workspaces/${workspace.id}/kpis.`,
      );
    }
    const merged = {
      touchpoints: { ...DEFAULT_DPI_WEIGHTS.touchpoints, ...weights.touchpoints },
      kpis: { ...DEFAULT_DPI_WEIGHTS.kpis, ...weights.kpis },
    };
    if (!Object.values(merged.touchpoints).some((w) => w > 0)) {
      throw faults.invalidQuery(
        'Every touchpoint weight is 0.',
        'Give at least one touchpoint a positive weight.',
      );
    }
    await this.db.write((sql) =>
      sql.transaction(async () => {
        await sql.run(q.deleteWeights, { ws: workspace.key });
        await sql.run(q.insertWeights, { ws: workspace.key, weights: JSON.stringify(merged) });
      }),
    );
    this.weightsByWs.set(workspace.key, merged);
    this.changed(workspace);
    return merged;
  }

  /** The workspace's minimum volumes of ratio KPIs (default 30). */
  getMinVolumes(workspace: WorkspaceState): Promise<MinVolumes> {
    return this.minVolumes.get(workspace);
  }

  async putMinVolumes(workspace: WorkspaceState, input: MinVolumesInput): Promise<MinVolumes> {
    const ratios = this.allKpis(workspace)
      .filter((k) => volumeMetric(k.formula) !== undefined)
      .map((k) => k.id);
    const settings = await this.minVolumes.put(workspace, input, ratios);
    this.changed(workspace);
    return settings;
  }

  /** The minimum volume of a KPI that divides by one; undefined for the others. */
  private async minVolumeOf(workspace: WorkspaceState, kpi: KpiDefinition): Promise<number | undefined> {
    return volumeMetric(kpi.formula) === undefined ? undefined : this.minVolumes.of(workspace, kpi.id);
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    await this.minVolumes.deleteWorkspace(sql, ws);
    this.weightsByWs.delete(ws);
    await sql.run(q.deleteWeights, { ws });
    await sql.run(q.deleteCustomKpis, { ws });
    this.custom.delete(ws);
  }

  /** One brand's value of a KPI over a window, read as the KPI reads it (shares against the set). */
  async brandValue(workspace: WorkspaceState, kpi: KpiDefinition, brand: string, window: Window) {
    const scope = narrowTo(this.scope(workspace, kpi, {}), kpi, brand);
    return (await this.values(workspace, kpi, scope, window)).get(brand)!.value;
  }

  /** A KPI for every brand of the scope over one window; the DPI scores the other KPIs. */
  private async values(workspace: WorkspaceState, kpi: KpiDefinition, scope: Scope, window: Window) {
    const f = kpi.formula;
    if (f.kind !== 'dpi') return computeKpi(this.rollups, kpi, scope, window);
    const weights = await this.weights(workspace);
    const reader = sharedReader(
      this.rollups,
      workspace.key,
      (id) => metricOf(workspace, id)?.kind === 'gauge',
    );
    return computeDpi(
      scope.brands,
      weights,
      [...KPIS, ...this.customOf(workspace.key).values()],
      (k) => computeKpi(reader, k, { ...scope, touchpoints: k.touchpoints }, window),
      f.touchpoint,
    );
  }

  catalogue(workspace: WorkspaceState): KpiCatalogue {
    return {
      rows: this.allKpis(workspace).map((k) => ({
        id: k.id,
        label: k.label,
        touchpoints: [...k.touchpoints],
        unit: k.unit,
        direction: k.direction,
        shareable: k.shareable,
        formula: {
          kind: k.formula.kind,
          metrics: formulaMetrics(k.formula).join(','),
          ...(k.formula.kind === 'custom' ? { text: k.formula.text } : {}),
        },
      })),
    };
  }

  /** A KPI by id, or undefined. */
  find(workspace: WorkspaceState, id: string): KpiDefinition | undefined {
    return KPIS_BY_ID.get(id) ?? this.customOf(workspace.key).get(id);
  }

  /** A KPI by id; a KPI that is not there is `not_found` (use `referencedKpi` for an id given as input). */
  definition(workspace: WorkspaceState, id: string): KpiDefinition {
    const kpi = this.find(workspace, id);
    if (!kpi) {
      throw new DomainError(
        'not_found',
        'unknown_kpi',
        `KPI "${id}" is not in the catalogue.`,
        `GET /api/v1/workspaces/${workspace.id}/kpis lists them: ${this.allKpis(workspace)
          .map((k) => k.id)
          .join(', ')}.`,
      );
    }
    return kpi;
  }

  /** A KPI named by a query, a body or a subscription: an unknown one is the caller's input error. */
  referencedKpi(workspace: WorkspaceState, id: string): KpiDefinition {
    try {
      return this.definition(workspace, id);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw new DomainError('invalid', error.code, error.message, error.hint);
    }
  }

  private scope(
    workspace: WorkspaceState,
    kpi: KpiDefinition,
    query: { touchpoints?: readonly string[]; sources?: readonly string[] },
  ): Scope {
    let touchpoints: readonly Touchpoint[] = kpi.touchpoints;
    const asked = query.touchpoints?.length ? query.touchpoints : undefined;
    if (asked) {
      const wrong = asked.filter((t) => !isTouchpoint(t) || !kpi.touchpoints.includes(t));
      if (wrong.length > 0) {
        throw faults.invalidQuery(
          `KPI "${kpi.id}" is not read on touchpoint ${wrong.map((t) => `"${t}"`).join(', ')}.`,
          `Its touchpoints: ${kpi.touchpoints.join(', ')}.`,
        );
      }
      touchpoints = asked as Touchpoint[];
    }
    return {
      ws: workspace.key,
      zone: zoneOf(workspace.timezone),
      brands: workspace.brands.map((b) => b.id),
      touchpoints,
      sources: query.sources?.length ? [...query.sources] : undefined,
      metric: (id) => metricOf(workspace, id),
    };
  }

  async benchmark(workspace: WorkspaceState, kpiId: string, query: KpiQuery): Promise<Benchmark> {
    const kpi = this.referencedKpi(workspace, kpiId);
    const scope = this.scope(workspace, kpi, query);
    const { window, previous } = query;
    const [current, before, minVolume] = await Promise.all([
      this.values(workspace, kpi, scope, window),
      this.values(workspace, kpi, scope, previous),
      this.minVolumeOf(workspace, kpi),
    ]);
    return {
      kpi: kpi.id,
      window: { from: iso(window.fromMs), to: iso(window.toMs) },
      previousWindow: { from: iso(previous.fromMs), to: iso(previous.toMs) },
      ...benchmarkRows(kpi, workspace.brands, current, before, minVolume),
    };
  }

  /** The touchpoints and sources with data for a KPI over a window (see coverage.ts). */
  coverage(workspace: WorkspaceState, kpiId: string, window: Window): Promise<KpiCoverage> {
    return kpiCoverage(
      this.rollups,
      workspace.key,
      zoneOf(workspace.timezone),
      this.definition(workspace, kpiId),
      window,
    );
  }

  async series(workspace: WorkspaceState, kpiId: string, query: KpiSeriesQuery): Promise<KpiSeries> {
    const kpi = this.definition(workspace, kpiId);
    const asked = query.brands?.length ? query.brands : undefined;
    requireBrands(workspace, asked ?? []);
    // All brands are computed (shares need the whole set); only the asked ones are shown.
    const scope = this.scope(workspace, kpi, query);
    // No bucket after the one still filling: it would only hold zeros that read as a fall.
    const current =
      query.nowMs === undefined ? undefined : currentBucketStart(query.grain, query.nowMs, scope.zone);
    const toMs = current === undefined ? query.window.toMs : Math.min(query.window.toMs, current + 1);
    const windows = bucketsOf(scope, query.grain, query.window.fromMs, toMs);
    // The DPI scores the whole catalogue at each point: computed bucket by bucket, 100 at most.
    const { buckets, values } =
      windows.length === 0
        ? { buckets: [], values: new Map<string, (number | null)[]>() }
        : kpi.formula.kind === 'dpi'
          ? await perBucket(scope, windows, 100, (window) => this.values(workspace, kpi, scope, window))
          : await kpiSeriesValues(this.rollups, kpi, scope, query.grain, windows);
    const shown = workspace.brands.filter((b) => !asked || asked.includes(b.id));
    return {
      kpi: kpi.id,
      grain: query.grain,
      buckets,
      ...(current === undefined ? {} : { provisional: windows.map((w) => w.window.fromMs === current) }),
      series: shown.map((b) => ({ brand: b.id, name: b.name, own: b.own, values: values.get(b.id) ?? [] })),
    };
  }

  async value(workspace: WorkspaceState, kpiId: string, query: KpiValueQuery): Promise<KpiValue> {
    const kpi = this.definition(workspace, kpiId);
    const brand = query.brand ?? ownBrand(workspace);
    requireBrands(workspace, [brand]);
    const scope = narrowTo(this.scope(workspace, kpi, query), kpi, brand);
    const { window, previous } = query;
    const [current, before, minVolume] = await Promise.all([
      this.values(workspace, kpi, scope, window),
      this.values(workspace, kpi, scope, previous),
      this.minVolumeOf(workspace, kpi),
    ]);
    const { value, reason } = current.get(brand)!;
    const prior = before.get(brand)!.value;
    return {
      kpi: kpi.id,
      brand,
      window: { from: iso(window.fromMs), to: iso(window.toMs) },
      previousWindow: { from: iso(previous.fromMs), to: iso(previous.toMs) },
      value,
      ...(value === null && reason ? { reason } : {}),
      previous: prior,
      ...delta(value, prior),
      ...lowVolumeOf(current.get(brand), minVolume),
    };
  }
}
