import type { Database, Sql } from '../db/database.js';
import type { Brand, Workspace, WorkspaceInput } from '../../shared/schemas/workspaces.js';
import { errors } from '../errors.js';
import { q, schema } from './queries.js';

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

  constructor(private readonly db: Database) {}

  async init(): Promise<void> {
    await this.db.write(async (sql) => {
      for (const statement of schema) await sql.run(statement);
    });
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
      for (const row of rows) {
        const own = brands.filter((b) => b.ws === row.key);
        this.byId.set(row.id, {
          ...row,
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

  /** Called inside the updating transaction when the time zone changes (day buckets move). */
  onTimezoneChange(hook: WorkspaceHook): void {
    this.timezoneHooks.push(hook);
  }

  get(id: string): WorkspaceState | undefined {
    return this.byId.get(id);
  }

  require(id: string): WorkspaceState {
    const workspace = this.byId.get(id);
    if (!workspace) throw errors.unknownWorkspace(id);
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
        };
        if (previous && previous.timezone !== timezone) {
          for (const hook of this.timezoneHooks) await hook(sql, next);
        }
        return next;
      });
      this.byId.set(id, state);
      return { workspace: toPublic(state), created: !previous };
    });
  }

  async delete(id: string): Promise<void> {
    const workspace = this.require(id);
    await this.db.write((sql) =>
      sql.transaction(async () => {
        for (const hook of this.deleteHooks) await hook(sql, workspace);
        await sql.run(q.deleteBrands, { ws: workspace.key });
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
    throw errors.invalidWorkspace(
      `The competitive set has ${own.length} own brands (${own.map((b) => b.id).join(', ') || 'none'}).`,
      'Mark exactly one brand with "own": true; the others are its competitors.',
    );
  }
  const seen = new Set<string>();
  for (const brand of brands) {
    if (seen.has(brand.id)) {
      throw errors.invalidWorkspace(
        `Brand id "${brand.id}" appears twice in the set.`,
        'Give each brand of the set its own id.',
      );
    }
    seen.add(brand.id);
  }
}

function timezoneError(timezone: string) {
  return errors.invalidWorkspace(
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
