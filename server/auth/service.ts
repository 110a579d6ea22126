import type { FastifyBaseLogger } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { KeyInfo, KeyInput, KeyScope, Member, MemberInput, Role } from '../../shared/schemas/auth.js';
import type { Database, Sql } from '../db/database.js';
import { DomainError, faults } from '../errors.js';
import {
  type Access,
  authorize,
  forbidden,
  type KeyRecord,
  type Principal,
  type SessionRecord,
  unauthenticated,
  type UserRecord,
} from './access.js';
import { checkPassword, generatePassword, hashPassword, verifyPassword } from './passwords.js';
import { AuditLog } from './audit-log.js';
import { q } from './queries.js';
import { hashSecret, KEY_PREFIX, newId, newSecret, SESSION_PREFIX } from './secrets.js';

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export const DEFAULT_SESSIONS: SessionPolicy = { idleMs: 7 * 86_400_000, absoluteMs: 30 * 86_400_000 };

// last_seen_at and last_used_at are written at most this often: a producer posting every second
// must not add a write per request.
const TOUCH_EVERY_MS = 60_000;
const LOCK_AFTER = 10;
const LOCK_MS = 15 * 60_000;

/**
 * People, their roles, keys and sessions, kept in memory (one process owns the file) so that
 * every request is checked without a query; each change is committed before memory follows it.
 */
export class AuthService {
  private readonly users = new Map<string, UserRecord>();
  private readonly roles = new Map<string, Map<string, Role>>(); // workspace → user id → role
  private readonly keys = new Map<string, KeyRecord>(); // key hash → key
  private readonly sessions = new Map<string, SessionRecord>(); // id hash → session
  private readonly watchers = new Set<{ principal: Principal; end: () => void }>();
  /** Every change, for the workspace's admins (and the hub's owner). */
  readonly audit: AuditLog;
  // Failed sign-ins per address of account: past LOCK_AFTER in LOCK_MS, that account waits.
  private readonly failures = new LRUCache<string, { count: number; since: number }>({ max: 10_000 });

  constructor(
    private readonly db: Database,
    private readonly log: FastifyBaseLogger,
    private readonly policy: SessionPolicy = DEFAULT_SESSIONS,
    /** The clock sessions expire by (tests move it). */
    readonly now: () => number = Date.now,
  ) {
    this.audit = new AuditLog(db);
  }

  async init(): Promise<void> {
    await this.db.read(async (sql) => {
      for (const u of await sql.rows<UserRecord>(q.users)) this.users.set(u.id, u);
      for (const m of await sql.rows<{ workspace: string; userId: string; role: Role }>(q.members))
        this.membersOf(m.workspace).set(m.userId, m.role);
      for (const k of await sql.rows<Omit<KeyRecord, 'scopes'> & { scopes: string }>(q.keys))
        this.keys.set(k.keyHash, { ...k, scopes: k.scopes.split(',') as KeyScope[] });
      for (const s of await sql.rows<SessionRecord>(q.sessions)) this.sessions.set(s.idHash, s);
      await this.audit.init(sql);
    });
  }

  get hasUsers(): boolean {
    return this.users.size > 0;
  }

  /**
   * The first start: with nobody to sign in, the owner is created, with `password` or a generated
   * one (returned, to be shown once). Undefined when people exist already.
   */
  async ensureOwner(email: string, password: string | undefined): Promise<string | undefined> {
    if (this.hasUsers) return undefined;
    const address = email.trim().toLowerCase();
    const chosen = password ?? generatePassword();
    checkPassword(chosen, address);
    await this.createUser(address, 'Owner', chosen, true);
    return chosen;
  }

  // —— sessions ——

