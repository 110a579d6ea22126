import type { EventField, RowError, RowErrorCode } from '../../shared/schemas/ingest.js';
import {
  isMetricValidFor,
  isTouchpoint,
  METRICS_BY_ID,
  SOURCE_PATTERN,
  TOUCHPOINTS,
  type Touchpoint,
} from '../../shared/vocabulary.js';
import type { SeriesKey } from '../rollups/service.js';
import type { WorkspaceState } from '../workspaces/service.js';
import {
  type DecodedBatch,
  MISSING,
  NumProblem,
  STRING_FIELDS,
  type StringField,
  yieldToLoop,
} from './batch.js';

/** Large batches are checked in slices of 32 k rows so the event loop keeps turning. */
const YIELD_MASK = 0x7fff;

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
      !METRICS_BY_ID.has(metric)
        ? {
            code: 'unknown_metric',
            message: `metric "${metric}" is not in the vocabulary (GET /docs lists them).`,
          }
        : scope?.metrics && !scope.metrics.includes(metric)
          ? outside(`metric "${metric}" is not among the replaced metrics (${scope.metrics.join(', ')}).`)
          : null,
    ),
  };
  const pairVerdicts = new Map<number, Verdict>();
  const tpValues = batch.strings.touchpoint.values;
  const metricValues = batch.strings.metric.values;

  const rejected: RowError[] = [];
  const acceptedRows = new Int32Array(batch.length);
  let acceptedCount = 0;
  const reject = (row: number, field: EventField | 'row', code: RowErrorCode, message: string) =>
    rejected.push({ row, field, code, message });

  rows: for (let row = 0; row < batch.length; row++) {
    if ((row & YIELD_MASK) === YIELD_MASK) await yieldToLoop();
    const tsProblem = batch.tsProblem[row];
    if (tsProblem === NumProblem.Missing) {
      reject(row, 'ts', 'missing_field', '"ts" is missing.');
      continue;
    }
    if (tsProblem === NumProblem.Invalid) {
      reject(
        row,
        'ts',
        'invalid_ts',
        `"ts" ${JSON.stringify(batch.raw(row).ts)} is not ISO 8601 with an offset or Z, nor epoch milliseconds.`,
      );
      continue;
    }
    const ts = batch.ts[row]!;
    if (ts < bounds.minMs || ts > bounds.maxMs) {
      reject(
        row,
        'ts',
        'ts_out_of_range',
        `"ts" ${new Date(ts).toISOString()} is outside ${new Date(bounds.minMs).toISOString()} .. ${new Date(bounds.maxMs).toISOString()}.`,
      );
      continue;
    }
    if (scope && (ts < scope.fromMs || ts >= scope.toMs)) {
      const o = outside(`"ts" ${new Date(ts).toISOString()} is outside the replaced window.`);
      reject(row, 'ts', o.code, o.message);
      continue;
    }
    for (const field of STRING_FIELDS) {
      const code = batch.strings[field].codes[row]!;
      if (code < 0) {
        if (code === MISSING) reject(row, field, 'missing_field', `"${field}" is missing.`);
        else reject(row, field, 'invalid_type', `"${field}" must be a string.`);
        continue rows;
      }
      const verdict = verdicts[field][code];
      if (verdict) {
        reject(row, field, verdict.code, verdict.message);
        continue rows;
      }
      if (field === 'metric') {
        const t = batch.strings.touchpoint.codes[row]!;
        const pair = t * metricValues.length + code;
        let pv = pairVerdicts.get(pair);
        if (pv === undefined) {
          const metric = METRICS_BY_ID.get(metricValues[code]!)!;
          const tp = tpValues[t] as Touchpoint;
          pv = isMetricValidFor(metric, tp)
            ? null
            : {
                code: 'metric_not_valid_for_touchpoint',
                message: `metric "${metric.id}" is not valid for touchpoint "${tp}" (it belongs to ${metric.touchpoints.join(', ')}).`,
              };
          pairVerdicts.set(pair, pv);
        }
        if (pv) {
          reject(row, 'metric', pv.code, pv.message);
          continue rows;
        }
      }
    }
    const valueProblem = batch.valueProblem[row];
    if (valueProblem === NumProblem.Missing) {
      reject(row, 'value', 'missing_field', '"value" is missing.');
      continue;
    }
    if (valueProblem === NumProblem.Invalid) {
      reject(
        row,
        'value',
        'invalid_value',
        `"value" ${JSON.stringify(batch.raw(row).value)} is not a finite number.`,
      );
      continue;
    }
    acceptedRows[acceptedCount++] = row;
  }
  return { accepted: await gatherAccepted(batch, acceptedRows.subarray(0, acceptedCount)), rejected };
}

function outside(message: string): { code: RowErrorCode; message: string } {
  return {
    code: 'outside_replace_scope',
    message: `${message} A correction only stores rows inside its scope.`,
  };
}

/** Copies accepted rows into dense columns and numbers their distinct series keys. */
async function gatherAccepted(batch: DecodedBatch, rows: Int32Array): Promise<AcceptedRows> {
  const n = rows.length;
  const { brand, touchpoint, source, metric } = batch.strings;
  const nt = touchpoint.values.length;
  const ns = source.values.length;
  const nm = metric.values.length;
  const keyIds = new Map<number, number>();
  const keys: SeriesKey[] = [];
  const keyIndex = new Int32Array(n);
  const ts = new Float64Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if ((i & YIELD_MASK) === YIELD_MASK) await yieldToLoop();
    const row = rows[i]!;
    const b = brand.codes[row]!;
    const t = touchpoint.codes[row]!;
    const s = source.codes[row]!;
    const m = metric.codes[row]!;
    const combo = ((b * nt + t) * ns + s) * nm + m;
    let k = keyIds.get(combo);
    if (k === undefined) {
      k = keys.length;
      keyIds.set(combo, k);
      keys.push({
        brand: brand.values[b]!,
        touchpoint: touchpoint.values[t]!,
        source: source.values[s]!,
        metric: metric.values[m]!,
      });
    }
    keyIndex[i] = k;
    ts[i] = batch.ts[row]!;
    value[i] = batch.value[row]!;
  }
  return { length: n, keys, keyIndex, ts, value };
}
