import type { FastifyBaseLogger } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { ApiError } from '../errors.js';

// JSON the hub stored (definitions, layouts, alerts …) is checked when read back, against the
// schema the API checked it with: a row damaged on disk or edited by hand is never used as if whole.

/** Where a stored value lives, for messages: its table, what it is, whose it is. */
export interface StoredAt {
  table: string;
  what: string;
  workspace?: string;
  id?: string;
}

// Fastify checks API bodies with Ajv and ajv-formats, whose date-time takes what TypeBox's own
// format refuses (an offset without a colon, +0100): whatever the API took must pass here too. So
// date-time is checked with Ajv's syntax (its calendar ranges left to the code reading the value),
// and no other format is checked again.
const API_DATE_TIME =
  '^\\d{4}-\\d{2}-\\d{2}[Tt\\s]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}(:?\\d{2})?)$';

function asTheApiChecks(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(asTheApiChecks);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  let dateTime = false;
  for (const [key, value] of Object.entries(schema)) {
    // A string: the keyword (a property named "format" holds a schema, an object).
    if (key === 'format' && typeof value === 'string') dateTime ||= value === 'date-time';
    else out[key] = asTheApiChecks(value);
  }
  if (dateTime) out.allOf = [...((out.allOf as unknown[] | undefined) ?? []), { pattern: API_DATE_TIME }];
  return out;
}

const validators = new Map<TSchema, ReturnType<typeof Compile>>();

function validator(schema: TSchema) {
  let compiled = validators.get(schema);
  if (!compiled) validators.set(schema, (compiled = Compile(asTheApiChecks(schema) as TSchema)));
  return compiled;
}

/** The value of stored JSON text if it matches `schema`, or what is wrong with it. */
export function parseStored<S extends TSchema>(
  schema: S,
  text: string,
): { value: Static<S> } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `it is not JSON (${(error as Error).message})` };
  }
  const check = validator(schema);
  if (check.Check(value)) return { value: value as Static<S> };
  // The deepest error: in a union (a formula node, a period) it is the branch that nearly fit.
  const depth = (path: string) => path.split('/').length;
  let error: { instancePath: string; message: string } | undefined;
  for (const e of check.Errors(value))
    if (!error || depth(e.instancePath) > depth(error.instancePath)) error = e;
  return {
    problem: error ? `${error.instancePath || '/'} ${error.message}` : 'it does not match its schema',
  };
}

const named = (at: StoredAt) =>
  `${at.what}${at.id === undefined ? '' : ` "${at.id}"`}${at.workspace === undefined ? '' : ` of workspace "${at.workspace}"`}`;

/**
 * The stored value, or undefined after a warning that names the row: for a row the hub does
 * without (one KPI, objective, metric or alert less) rather than refuse to work.
 */
export function storedOrSkip<S extends TSchema>(
  log: FastifyBaseLogger,
  schema: S,
  text: string,
  at: StoredAt,
): Static<S> | undefined {
  const read = parseStored(schema, text);
  if ('value' in read) return read.value;
  log.warn(
    { table: at.table, workspace: at.workspace, id: at.id, problem: read.problem },
    `the stored ${named(at)} (table ${at.table}) is unreadable and left out: ${read.problem}`,
  );
  return undefined;
}

/**
 * The stored value, or an error that names the row and how to replace it: for a value nothing can
 * stand in for without changing what the user sees (weights, a layout, a replayed answer).
 */
export function storedOrFail<S extends TSchema>(
  schema: S,
  text: string,
  at: StoredAt,
  hint: string,
): Static<S> {
  const read = parseStored(schema, text);
  if ('value' in read) return read.value;
  throw new ApiError(
    500,
    'stored_data_invalid',
    `The stored ${named(at)} (table ${at.table}) cannot be read: ${read.problem}.`,
    hint,
  );
}
