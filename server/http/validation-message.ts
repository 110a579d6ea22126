import type { FastifySchemaValidationError } from 'fastify';

// Ajv reports a bad `unit` (a union of six literals) as six "must be equal to constant" and one
// "must match a schema in anyOf". A person needs one sentence per field: its name, what was sent,
// and what is accepted, read from the route's schema at the place Ajv points to.

type Schema = Record<string, unknown>;

/** Where the failing data came from, as Fastify names it (`validationContext`). */
export interface ValidationSource {
  part: string;
  /** The route's schema for that part, as given to Fastify. */
  schema: unknown;
  /** What was received (coerced where Ajv could). */
  data: unknown;
}

/** How a client names the parts of a request. */
const PART_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
};

/** Keywords whose failure is explained by what the failing schema accepts. */
const VALUE_KEYWORDS = new Set([
  'type',
  'const',
  'enum',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
]);

const UNIONS = new Set(['anyOf', 'oneOf']);

/** One sentence per field that failed, in the order Ajv found them. */
export function validationMessage(errors: FastifySchemaValidationError[], source: ValidationSource): string {
  const byField = new Map<string, string>();
  for (const problem of explain(errors, source)) {
    if (!byField.has(problem.pointer)) byField.set(problem.pointer, problem.text);
  }
  return [...byField.values()].join(' ');
}

interface Problem {
  /** JSON pointer of the field, in the request part. */
  pointer: string;
  text: string;
}

function explain(errors: FastifySchemaValidationError[], source: ValidationSource): Problem[] {
  const within = (error: FastifySchemaValidationError, union: FastifySchemaValidationError) =>
    error !== union && error.schemaPath.startsWith(`${union.schemaPath}/`);
  const unions = errors.filter((e) => UNIONS.has(e.keyword));
  const outer = unions.filter((u) => !unions.some((o) => within(u, o)));
  const problems: Problem[] = [];
  for (const error of errors) {
    if (outer.includes(error)) {
      problems.push(
        ...explainUnion(
          error,
          errors.filter((e) => within(e, error)),
          source,
        ),
      );
    } else if (!outer.some((u) => within(error, u))) {
      problems.push(explainOne(error, source));
    }
  }
  return problems;
}

/**
 * A value no branch of a union accepts. When a branch got further into the value than the union's
 * own level (an object whose one field is wrong), that branch's complaint is the useful one;
 * otherwise (a literal outside the list, a wrong type) the union itself says what is accepted.
 */
function explainUnion(
  union: FastifySchemaValidationError,
  inner: FastifySchemaValidationError[],
  source: ValidationSource,
): Problem[] {
  const branches = new Map<string, FastifySchemaValidationError[]>();
  for (const error of inner) {
    const branch = error.schemaPath.slice(union.schemaPath.length + 1).split('/')[0]!;
    branches.set(branch, [...(branches.get(branch) ?? []), error]);
  }
  const depth = (errors: FastifySchemaValidationError[]) =>
    Math.max(...errors.map((e) => e.instancePath.split('/').length));
  let best: FastifySchemaValidationError[] | undefined;
  for (const errors of branches.values()) {
    const deeper = best ? depth(errors) - depth(best) : depth(errors) - depth([union]);
    if (deeper > 0 || (best && deeper === 0 && errors.length < best.length)) best = errors;
  }
  if (best) return explain(best, source);
  return [valueProblem(union.instancePath, parentPath(union.schemaPath), source, union)];
}

