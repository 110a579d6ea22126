import { Type, type Static } from 'typebox';
import { ListText } from './text.js';

export const INGEST_CONTENT_TYPES = [
  'application/json',
  'application/x-ndjson',
  'text/csv',
  'application/vnd.apache.arrow.stream',
] as const;

/** Content-Encoding values an ingest body may carry (identity: none). */
export const CONTENT_ENCODINGS = ['gzip', 'deflate', 'br', 'zstd'] as const;

export const EVENT_FIELDS = ['ts', 'brand', 'touchpoint', 'source', 'metric', 'value'] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

/** Brand, touchpoint, source and metric ids have at most this many characters. */
export const MAX_ID_LENGTH = 64;
/**
 * The largest magnitude of a value: sums of values in a bucket stay finite (and counters exact
 * up to 2^53 over billions of rows), so no stored number ever turns into an overflow.
 */
export const MAX_ABS_VALUE = 1e15;

export const ROW_ERROR_CODES = [
  'missing_field',
  'invalid_type',
  'too_long',
  'invalid_dictionary_index',
  'invalid_ts',
  'ts_out_of_range',
  'unknown_brand',
  'unknown_touchpoint',
  'invalid_source',
  'unknown_metric',
  'metric_not_valid_for_touchpoint',
  'invalid_value',
  'value_out_of_range',
  'outside_replace_scope',
] as const;
export type RowErrorCode = (typeof ROW_ERROR_CODES)[number];

export const RowError = Type.Object({
  row: Type.Integer({ description: '0-based index of the record in the request' }),
  field: Type.String(),
  code: Type.String({ description: ROW_ERROR_CODES.join(', ') }),
  message: Type.String(),
});
export type RowError = Static<typeof RowError>;

export const IngestResult = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  errors: Type.Array(RowError, { description: 'first problem of each rejected row, at most 100 listed' }),
  asOf: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'the commit that stored these rows, as live messages stamp it: a delta or snapshot whose asOf is at or after it includes them',
    }),
  ),
});
export type IngestResult = Static<typeof IngestResult>;

export const IngestQuery = Type.Object({
  replace: Type.Optional(
    Type.Boolean({ description: 'replace the matching rows in [from, to) by the body' }),
  ),
  source: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,64}$' })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  brand: Type.Optional(ListText({ description: 'comma-separated brand ids' })),
  metric: Type.Optional(ListText({ description: 'comma-separated metric ids' })),
});
export type IngestQuery = Static<typeof IngestQuery>;
