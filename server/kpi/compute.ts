import type { KpiDefinition } from '../../shared/kpis.js';
import { formulaMetrics } from '../../shared/kpis.js';
import { aggregatesOf, type FormulaNode } from '../../shared/formula.js';
import type { MetricDefinition, Touchpoint } from '../../shared/vocabulary.js';
import { coverWindow } from '../rollups/cover.js';
import type { RollupService, SeriesKey } from '../rollups/service.js';
import type { Window, ZoneOffsets } from '../../shared/time.js';

export type NullReason = 'no_data' | 'zero_denominator' | 'no_value_before_start';
export interface Value {
  value: number | null;
  reason?: NullReason;
  /** What a ratio divided by (its denominator's total): too little and the value is noise. */
  volume?: number;
}

/** What KPI computations read from the rollups. */
export type RollupReader = Pick<RollupService, 'matchingSeries' | 'seriesKeys' | 'totals' | 'levelsAsOf'>;

/**
 * A reader that fetches totals and levels once per window for every series of the workspace and
 * serves each KPI from that: the DPI scores a whole catalogue over the same two windows.
 */
export function sharedReader(
  rollups: RollupService,
  ws: number,
  isGauge: (metric: string) => boolean,
): RollupReader {
  const all = () => [...rollups.seriesKeys(ws).keys()];
  const gauges = () => [...rollups.seriesKeys(ws)].filter(([, key]) => isGauge(key.metric)).map(([id]) => id);
  const totals = new Map<string, ReturnType<RollupService['totals']>>();
  const levels = new Map<number, ReturnType<RollupService['levelsAsOf']>>();
  const pick = <T>(source: Map<number, T>, ids: number[]) =>
    new Map(ids.flatMap((id) => (source.has(id) ? [[id, source.get(id)!] as const] : [])));
  return {
    matchingSeries: (w, filter) => rollups.matchingSeries(w, filter),
    seriesKeys: (w) => rollups.seriesKeys(w),
    totals: async (w, ids, cover) => {
      const key = JSON.stringify(cover);
      if (!totals.has(key)) totals.set(key, rollups.totals(w, all(), cover));
      return pick(await totals.get(key)!, ids);
    },
    levelsAsOf: async (w, ids, atMs) => {
      if (!levels.has(atMs)) levels.set(atMs, rollups.levelsAsOf(w, gauges(), atMs));
      return pick(await levels.get(atMs)!, ids);
    },
  };
}

export interface Scope {
  ws: number;
  zone: ZoneOffsets;
  brands: string[];
  touchpoints: readonly Touchpoint[];
  sources?: string[];
  /** The workspace's metrics: the shared vocabulary and its own. */
  metric: (id: string) => MetricDefinition | undefined;
}

/** What a formula reads for one window: totals per brand and metric, levels per brand at its bounds. */
export interface Inputs {
  total(brand: string, metric: string): number | undefined;
  levelAtEnd(brand: string): number | undefined;
  levelAtStart(brand: string): number | undefined;
}

const none = (reason: NullReason): Value => ({ value: null, reason });

/** A KPI's value for each brand from its inputs: null with a reason, never a made-up 0. */
export function evaluate(kpi: KpiDefinition, brands: string[], inputs: Inputs): Map<string, Value> {
  const f = kpi.formula;
  const result = new Map<string, Value>();
  const setTotal =
    f.kind === 'share' ? brands.reduce((sum, brand) => sum + (inputs.total(brand, f.metric) ?? 0), 0) : 0;
  for (const brand of brands) {
    let value: Value;
    switch (f.kind) {
      case 'sum': {
        const s = inputs.total(brand, f.metric);
        value = s === undefined ? none('no_data') : { value: s };
        break;
      }
      case 'ratio': {
        const n = inputs.total(brand, f.numerator);
        const d = inputs.total(brand, f.denominator);
        if (n === undefined || d === undefined) value = none('no_data');
        else value = d === 0 ? none('zero_denominator') : { value: n / d, volume: d };
        break;
      }
      case 'share': {
        const s = inputs.total(brand, f.metric);
        if (s === undefined) value = none('no_data');
        else value = setTotal === 0 ? none('zero_denominator') : { value: s / setTotal, volume: setTotal };
        break;
      }
      case 'net': {
        const p = inputs.total(brand, f.positive);
        const n = inputs.total(brand, f.negative);
        const total = (p ?? 0) + (n ?? 0);
        if (p === undefined && n === undefined) value = none('no_data');
        else
          value =
            total === 0 ? none('zero_denominator') : { value: ((p ?? 0) - (n ?? 0)) / total, volume: total };
        break;
      }
      case 'level': {
        const e = inputs.levelAtEnd(brand);
        value = e === undefined ? none('no_data') : { value: e };
        break;
      }
      case 'growth': {
        const e = inputs.levelAtEnd(brand);
        const s = inputs.levelAtStart(brand);
        if (e === undefined) value = none('no_data');
        else value = s === undefined ? none('no_value_before_start') : { value: e - s };
        break;
      }
      case 'dpi':
      case 'custom':
        // Scored from other KPIs (dpi.ts), or evaluated from its own aggregates (computeCustom).
        value = none('no_data');
        break;
    }
    result.set(brand, value);
  }
  return result;
}

/** The series a KPI reads in a scope. */
export function kpiSeries(rollups: RollupReader, kpi: KpiDefinition, scope: Scope): number[] {
  return rollups.matchingSeries(scope.ws, {
    metric: formulaMetrics(kpi.formula),
    brand: scope.brands,
    touchpoint: [...scope.touchpoints],
    source: scope.sources,
  });
}

