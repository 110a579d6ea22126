// Unsubscribe links: signed with a key of the workspace (kept in DuckDB, so links outlive a
// restart), for one report and one address; nobody can remove another address with a link.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { WorkspaceState } from '../workspaces/service.js';
import { q } from './queries.js';

export class UnsubscribeLinks {
  private readonly keys = new Map<number, string>();

  constructor(
    private readonly db: Database,
    private readonly baseUrl: () => string,
  ) {}

  private async secret(workspace: WorkspaceState): Promise<string> {
    const known = this.keys.get(workspace.key);
    if (known) return known;
    const read = async () =>
      (await this.db.read((sql) => sql.one<{ secret: string }>(q.key, { ws: workspace.key })))?.secret;
    let secret = await read();
    if (!secret) {
      await this.db.write((sql) =>
        sql.run(q.putKey, { ws: workspace.key, secret: randomBytes(32).toString('base64url') }),
      );
      secret = (await read())!;
    }
    this.keys.set(workspace.key, secret);
    return secret;
  }

  private async sign(workspace: WorkspaceState, report: string, email: string): Promise<string> {
    return createHmac('sha256', await this.secret(workspace))
      .update(`${workspace.id}\n${report}\n${email.toLowerCase()}`)
      .digest('base64url');
  }

  async url(workspace: WorkspaceState, report: string, email: string): Promise<string> {
    const query = new URLSearchParams({
      workspace: workspace.id,
      report,
      email,
      token: await this.sign(workspace, report, email),
    });
    return `${this.baseUrl()}/api/v1/reports/unsubscribe?${query.toString()}`;
  }

  async verify(workspace: WorkspaceState, report: string, email: string, token: string): Promise<boolean> {
    const expected = Buffer.from(await this.sign(workspace, report, email));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  forget(ws: number): void {
    this.keys.delete(ws);
  }
}