  async login(email: string, password: string, ip: string): Promise<{ token: string; user: UserRecord }> {
    const address = email.trim().toLowerCase();
    const user = this.userByEmail(address);
    // A wrong address costs as much as a wrong password: timing does not tell which accounts exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      const failed = this.failures.get(address);
      if (failed && this.now() - failed.since < LOCK_MS) failed.count++;
      else this.failures.set(address, { count: 1, since: this.now() });
      throw new DomainError(
        'unauthenticated',
        'bad_credentials',
        'The e-mail address or the password is not right.',
        'Check both and try again; an admin of your workspace can set a new password for you.',
      );
    }
    this.failures.delete(address);
    const token = await this.openSession({ userId: user.id, keyId: null });
    await this.audit.record({
      workspace: null,
      actor: user.email,
      action: 'session.login',
      target: user.email,
      summary: 'signed in',
      ip,
    });
    return { token, user };
  }

  /** Seconds this account must wait before another sign-in attempt (0: none). */
  lockedFor(email: string): number {
    const failed = this.failures.get(email.trim().toLowerCase());
    if (!failed || failed.count < LOCK_AFTER) return 0;
    const left = failed.since + LOCK_MS - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** A wall screen signs in once with a read key; its session lasts like a person's. */
  async keySession(secret: string): Promise<{ token: string; key: KeyRecord }> {
    const key = this.keys.get(hashSecret(secret));
    if (!key) throw unauthenticated('This key is not valid (it may have been revoked).');
    if (!key.scopes.includes('read')) {
      throw forbidden(
        `Key "${key.name}" cannot read; a screen needs a key with the read scope.`,
        `Create one with POST /api/v1/workspaces/${key.workspace}/keys {"name":"wall","scopes":["read"]}.`,
      );
    }
    return { token: await this.openSession({ userId: null, keyId: key.id }), key };
  }

  private async openSession(owner: { userId: string | null; keyId: string | null }): Promise<string> {
    const token = newSecret(SESSION_PREFIX);
    const session: SessionRecord = {
      idHash: hashSecret(token),
      ...owner,
      createdAt: this.now(),
      lastSeenAt: this.now(),
    };
    await this.db.write((sql) =>
      sql.run(q.insertSession, { ...owner, idHash: session.idHash, atMs: session.createdAt }),
    );
    this.sessions.set(session.idHash, session);
    return token;
  }

  /** Who a secret (a session token or a key) belongs to; undefined when it is not valid (any more). */
  authenticate(secret: string, via: Principal['via']): Principal | undefined {
    if (secret.startsWith(KEY_PREFIX)) {
      if (via !== 'bearer') return undefined;
      const key = this.keys.get(hashSecret(secret));
      if (!key) return undefined;
      this.touchKey(key);
      return { key, via };
    }
    if (!secret.startsWith(SESSION_PREFIX)) return undefined;
    const session = this.sessions.get(hashSecret(secret));
    if (!session) return undefined;
    if (!this.live(session)) {
      void this.endSessions((s) => s === session);
      return undefined;
    }
    this.renew(session);
    const user = session.userId ? this.users.get(session.userId) : undefined;
    const key = session.keyId ? this.keyById(session.keyId) : undefined;
    if (!user && !key) return undefined;
    return { ...(user ? { user } : { key: key! }), session, via };
  }

  private live(session: SessionRecord): boolean {
    const now = this.now();
    return now - session.lastSeenAt < this.policy.idleMs && now - session.createdAt < this.policy.absoluteMs;
  }

  /** Still valid: a socket asks this at each heartbeat (and renews its session by asking). */
  stillValid(principal: Principal): boolean {
    if (principal.session) {
      const session = this.sessions.get(principal.session.idHash);
      if (!session || !this.live(session)) return false;
      this.renew(session);
      return true;
    }
    return principal.key !== undefined && this.keys.has(principal.key.keyHash);
  }

  private renew(session: SessionRecord): void {
    const now = this.now();
    const persist = now - session.lastSeenAt >= TOUCH_EVERY_MS;
    session.lastSeenAt = now;
    if (persist) this.background(q.sessionSeen, { idHash: session.idHash, atMs: now });
  }

  private touchKey(key: KeyRecord): void {
    const now = this.now();
    if (key.lastUsedAt && now - Date.parse(key.lastUsedAt) < TOUCH_EVERY_MS) return;
    key.lastUsedAt = new Date(now).toISOString();
    this.background(q.keyUsed, { id: key.id, atMs: now });
  }

  private background(statement: string, params: Record<string, string | number>): void {
    this.db
      .write((sql) => sql.run(statement, params))
      .catch((err: unknown) => this.log.warn({ err }, 'auth bookkeeping failed'));
  }

  async logout(principal: Principal): Promise<void> {
    const session = principal.session;
    if (session)
      await this.endSessions(
        (s) => s === session,
        (sql) => sql.run(q.deleteSession, { idHash: session.idHash }),
      );
  }

  /** Ends sessions (and the sockets opened with them) once `remove` is committed. */
  private async endSessions(
    which: (s: SessionRecord) => boolean,
    remove?: (sql: Sql) => Promise<void>,
  ): Promise<void> {
    const ended = [...this.sessions.values()].filter(which);
    if (remove) await this.db.write(remove);
    else
      await this.db.write(async (sql) => {
        for (const s of ended) await sql.run(q.deleteSession, { idHash: s.idHash });
      });
    for (const s of ended) this.sessions.delete(s.idHash);
    this.closeRevoked();
  }

  /** Sockets whose credentials are gone are closed at once. */
  private closeRevoked(): void {
    for (const watcher of this.watchers) if (!this.stillValid(watcher.principal)) watcher.end();
  }

  /** `end` is called when the principal's session or key is ended; the result stops watching. */
  watch(principal: Principal, end: () => void): () => void {
    const watcher = { principal, end };
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Sessions past their idle or absolute expiry leave the base (memory drops them as met). */
  async sweep(): Promise<void> {
    const now = this.now();
    await this.endSessions(
      (s) => !this.live(s),
      (sql) =>
        sql.run(q.deleteExpiredSessions, {
          idleBeforeMs: now - this.policy.idleMs,
          createdBeforeMs: now - this.policy.absoluteMs,
        }),
    );
  }

  async changePassword(principal: Principal, current: string, next: string, ip: string): Promise<void> {
    const user = principal.user;
    if (!user) throw forbidden('A key has no password.', 'Sign in as a person to change a password.');
    if (!(await verifyPassword(current, user.passwordHash))) {
      throw faults.invalid(
        'bad_credentials',
        'The current password is not right.',
        'Type the password you signed in with.',
      );
    }
    checkPassword(next, user.email);
    const passwordHash = await hashPassword(next);
    await this.db.write((sql) => sql.run(q.setPassword, { id: user.id, passwordHash }));
    user.passwordHash = passwordHash;
    await this.endSessions(
      (s) => s.userId === user.id,
      (sql) => sql.run(q.deleteUserSessions, { userId: user.id }),
    );
    await this.audit.record({
      workspace: null,
      actor: user.email,
      action: 'password.change',
      target: user.email,
      summary: 'changed the password; every session ended',
      ip,
    });
  }

  // —— roles ——

  /** The role of `principal`'s person in `workspace` (the owner is admin of every workspace). */
  roleOf(principal: Principal, workspace: string): Role | undefined {
    const user = principal.user;
    if (!user) return principal.key?.workspace === workspace ? 'viewer' : undefined;
    if (user.owner) return 'admin';
    return this.roles.get(workspace)?.get(user.id);
  }

  /** Throws the refusal (404 invisible, 403 not allowed) unless `principal` may do `access` there. */
  require(principal: Principal, workspace: string, access: Access): void {
    authorize(principal, workspace, principal.user ? this.roleOf(principal, workspace) : undefined, access);
  }

  sees(principal: Principal, workspace: string): boolean {
    return this.roleOf(principal, workspace) !== undefined;
  }

  // —— members ——

  members(workspace: string): Member[] {
    const rows: Member[] = [];
    for (const [userId, role] of this.roles.get(workspace) ?? []) {
      const user = this.users.get(userId);
      if (user) rows.push({ email: user.email, name: user.name, role });
    }
    return rows.sort((a, b) => a.email.localeCompare(b.email));
  }

  async putMember(
    workspace: string,
    email: string,
    input: MemberInput,
  ): Promise<{ member: Member; created: boolean }> {
    const address = email.trim().toLowerCase();
    let user = this.userByEmail(address);
    let generated: string | undefined;
    if (!user) {
      const password = input.password ?? (generated = generatePassword());
      checkPassword(password, address);
      user = await this.createUser(address, input.name ?? address.split('@')[0]!, password, false);
    } else if (input.name && input.name !== user.name) {
      const name = input.name;
      await this.db.write((sql) => sql.run(q.setName, { id: user!.id, name }));
      user.name = name;
    }
    const id = user.id;
    const created = !this.roles.get(workspace)?.has(id);
    await this.db.write((sql) =>
      sql.transaction(async () => {
        await sql.run(q.deleteMember, { workspace, userId: id });
        await sql.run(q.insertMember, { workspace, userId: id, role: input.role });
      }),
    );
    this.membersOf(workspace).set(id, input.role);
    return {
      member: {
        email: user.email,
        name: user.name,
        role: input.role,
        ...(generated ? { password: generated } : {}),
      },
      created,
    };
  }

  /** Removes a member; their sessions end at once (a person in several workspaces signs in again). */
  async deleteMember(workspace: string, email: string): Promise<void> {
    const user = this.userByEmail(email);
    if (!user || !this.roles.get(workspace)?.has(user.id)) {
      throw faults.notFound(
        `Member "${email}" of workspace "${workspace}"`,
        `GET /api/v1/workspaces/${workspace}/members lists them.`,
      );
    }
    await this.db.write((sql) => sql.run(q.deleteMember, { workspace, userId: user.id }));
    this.roles.get(workspace)!.delete(user.id);
    await this.endSessions(
      (s) => s.userId === user.id,
      (sql) => sql.run(q.deleteUserSessions, { userId: user.id }),
    );
  }

  // —— keys ——

  keyList(workspace: string): KeyInfo[] {
    return [...this.keys.values()]
      .filter((k) => k.workspace === workspace)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map(({ id, name, scopes, createdAt, lastUsedAt }) => ({ id, name, scopes, createdAt, lastUsedAt }));
  }

  async createKey(workspace: string, input: KeyInput): Promise<{ id: string; key: string }> {
    const secret = newSecret(KEY_PREFIX);
    const record: KeyRecord = {
      id: newId(),
      workspace,
      name: input.name,
      scopes: [...input.scopes].sort() as KeyScope[],
      keyHash: hashSecret(secret),
      createdAt: new Date(this.now()).toISOString(),
      lastUsedAt: null,
    };
    await this.db.write((sql) =>
      sql.run(q.insertKey, {
        id: record.id,
        workspace,
        name: record.name,
        scopes: record.scopes.join(','),
        keyHash: record.keyHash,
      }),
    );
    this.keys.set(record.keyHash, record);
    return { id: record.id, key: secret };
  }

  async revokeKey(workspace: string, id: string): Promise<KeyRecord> {
    const key = this.keyById(id);
    if (!key || key.workspace !== workspace) {
      throw faults.notFound(
        `Key "${id}" of workspace "${workspace}"`,
        `GET /api/v1/workspaces/${workspace}/keys lists them.`,
      );
    }
    await this.db.write((sql) =>
      sql.transaction(async () => {
        await sql.run(q.deleteKeySessions, { keyId: id });
        await sql.run(q.deleteKey, { workspace, id });
      }),
    );
    this.keys.delete(key.keyHash);
    for (const s of this.sessions.values()) if (s.keyId === id) this.sessions.delete(s.idHash);
    this.closeRevoked();
    return key;
  }

  // —— workspaces ——

  /** Within the workspace's deletion: its members, keys, key sessions and audit entries go with it. */
  async deleteWorkspace(sql: Sql, workspace: string): Promise<void> {
    await sql.run(q.deleteWorkspaceKeySessions, { workspace });
    await sql.run(q.deleteWorkspaceKeys, { workspace });
    await sql.run(q.deleteWorkspaceMembers, { workspace });
    await sql.run(q.deleteWorkspaceAudit, { workspace });
    sql.afterCommit(() => {
      this.roles.delete(workspace);
      const gone = new Set<string>();
      for (const [hash, key] of this.keys) {
        if (key.workspace !== workspace) continue;
        this.keys.delete(hash);
        gone.add(key.id);
      }
      for (const s of this.sessions.values())
        if (s.keyId && gone.has(s.keyId)) this.sessions.delete(s.idHash);
      this.closeRevoked();
    });
  }

  // —— helpers ——

  userByEmail(email: string): UserRecord | undefined {
    const address = email.trim().toLowerCase();
    for (const user of this.users.values()) if (user.email === address) return user;
    return undefined;
  }

  private keyById(id: string): KeyRecord | undefined {
    for (const key of this.keys.values()) if (key.id === id) return key;
    return undefined;
  }

  private membersOf(workspace: string): Map<string, Role> {
    let members = this.roles.get(workspace);
    if (!members) this.roles.set(workspace, (members = new Map()));
    return members;
  }

  private async createUser(
    email: string,
    name: string,
    password: string,
    owner: boolean,
  ): Promise<UserRecord> {
    const user: UserRecord = { id: newId(), email, name, passwordHash: await hashPassword(password), owner };
    await this.db.write((sql) => sql.run(q.insertUser, { ...user }));
    this.users.set(user.id, user);
    return user;
  }
}

// Verified against when the address is unknown, so that the answer takes as long as for a known one.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
