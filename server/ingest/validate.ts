import {
  type EventField,
  MAX_ABS_VALUE,
  MAX_ID_LENGTH,
  type RowError,
  type RowErrorCode,
} from '../../shared/schemas/ingest.js';
import {
  isMetricValidFor,
  isTouchpoint,
  SOURCE_PATTERN,
  TOUCHPOINTS,
  type Touchpoint,
} from '../../shared/vocabulary.js';
import type { SeriesKey } from '../rollups/service.js';
import { metricOf, type WorkspaceState } from '../workspaces/service.js';
import {
  BAD_INDEX,
  type DecodedBatch,
  MISSING,
  NumProblem,
  TOO_LONG,
  STRING_FIELDS,
  type StringField,
  yieldToLoop,
} from './batch.js';

/** Large batches are checked in slices of 32 k rows so the event loop keeps turning. */
const YIELD_MASK = 0x7fff;
/** The range of a JavaScript Date (and well inside DuckDB's TIMESTAMP): ±100 000 000 days. */
const MAX_DATE_MS = 8.64e15;

export interface Bounds {
  minMs: number;
  maxMs: number;
}

/** A correction: the body replaces the rows matching this scope in [fromMs, toMs). */
export interface ReplaceScope {
  source: string;
  fromMs: number;
  toMs: number;
  brands?: string[];
  metrics?: string[];
}

/** Accepted rows in the shape the writer appends: one series-key index per row. */
export interface AcceptedRows {
  length: number;
  keys: SeriesKey[];
  keyIndex: Int32Array;
  ts: Float64Array;
  value: Float64Array;
}

export interface Validated {
  accepted: AcceptedRows;
  /** Every rejected row with its first problem, in row order. */
  rejected: RowError[];
  /** Sources named (validly) by rejected rows: they are not silent, their rows are refused. */
  rejectedSources: string[];
}

type Verdict = { code: RowErrorCode; message: string } | null;

