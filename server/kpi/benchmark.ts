import type { KpiDefinition } from '../../shared/kpis.js';
import type { BenchmarkRow } from '../../shared/schemas/kpi.js';
import type { Brand } from '../../shared/schemas/workspaces.js';
import type { Value } from './compute.js';

/** Values equal to 12 significant digits tie (float noise must not split a rank). */
const tieKey = (v: number) => Number(v.toPrecision(12));

export function delta(
  value: number | null,
  previous: number | null,
): { delta: number | null; deltaPct: number | null } {
  if (value === null || previous === null) return { delta: null, deltaPct: null };
  const d = value - previous;
  return { delta: d, deltaPct: previous === 0 ? null : d / Math.abs(previous) };
}

/** `lowVolume` and the volume when a value rests on less than `minVolume`; nothing otherwise. */
export function lowVolumeOf(
  current: Value | undefined,
  minVolume: number | undefined,
): { lowVolume?: true; volume?: number } {
  if (minVolume === undefined || current?.value == null || current.volume === undefined) return {};
  return current.volume < minVolume ? { lowVolume: true, volume: current.volume } : {};
}

/**
 * Ranks, indices, shares and gaps for a set: rank 1 is best given the KPI's direction, ties share
 * a rank ("1224"), null values get no rank and stay out of the set statistics.
 */
export function benchmarkRows(
  kpi: KpiDefinition,
  brands: Brand[],
  current: Map<string, Value>,
  previous: Map<string, Value>,
  /** Below it a ratio's row says `lowVolume` (its value and rank stay as computed). */
  minVolume?: number,
): { rows: BenchmarkRow[]; set: { average: number | null; median: number | null; leader: string | null } } {
  const better =
    kpi.direction === 'higher' ? (a: number, b: number) => b - a : (a: number, b: number) => a - b;
  const valued = brands
    .map((b) => ({ brand: b.id, value: current.get(b.id)?.value ?? null }))
    .filter((r): r is { brand: string; value: number } => r.value !== null);
  const ordered = [...valued].sort((a, b) => better(tieKey(a.value), tieKey(b.value)));
  const ranks = new Map<string, number>();
  ordered.forEach((r, i) => {
    const prev = ordered[i - 1];
    ranks.set(r.brand, prev && tieKey(prev.value) === tieKey(r.value) ? ranks.get(prev.brand)! : i + 1);
  });
  const values = valued.map((r) => r.value);
  const total = values.reduce((s, v) => s + v, 0);
  const average = values.length > 0 ? total / values.length : null;
  const sorted = [...values].sort((a, b) => a - b);
  const median =
    sorted.length === 0
      ? null
      : sorted.length % 2 === 1
        ? sorted[(sorted.length - 1) / 2]!
        : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  // The leader: rank 1, the first of the set among ties.
  const leader = brands.find((b) => ranks.get(b.id) === 1)?.id ?? null;
  const leaderValue = leader === null ? null : current.get(leader)!.value;

  const rows = brands.map((b): BenchmarkRow => {
    const { value, reason } = current.get(b.id) ?? { value: null, reason: 'no_data' as const };
    const before = previous.get(b.id)?.value ?? null;
    let index: number | null = null;
    if (value !== null && average !== null) {
      if (kpi.direction === 'higher') index = average === 0 ? null : (100 * value) / average;
      else index = value === 0 ? null : (100 * average) / value;
    }
    return {
      brand: b.id,
      name: b.name,
      own: b.own,
      value,
      ...(value === null && reason ? { reason } : {}),
      previous: before,
      ...delta(value, before),
      rank: ranks.get(b.id) ?? null,
      index,
      share: kpi.shareable && value !== null && total !== 0 ? value / total : null,
      gapToLeader:
        value !== null && leaderValue !== null && leaderValue !== undefined ? leaderValue - value : null,
      ...lowVolumeOf(current.get(b.id), minVolume),
    };
  });
  return { rows, set: { average, median, leader } };
}