function explainOne(error: FastifySchemaValidationError, source: ValidationSource): Problem {
  const at = parentPath(error.schemaPath);
  if (error.keyword === 'required') {
    const name = String(error.params.missingProperty);
    const pointer = `${error.instancePath}/${escapePointer(name)}`;
    const property = propertiesOf(resolve(source.schema, at))[name];
    return {
      pointer,
      text: `${fieldName(source.part, pointer)} is missing${property ? `: it must be ${accepted(property)}` : ''}.`,
    };
  }
  if (error.keyword === 'additionalProperties') {
    const name = String(error.params.additionalProperty);
    const pointer = `${error.instancePath}/${escapePointer(name)}`;
    const fields = Object.keys(propertiesOf(resolve(source.schema, at)));
    return {
      pointer,
      text: `${fieldName(source.part, pointer)} (got ${show(lookup(source.data, pointer))}) is not a field here${fields.length > 0 ? `: the fields are ${alternatives(fields, 'and')}` : ''}.`,
    };
  }
  return valueProblem(error.instancePath, at, source, error);
}

function valueProblem(
  pointer: string,
  schemaPath: string,
  source: ValidationSource,
  error: FastifySchemaValidationError,
): Problem {
  const schema = resolve(source.schema, schemaPath);
  const rule =
    schema && (VALUE_KEYWORDS.has(error.keyword) || UNIONS.has(error.keyword))
      ? `must be ${accepted(schema)}`
      : (error.message ?? 'is not accepted');
  return {
    pointer,
    text: `${fieldName(source.part, pointer)} ${rule}; got ${show(lookup(source.data, pointer), error.keyword)}.`,
  };
}

/** What a schema accepts, in words: `one of "hour", "day"`, `an integer from 1 to 1000` … */
export function accepted(schema: Schema): string {
  if ('const' in schema) return show(schema.const);
  if (Array.isArray(schema.enum)) return oneOf(schema.enum);
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(union)) {
    const literals = union.flatMap((b) => ('const' in b ? [b.const] : Array.isArray(b.enum) ? b.enum : []));
    const allLiterals = union.every((b) => 'const' in b || Array.isArray(b.enum));
    if (allLiterals) return oneOf(literals);
    return alternatives([...new Set(union.map(accepted))], 'or');
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf as Schema[];
    if (parts.every((p) => p.type === 'object')) {
      return accepted({
        type: 'object',
        properties: Object.assign({}, ...parts.map(propertiesOf)),
        required: parts.flatMap((p) => (Array.isArray(p.required) ? p.required : [])),
      });
    }
    return parts.map(accepted).join(' and ');
  }
  switch (schema.type) {
    case 'string':
      return string(schema);
    case 'number':
      return `a number${range(schema)}`;
    case 'integer':
      return `an integer${range(schema)}`;
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array':
      return `a list${count(schema.minItems, schema.maxItems, 'item')}${
        isSchema(schema.items) ? `, each ${accepted(schema.items)}` : ''
      }`;
    case 'object':
      return object(schema);
    default:
      return 'a valid value';
  }
}

function string(schema: Schema): string {
  const base =
    schema.format === 'date-time'
      ? 'an ISO 8601 date-time such as 2026-03-10T10:00:00Z'
      : typeof schema.format === 'string'
        ? `a string in ${schema.format} format`
        : 'a string';
  const pattern = typeof schema.pattern === 'string' ? ` matching ${schema.pattern}` : '';
  return `${base}${count(schema.minLength, schema.maxLength, 'character')}${pattern}`;
}

function range(schema: Schema): string {
  const low =
    typeof schema.minimum === 'number'
      ? { text: String(schema.minimum), open: false }
      : typeof schema.exclusiveMinimum === 'number'
        ? { text: String(schema.exclusiveMinimum), open: true }
        : undefined;
  const high =
    typeof schema.maximum === 'number'
      ? { text: String(schema.maximum), open: false }
      : typeof schema.exclusiveMaximum === 'number'
        ? { text: String(schema.exclusiveMaximum), open: true }
        : undefined;
  if (low && high && !low.open && !high.open) return ` from ${low.text} to ${high.text}`;
  const words = [
    low && (low.open ? `greater than ${low.text}` : `of at least ${low.text}`),
    high && (high.open ? `less than ${high.text}` : `of at most ${high.text}`),
  ].filter(Boolean);
  return words.length > 0 ? ` ${words.join(' and ')}` : '';
}