/** Checks each distinct string once, then every row by table look-ups. */
export async function validate(
  batch: DecodedBatch,
  workspace: WorkspaceState,
  bounds: Bounds,
  scope?: ReplaceScope,
): Promise<Validated> {
  const brandIds = new Set(workspace.brands.map((b) => b.id));
  const verdicts: Record<StringField, Verdict[]> = {
    brand: batch.strings.brand.values.map((brand) =>
      !brandIds.has(brand)
        ? {
            code: 'unknown_brand',
            message: `brand "${brand}" is not in workspace "${workspace.id}" (its set: ${[...brandIds].join(', ')}).`,
          }
        : scope?.brands && !scope.brands.includes(brand)
          ? outside(`brand "${brand}" is not among the replaced brands (${scope.brands.join(', ')}).`)
          : null,
    ),
    touchpoint: batch.strings.touchpoint.values.map((tp) =>
      isTouchpoint(tp)
        ? null
        : {
            code: 'unknown_touchpoint',
            message: `touchpoint "${tp}" is not one of ${TOUCHPOINTS.join(', ')}.`,
          },
    ),
    source: batch.strings.source.values.map((source) =>
      !SOURCE_PATTERN.test(source)
        ? { code: 'invalid_source', message: `source "${source}" must match [a-z0-9_-]{1,64}.` }
        : scope && source !== scope.source
          ? outside(`source "${source}" is not the replaced source "${scope.source}".`)
          : null,
    ),
    metric: batch.strings.metric.values.map((metric) =>
      !metricOf(workspace, metric)
        ? {
            code: 'unknown_metric',
            message: `metric "${metric}" is not in the vocabulary (GET /api/v1/vocabulary lists the metrics of each touchpoint).`,
          }
        : scope?.metrics && !scope.metrics.includes(metric)
          ? outside(`metric "${metric}" is not among the replaced metrics (${scope.metrics.join(', ')}).`)
          : null,
    ),
  };
  const tpValues = batch.strings.touchpoint.values;
  const metricValues = batch.strings.metric.values;

  /** The first problem of a row's strings, in field order (null: none). */
  const checkStrings = (row: number): { field: StringField; code: RowErrorCode; message: string } | null => {
    for (const field of STRING_FIELDS) {
      const code = batch.strings[field].codes[row]!;
      if (code < 0) return { field, ...decodeProblem(batch, row, field, code) };
      const verdict = verdicts[field][code];
      if (verdict) return { field, ...verdict };
    }
    const t = batch.strings.touchpoint.codes[row]!;
    const m = batch.strings.metric.codes[row]!;
    const metric = metricOf(workspace, metricValues[m]!)!;
    const tp = tpValues[t] as Touchpoint;
    return isMetricValidFor(metric, tp)
      ? null
      : {
          field: 'metric',
          code: 'metric_not_valid_for_touchpoint',
          message: `metric "${metric.id}" is not valid for touchpoint "${tp}" (it belongs to ${metric.touchpoints.join(', ')}).`,
        };
  };

  const { brand, touchpoint, source, metric } = batch.strings;
  const nt = touchpoint.values.length;
  const ns = source.values.length;
  const nm = metric.values.length;
  // Rows are judged once per combination of their four strings (usually a few hundred per batch);
  // the combination code is exact while the product of the dictionary sizes stays below 2^53.
  const combosExact = brand.values.length * nt * ns * nm < Number.MAX_SAFE_INTEGER;
  const comboVerdicts = new Map<number | string, ReturnType<typeof checkStrings>>();
  const comboKeys = new Map<number | string, number>();
  const keys: SeriesKey[] = [];
  const keyIndex = new Int32Array(batch.length);
  const acceptedTs = new Float64Array(batch.length);
  const acceptedValue = new Float64Array(batch.length);
  let accepted = 0;

  const rejected: RowError[] = [];
  const rejectedSources = new Set<number>();
  const reject = (row: number, field: EventField, code: RowErrorCode, message: string) => {
    rejected.push({ row, field, code, message });
    const s = source.codes[row]!;
    if (s >= 0) rejectedSources.add(s);
  };

  for (let row = 0; row < batch.length; row++) {
    if ((row & YIELD_MASK) === YIELD_MASK) await yieldToLoop();
    const tsVerdict = checkTs(batch, row, bounds, scope);
    if (tsVerdict) {
      reject(row, 'ts', tsVerdict.code, tsVerdict.message);
      continue;
    }
    const ts = batch.ts[row]!;
    const b = brand.codes[row]!;
    const t = touchpoint.codes[row]!;
    const s = source.codes[row]!;
    const m = metric.codes[row]!;
    let verdict: ReturnType<typeof checkStrings>;
    let combo: number | string = -1;
    if (b < 0 || t < 0 || s < 0 || m < 0) verdict = checkStrings(row);
    else {
      combo = combosExact ? ((b * nt + t) * ns + s) * nm + m : `${b},${t},${s},${m}`;
      verdict = comboVerdicts.get(combo) as ReturnType<typeof checkStrings>;
      if (verdict === undefined) {
        verdict = checkStrings(row);
        comboVerdicts.set(combo, verdict);
      }
    }
    if (verdict) {
      reject(row, verdict.field, verdict.code, verdict.message);
      continue;
    }
    const valueVerdict = checkValue(batch, row);
    if (valueVerdict) {
      reject(row, 'value', valueVerdict.code, valueVerdict.message);
      continue;
    }
    let k = comboKeys.get(combo);
    if (k === undefined) {
      k = keys.length;
      comboKeys.set(combo, k);
      keys.push({
        brand: brand.values[b]!,
        touchpoint: touchpoint.values[t]!,
        source: source.values[s]!,
        metric: metric.values[m]!,
      });
    }
    keyIndex[accepted] = k;
    acceptedTs[accepted] = ts;
    acceptedValue[accepted] = batch.value[row]!;
    accepted++;
  }
  return {
    accepted: {
      length: accepted,
      keys,
      keyIndex: keyIndex.subarray(0, accepted),
      ts: acceptedTs.subarray(0, accepted),
      value: acceptedValue.subarray(0, accepted),
    },
    rejected,
    rejectedSources: [...rejectedSources].map((s) => source.values[s]!).filter((s) => SOURCE_PATTERN.test(s)),
  };
}

