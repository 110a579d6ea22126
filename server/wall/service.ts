import { WallLayout } from '../../shared/schemas/live.js';
import type { Database, Sql } from '../db/database.js';
import { storedOrFail } from '../db/stored.js';
import type { KpiService } from '../kpi/service.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { q } from './queries.js';

/** The live wall's saved layout per workspace (the wall shows its default until one is saved). */
export class WallService {
  constructor(
    private readonly db: Database,
    private readonly kpis: KpiService,
  ) {}

  async get(workspace: WorkspaceState): Promise<WallLayout | undefined> {
    const row = await this.db.read((sql) => sql.one<{ layout: string }>(q.wall, { ws: workspace.key }));
    if (!row) return undefined;
    // A damaged layout is an error that says how to mend it; the wall shows its default meanwhile.
    return storedOrFail(
      WallLayout,
      row.layout,
      { table: 'wall_layouts', what: 'wall layout', workspace: workspace.id },
      'Save the layout again (PUT, or the wall’s layout editor); the wall shows its default until then.',
    );
  }

  async put(workspace: WorkspaceState, layout: WallLayout): Promise<WallLayout> {
    for (const kpi of layout.kpis) this.kpis.referencedKpi(workspace, kpi);
    await this.db.write((sql) =>
      sql.script(q.putWall, { ws: workspace.key, layout: JSON.stringify(layout) }),
    );
    return layout;
  }

  async deleteWorkspace(sql: Sql, ws: number): Promise<void> {
    await sql.run(q.deleteWorkspace, { ws });
  }
}
