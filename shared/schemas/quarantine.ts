import { Type, type Static } from 'typebox';

export const QuarantineQuery = Type.Object({
  reason: Type.Optional(Type.String({ description: 'a row error code', maxLength: 64 })),
  limit: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 100,
    description: 'at most this many rows; a page also stops before 4 MB of text (follow nextCursor)',
  }),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page', maxLength: 20 })),
});
export type QuarantineQuery = Static<typeof QuarantineQuery>;

export const QuarantineRow = Type.Object({
  id: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  field: Type.String(),
  message: Type.String(),
  format: Type.String(),
  raw: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: 'the row as it was sent; null when it was longer than 4 KB (see rawText)',
  }),
  rawText: Type.String({ description: 'the row as it was sent, as JSON text: its first 4 KB when cut' }),
  cut: Type.Boolean({ description: 'the row was longer than 4 KB: rawText holds its beginning' }),
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
  reason: Type.Optional(Type.String({ description: 'only rows rejected for this reason', maxLength: 64 })),
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
