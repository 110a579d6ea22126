import { Type, type Static } from 'typebox';

export const QuarantineQuery = Type.Object({
  reason: Type.Optional(Type.String({ description: 'a row error code' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
});
export type QuarantineQuery = Static<typeof QuarantineQuery>;

export const QuarantineRow = Type.Object({
  id: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  field: Type.String(),
  message: Type.String(),
  format: Type.String(),
  raw: Type.Record(Type.String(), Type.Unknown(), { description: 'the row as it was sent' }),
});
export type QuarantineRow = Static<typeof QuarantineRow>;

export const QuarantinePage = Type.Object({
  rows: Type.Array(QuarantineRow),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'rows held per reason (all pages)' }),
  total: Type.Integer(),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type QuarantinePage = Static<typeof QuarantinePage>;

export const QuarantineFilter = Type.Object({
  reason: Type.Optional(Type.String({ description: 'only rows rejected for this reason' })),
});
export type QuarantineFilter = Static<typeof QuarantineFilter>;

export const ReplayResult = Type.Object({
  replayed: Type.Integer({ description: 'rows that now pass and were ingested' }),
  stillRejected: Type.Integer(),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'rows still held per reason' }),
});
export type ReplayResult = Static<typeof ReplayResult>;

export const PurgeResult = Type.Object({ purged: Type.Integer() });
export type PurgeResult = Static<typeof PurgeResult>;
