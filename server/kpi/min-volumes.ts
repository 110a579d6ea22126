import { DEFAULT_MIN_VOLUME } from '../../shared/kpis.js';
import { MinVolumes, type MinVolumesInput } from '../../shared/schemas/kpi.js';
import type { Database, Sql } from '../db/database.js';
import { storedOrFail } from '../db/stored.js';
import { faults } from '../errors.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { q } from './queries.js';

const DEFAULTS: MinVolumes = { default: DEFAULT_MIN_VOLUME, kpis: {} };

/**
 * The minimum volume under which a ratio KPI is flagged `lowVolume`, per workspace: a default and
 * per-KPI overrides, read once per workspace (every benchmark, a live tick's too, asks).
 */
export class MinVolumeStore {
  private readonly byWs = new Map<number, MinVolumes>();

  constructor(private readonly db: Database) {}

  async get(workspace: WorkspaceState): Promise<MinVolumes> {
    const known = this.byWs.get(workspace.key);
    if (known) return known;
    const row = await this.db.read((sql) =>
      sql.one<{ settings: string }>(q.minVolumes, { ws: workspace.key }),
    );
    const settings = row
      ? storedOrFail(
          MinVolumes,
          row.settings,
          { table: 'min_volumes', what: 'minimum volumes', workspace: workspace.id },
          `PUT /api/v1/workspaces/${workspace.id}/min-volumes stores them again.`,
        )
      : DEFAULTS;
    this.byWs.set(workspace.key, settings);
    return settings;
  }

  /** The minimum for one KPI. */
  async of(workspace: WorkspaceState, kpi: string): Promise<number> {
    const settings = await this.get(workspace);
    return settings.kpis[kpi] ?? settings.default;
  }

  /** Replaces the settings; `kpis` names the KPIs that divide by a volume. */
  async put(
    workspace: WorkspaceState,
    input: MinVolumesInput,
    ratioKpis: readonly string[],
  ): Promise<MinVolumes> {
    const unknown = Object.keys(input.kpis ?? {}).filter((k) => !ratioKpis.includes(k));
    if (unknown.length > 0) {
      throw faults.invalidQuery(
        `${unknown.map((k) => `"${k}"`).join(', ')} ${unknown.length === 1 ? 'is not a KPI' : 'are not KPIs'} that divide by a volume.`,
        `A minimum volume applies to ratios, shares and net sentiment: ${ratioKpis.join(', ')}.`,
      );
    }
    const settings: MinVolumes = { default: input.default ?? DEFAULT_MIN_VOLUME, kpis: input.kpis ?? {} };
    await this.db.write((sql) =>
      sql.transaction(async () => {
        await sql.run(q.deleteMinVolumes, { ws: workspace.key });
        await sql.run(q.insertMinVolumes, { ws: workspace.key, settings: JSON.stringify(settings) });
      }),
    );
    this.byWs.set(workspace.key, settings);
    return settings;
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    this.byWs.delete(ws);
    await sql.run(q.deleteMinVolumes, { ws });
  }
}