/** A row's time: its problem found while decoding, or out of any date, of the bounds, of the scope. */
function checkTs(batch: DecodedBatch, row: number, bounds: Bounds, scope?: ReplaceScope): Verdict {
  switch (batch.tsProblem[row]) {
    case NumProblem.Missing:
      return { code: 'missing_field', message: '"ts" is missing.' };
    case NumProblem.BadIndex:
      return { code: 'invalid_dictionary_index', message: badIndex(batch, row, 'ts') };
    case NumProblem.Invalid:
      return {
        code: 'invalid_ts',
        message: `"ts" ${batch.describe(row, 'ts')} is not ISO 8601 with an offset or Z, nor epoch milliseconds.`,
      };
  }
  const ts = batch.ts[row]!;
  if (!(Math.abs(ts) <= MAX_DATE_MS)) {
    return {
      code: 'invalid_ts',
      message: `"ts" ${batch.describe(row, 'ts')} lies beyond any date (epoch milliseconds must lie within ±8.64e15; check its unit).`,
    };
  }
  if (ts < bounds.minMs || ts > bounds.maxMs) {
    return {
      code: 'ts_out_of_range',
      message: `"ts" ${new Date(ts).toISOString()} is outside ${new Date(bounds.minMs).toISOString()} .. ${new Date(bounds.maxMs).toISOString()}.`,
    };
  }
  if (scope && (ts < scope.fromMs || ts >= scope.toMs)) {
    return outside(`"ts" ${new Date(ts).toISOString()} is outside the replaced window.`);
  }
  return null;
}

/** A row's value: its problem found while decoding, or a magnitude no sum could hold. */
function checkValue(batch: DecodedBatch, row: number): Verdict {
  switch (batch.valueProblem[row]) {
    case NumProblem.Missing:
      return { code: 'missing_field', message: '"value" is missing.' };
    case NumProblem.BadIndex:
      return { code: 'invalid_dictionary_index', message: badIndex(batch, row, 'value') };
    case NumProblem.Invalid:
      return {
        code: 'invalid_value',
        message: `"value" ${batch.describe(row, 'value')} is not a finite number.`,
      };
    case NumProblem.Inexact:
      return {
        code: 'invalid_value',
        message: `"value" ${batch.describe(row, 'value')} is an integer beyond 2^53 that a 64-bit float cannot hold exactly; send it as a float if rounding is acceptable.`,
      };
  }
  if (!(Math.abs(batch.value[row]!) <= MAX_ABS_VALUE)) {
    return {
      code: 'value_out_of_range',
      message: `"value" ${batch.describe(row, 'value')} is beyond ±1e15, the largest magnitude a value may have (sums of larger values would overflow).`,
    };
  }
  return null;
}

/** A string field's problem found while decoding (its code is below zero). */
function decodeProblem(
  batch: DecodedBatch,
  row: number,
  field: StringField,
  code: number,
): { code: RowErrorCode; message: string } {
  switch (code) {
    case MISSING:
      return { code: 'missing_field', message: `"${field}" is missing.` };
    case TOO_LONG:
      return {
        code: 'too_long',
        message: `"${field}" ${batch.describe(row, field)} is longer than ${MAX_ID_LENGTH} characters, the longest an id may be.`,
      };
    case BAD_INDEX:
      return { code: 'invalid_dictionary_index', message: badIndex(batch, row, field) };
    default:
      return {
        code: 'invalid_type',
        message: `"${field}" must be a string, not ${batch.describe(row, field)}.`,
      };
  }
}

const badIndex = (batch: DecodedBatch, row: number, field: EventField) =>
  `"${field}" is ${batch.describe(row, field)}, outside its dictionary: the producer's Arrow writer sent a broken column.`;

function outside(message: string): { code: RowErrorCode; message: string } {
  return {
    code: 'outside_replace_scope',
    message: `${message} A correction only stores rows inside its scope.`,
  };
}
