import { Type, type Static } from 'typebox';
import { IdText } from './text.js';
import { ID_PATTERN } from '../vocabulary.js';

export const WorkspaceId = Type.String({
  pattern: ID_PATTERN,
  description: 'workspace id: [a-z0-9][a-z0-9_-]{0,63}',
});
export const WorkspaceParams = Type.Object({ workspace: WorkspaceId });
export type WorkspaceParams = Static<typeof WorkspaceParams>;

export const Brand = Type.Object({
  id: Type.String({ pattern: ID_PATTERN }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  own: Type.Boolean({ description: 'true for the workspace’s own brand; exactly one brand is own' }),
});
export type Brand = Static<typeof Brand>;

export const WorkspaceInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  timezone: Type.Optional(IdText({ description: 'IANA time zone name, default UTC', default: 'UTC' })),
  brands: Type.Array(Brand, { minItems: 1, maxItems: 200 }),
});
export type WorkspaceInput = Static<typeof WorkspaceInput>;

export const Workspace = Type.Object({
  id: WorkspaceId,
  name: Type.String(),
  timezone: Type.String(),
  brands: Type.Array(Brand, {
    description: 'the competitive set: brands dropped from it keep their history',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Workspace = Static<typeof Workspace>;

export const WorkspaceList = Type.Object({ rows: Type.Array(Workspace) });
export type WorkspaceList = Static<typeof WorkspaceList>;