function object(schema: Schema): string {
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const values = Object.values((schema.patternProperties ?? {}) as Record<string, Schema>)[0];
  const size = count(schema.minProperties, schema.maxProperties, 'entry');
  if (required.length > 0) return `an object with ${alternatives(required, 'and')}${size}`;
  if (values) return `an object${size}, each value ${accepted(values)}`;
  return `an object${size}`;
}

/** ` of 1 to 200 characters`, ` of at most 64 characters`, ` of at least 1 item`. */
function count(min: unknown, max: unknown, unit: string): string {
  const units = (n: number) => (n === 1 ? unit : unit === 'entry' ? 'entries' : `${unit}s`);
  const lo = typeof min === 'number' && min > 0 ? min : undefined;
  const hi = typeof max === 'number' ? max : undefined;
  if (lo !== undefined && hi !== undefined) return ` of ${lo} to ${hi} ${units(hi)}`;
  if (hi !== undefined) return ` of at most ${hi} ${units(hi)}`;
  if (lo !== undefined) return ` of at least ${lo} ${units(lo)}`;
  return '';
}

/** `a`, `a and b`, `a, b and c`; phrases with commas of their own get `; ` between them. */
function alternatives(phrases: string[], word: 'and' | 'or'): string {
  if (phrases.length <= 1) return phrases.join('');
  const sep = phrases.some((p) => p.includes(',')) ? '; ' : ', ';
  return `${phrases.slice(0, -1).join(sep)}${sep === '; ' ? ';' : ''} ${word} ${phrases.at(-1)}`;
}

function oneOf(values: unknown[]): string {
  return values.length === 1 ? show(values[0]) : `one of ${values.map((v) => show(v)).join(', ')}`;
}

const SHOWN_CHARACTERS = 40;

/** The value received, short enough to echo: long strings are cut, with their length. */
function show(value: unknown, keyword?: string): string {
  if (value === undefined) return 'nothing';
  if ((keyword === 'minItems' || keyword === 'maxItems') && Array.isArray(value)) {
    return `${value.length} item${value.length === 1 ? '' : 's'}`;
  }
  if ((keyword === 'minProperties' || keyword === 'maxProperties') && isSchema(value)) {
    const n = Object.keys(value).length;
    return `${n} ${n === 1 ? 'entry' : 'entries'}`;
  }
  if (typeof value === 'string') {
    return value.length > SHOWN_CHARACTERS
      ? `${JSON.stringify(value.slice(0, SHOWN_CHARACTERS))}… (${value.length} characters)`
      : JSON.stringify(value);
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_CHARACTERS * 2 ? `${text.slice(0, SHOWN_CHARACTERS * 2)}…` : text;
}

/** `/brands/0/name` in the body → `body.brands[0].name`. */
function fieldName(part: string, pointer: string): string {
  let name = PART_NAMES[part] ?? part;
  for (const segment of segments(pointer)) {
    name += /^\d+$/.test(segment)
      ? `[${segment}]`
      : /^[A-Za-z_$][\w$-]*$/.test(segment)
        ? `.${segment}`
        : `[${JSON.stringify(segment)}]`;
  }
  return name;
}

const segments = (pointer: string) =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));

const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

function lookup(data: unknown, pointer: string): unknown {
  let value = data;
  for (const segment of segments(pointer)) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** `#/properties/unit/anyOf/0/const` → `#/properties/unit/anyOf/0`. */
const parentPath = (schemaPath: string) => schemaPath.slice(0, schemaPath.lastIndexOf('/'));

/** The schema at an Ajv schemaPath (URI-encoded JSON pointer segments after `#`). */
function resolve(root: unknown, schemaPath: string): Schema | undefined {
  if (!schemaPath.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of schemaPath.slice(1).split('/').slice(1)) {
    const segment = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return isSchema(node) ? node : undefined;
}

function propertiesOf(schema: Schema | undefined): Record<string, Schema> {
  return isSchema(schema?.properties) ? (schema.properties as Record<string, Schema>) : {};
}

const isSchema = (value: unknown): value is Schema =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
