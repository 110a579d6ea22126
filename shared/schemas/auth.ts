import { Type, type Static } from 'typebox';
import { WorkspaceId } from './workspaces.js';

// People, their roles in workspaces, producer keys and the audit log: the API's words, which the
// web app reads too.

export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('analyst'), Type.Literal('admin')], {
  description:
    'viewer: reads everything; analyst: viewer + alerts, objectives, custom KPIs, weights, wall layout; admin: analyst + workspace, brands, metrics, events, corrections, quarantine, members, keys',
});
export type Role = Static<typeof Role>;

export const KEY_SCOPES = ['ingest', 'read'] as const;
export const KeyScope = Type.Union([Type.Literal('ingest'), Type.Literal('read')], {
  description: 'ingest: posts events to its workspace; read: reads like a viewer',
});
export type KeyScope = Static<typeof KeyScope>;

// Dotless domains (admin@localhost) are addresses too.
export const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  pattern: '^[^\\s@]+@[^\\s@]+$',
  description: 'e-mail address (lower-cased)',
});

export const Password = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'at least 12 characters, not the e-mail address',
});

export const LoginInput = Type.Object({ email: Email, password: Password });
export type LoginInput = Static<typeof LoginInput>;

export const KeySessionInput = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 200, description: 'a read key (cvk_…)' }),
});
export type KeySessionInput = Static<typeof KeySessionInput>;

export const User = Type.Object({
  email: Email,
  name: Type.String(),
  owner: Type.Boolean({ description: 'the hub’s owner: creates workspaces, admin of all' }),
});
export type User = Static<typeof User>;

export const WorkspaceRole = Type.Object({
  id: WorkspaceId,
  name: Type.String(),
  role: Role,
});
export type WorkspaceRole = Static<typeof WorkspaceRole>;

export const Me = Type.Object({
  user: Type.Union([User, Type.Null()], { description: 'null for a screen signed in with a key' }),
  key: Type.Union(
    [Type.Object({ id: Type.String(), name: Type.String(), scopes: Type.Array(KeyScope) }), Type.Null()],
    { description: 'the key of a screen signed in with one; null for a person' },
  ),
  workspaces: Type.Array(WorkspaceRole, { description: 'the workspaces this caller sees, with its role' }),
});
export type Me = Static<typeof Me>;

export const LoginAnswer = Type.Object({
  token: Type.String({
    description: 'the session, for scripts: Authorization: Bearer <token>; ends with the session',
  }),
  user: User,
});
export type LoginAnswer = Static<typeof LoginAnswer>;

export const PasswordInput = Type.Object({ current: Password, next: Password });
export type PasswordInput = Static<typeof PasswordInput>;

export const MemberParams = Type.Object({ workspace: WorkspaceId, email: Email });
export type MemberParams = Static<typeof MemberParams>;

export const MemberInput = Type.Object({
  role: Role,
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  password: Type.Optional(Password),
});
export type MemberInput = Static<typeof MemberInput>;

export const Member = Type.Object({
  email: Email,
  name: Type.String(),
  role: Role,
  password: Type.Optional(
    Type.String({ description: 'generated for a new person when none was given; shown this once' }),
  ),
});
export type Member = Static<typeof Member>;

export const MemberList = Type.Object({ rows: Type.Array(Member) });
export type MemberList = Static<typeof MemberList>;

export const KeyInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  scopes: Type.Array(KeyScope, { minItems: 1, maxItems: 2, uniqueItems: true }),
});
export type KeyInput = Static<typeof KeyInput>;

export const KeyCreated = Type.Object({
  id: Type.String(),
  key: Type.String({ description: 'the secret (cvk_…), shown this once: keep it' }),
});
export type KeyCreated = Static<typeof KeyCreated>;

export const KeyInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(KeyScope),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type KeyInfo = Static<typeof KeyInfo>;

export const KeyList = Type.Object({ rows: Type.Array(KeyInfo) });
export type KeyList = Static<typeof KeyList>;

export const KeyParams = Type.Object({
  workspace: WorkspaceId,
  id: Type.String({ pattern: '^[a-z0-9]{1,64}$' }),
});
export type KeyParams = Static<typeof KeyParams>;

export const AuditEntry = Type.Object({
  at: Type.String({ format: 'date-time' }),
  actor: Type.String({ description: 'the e-mail of a person, or key:<name>' }),
  action: Type.String({ description: 'dotted name: workspace.put, member.put, key.create, …' }),
  target: Type.String({ description: 'what was changed (an id, an e-mail), or empty' }),
  summary: Type.String(),
  ip: Type.String(),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object({
  before: Type.Optional(Type.String({ description: 'the `next` of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditList = Type.Object({
  rows: Type.Array(AuditEntry),
  next: Type.Union([Type.String(), Type.Null()], { description: 'pass as `before` for older entries' }),
});
export type AuditList = Static<typeof AuditList>;