/** How a level metric combines its sources: followers add up across networks, positions average. */
export function levelCombine(kpi: KpiDefinition, scope: Scope): 'sum' | 'mean' {
  const f = kpi.formula;
  return f.kind === 'level' || f.kind === 'growth' ? (scope.metric(f.metric)?.combine ?? 'sum') : 'sum';
}

/**
 * A KPI for every brand of the set over one window, from the rollups only: totals over the
 * buckets that cover the window exactly, levels from the latest bucket before its bounds.
 */
export async function computeKpi(
  rollups: RollupReader,
  kpi: KpiDefinition,
  scope: Scope,
  window: Window,
): Promise<Map<string, Value>> {
  const f = kpi.formula;
  if (f.kind === 'custom') return computeCustom(rollups, f.tree, scope, window);
  const ids = kpiSeries(rollups, kpi, scope);
  const keys = rollups.seriesKeys(scope.ws);
  if (f.kind === 'level' || f.kind === 'growth') {
    const combine = levelCombine(kpi, scope);
    const level = async (atMs: number) =>
      combineLevels(await rollups.levelsAsOf(scope.ws, ids, atMs), keys, combine);
    const end = await level(window.toMs);
    const start = f.kind === 'growth' ? await level(window.fromMs) : new Map<string, number>();
    return evaluate(kpi, scope.brands, {
      total: () => undefined,
      levelAtEnd: (brand) => end.get(brand),
      levelAtStart: (brand) => start.get(brand),
    });
  }
  const totals = await rollups.totals(scope.ws, ids, coverWindow(window, scope.zone));
  const sums = new Map<string, number>();
  for (const [id, total] of totals) {
    const key = keys.get(id)!;
    const k = `${key.brand}\u0000${key.metric}`;
    sums.set(k, (sums.get(k) ?? 0) + total);
  }
  return evaluate(kpi, scope.brands, {
    total: (brand, metric) => sums.get(`${brand}\u0000${metric}`),
    levelAtEnd: () => undefined,
    levelAtStart: () => undefined,
  });
}

/**
 * A custom KPI: each aggregate of its formula read from the rollups (sums over the buckets that
 * cover the window, levels as of its end), then the arithmetic per brand. Any aggregate without
 * data makes the value null; a division by zero too.
 */
async function computeCustom(
  rollups: RollupReader,
  tree: FormulaNode,
  scope: Scope,
  window: Window,
): Promise<Map<string, Value>> {
  const keys = rollups.seriesKeys(scope.ws);
  const nodes = aggregatesOf(tree);
  const perNode = new Map<FormulaNode, Map<string, number>>();
  const cover = coverWindow(window, scope.zone);
  for (const node of nodes) {
    const metric = scope.metric(node.metric);
    const touchpoint = node.where.find((w) => w.field === 'touchpoint')?.value;
    const source = node.where.find((w) => w.field === 'source')?.value;
    const ids = rollups.matchingSeries(scope.ws, {
      metric: [node.metric],
      brand: scope.brands,
      touchpoint: (touchpoint ? [touchpoint] : [...scope.touchpoints]).filter(
        (t) => !metric || (metric.touchpoints as readonly string[]).includes(t),
      ),
      source: source ? (scope.sources && !scope.sources.includes(source) ? [] : [source]) : scope.sources,
    });
    if (node.fn === 'last') {
      perNode.set(
        node,
        combineLevels(await rollups.levelsAsOf(scope.ws, ids, window.toMs), keys, metric?.combine ?? 'sum'),
      );
    } else {
      const byBrand = new Map<string, number>();
      for (const [id, total] of await rollups.totals(scope.ws, ids, cover)) {
        const brand = keys.get(id)!.brand;
        byBrand.set(brand, (byBrand.get(brand) ?? 0) + total);
      }
      perNode.set(node, byBrand);
    }
  }
  const result = new Map<string, Value>();
  for (const brand of scope.brands) {
    const evaluated = evaluateTree(tree, (node) => perNode.get(node)!.get(brand));
    result.set(brand, typeof evaluated === 'number' ? { value: evaluated } : none(evaluated));
  }
  return result;
}

function evaluateTree(
  node: FormulaNode,
  aggregate: (node: FormulaNode) => number | undefined,
): number | NullReason {
  switch (node.type) {
    case 'number':
      return node.value;
    case 'aggregate':
      return aggregate(node) ?? 'no_data';
    case 'negate': {
      const v = evaluateTree(node.operand, aggregate);
      return typeof v === 'number' ? -v : v;
    }
    case 'binary': {
      const l = evaluateTree(node.left, aggregate);
      const r = evaluateTree(node.right, aggregate);
      if (typeof l !== 'number') return l;
      if (typeof r !== 'number') return r;
      switch (node.op) {
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          return r === 0 ? 'zero_denominator' : l / r;
      }
    }
  }
}

/** Levels per series, combined per brand. */
export function combineLevels(
  levels: Map<number, number>,
  keys: Map<number, SeriesKey>,
  combine: 'sum' | 'mean',
): Map<string, number> {
  const acc = new Map<string, { total: number; n: number }>();
  for (const [id, value] of levels) {
    const brand = keys.get(id)!.brand;
    const a = acc.get(brand) ?? { total: 0, n: 0 };
    a.total += value;
    a.n++;
    acc.set(brand, a);
  }
  return new Map([...acc].map(([brand, a]) => [brand, combine === 'mean' ? a.total / a.n : a.total]));
}
