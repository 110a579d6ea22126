import type { KeyScope, Role } from '../../shared/schemas/auth.js';
import { DomainError } from '../errors.js';

// Who may do what. A route names the least it needs (`config.access`); the guard checks it in
// onRequest, before the body is read.

/**
 * public: anyone; signed-in: any valid credential able to read (an ingest-only key is not);
 * person: a signed-in person (not a key); owner: the hub's owner; the workspace levels need the
 * path's :workspace.
 */
export type Access = 'public' | 'signed-in' | 'person' | 'owner' | 'viewer' | 'analyst' | 'admin' | 'ingest';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  owner: boolean;
}

export interface KeyRecord {
  id: string;
  workspace: string;
  name: string;
  scopes: KeyScope[];
  keyHash: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface SessionRecord {
  idHash: string;
  userId: string | null;
  keyId: string | null;
  createdAt: number;
  lastSeenAt: number;
}

/** Who is calling, and with what: a person (by session) or a key (as bearer, or by a key session). */
export interface Principal {
  user?: UserRecord;
  key?: KeyRecord;
  session?: SessionRecord;
  via: 'cookie' | 'bearer';
}

export const actorOf = (p: Principal) => (p.user ? p.user.email : `key:${p.key!.name}`);

const RANK: Record<Role, number> = { viewer: 1, analyst: 2, admin: 3 };

export const atLeast = (role: Role, needed: Role) => RANK[role] >= RANK[needed];

export const unauthenticated = (message = 'You are not signed in, or your session has ended.') =>
  new DomainError(
    'unauthenticated',
    'unauthenticated',
    message,
    'Sign in again (POST /api/v1/auth/login, or the sign-in page); scripts send Authorization: Bearer <token or key>.',
  );

export const forbidden = (message: string, hint: string) =>
  new DomainError('forbidden', 'forbidden', message, hint);

/** Said for a workspace that does not exist and for one the caller may not see alike. */
export const invisibleWorkspace = (workspace: string) =>
  new DomainError(
    'not_found',
    'unknown_workspace',
    `Workspace "${workspace}" does not exist.`,
    'GET /api/v1/workspaces lists the workspaces you can see; an admin of a workspace can add you to it.',
  );

const NEEDED_ROLE: Partial<Record<Access, Role>> = { viewer: 'viewer', analyst: 'analyst', admin: 'admin' };

/**
 * Whether `principal`, with `role` in the workspace (undefined: not a member), may use an
 * operation that needs `access` there; throws the refusal otherwise.
 */
export function authorize(principal: Principal, workspace: string, role: Role | undefined, access: Access) {
  const key = principal.key;
  if (key) {
    if (key.workspace !== workspace) throw invisibleWorkspace(workspace);
    const scope: KeyScope = access === 'ingest' ? 'ingest' : 'read';
    if (access !== 'ingest' && access !== 'viewer') {
      throw forbidden(
        `Key "${key.name}" can ${key.scopes.join(' and ')}; this operation needs a person with the ${NEEDED_ROLE[access] ?? 'admin'} role.`,
        'Sign in as a member with that role; keys post events (ingest) or read (read) only.',
      );
    }
    if (!key.scopes.includes(scope)) {
      throw forbidden(
        `Key "${key.name}" has the scope ${key.scopes.join(', ')}; this operation needs ${scope}.`,
        `Create a key with the ${scope} scope (POST /api/v1/workspaces/${workspace}/keys).`,
      );
    }
    return;
  }
  if (!role) throw invisibleWorkspace(workspace);
  const needed = NEEDED_ROLE[access] ?? 'admin';
  if (!atLeast(role, needed)) {
    throw forbidden(
      `Your role in workspace "${workspace}" is ${role}; this needs ${needed}.`,
      `Ask an admin of "${workspace}" to change your role.`,
    );
  }
}
