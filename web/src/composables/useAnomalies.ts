// Anomalies for the charts: the live anomaly alerts of a workspace, and the anomaly history of a
// KPI (GET …/anomalies) for the brands of a chart.
import {
  computed,
  onScopeDispose,
  shallowRef,
  toValue,
  watch,
  type ComputedRef,
  type MaybeRefOrGetter,
  type ShallowRef,
} from 'vue';
import type { Alert } from '../../../shared/live.js';
import type { AnomalyHistory, AnomalyRow } from '../../../shared/schemas/anomalies.js';
import { alertsOf } from '../lib/parts.js';
import { apiFetch, queryString, toApiError, workspacePath, type ApiError } from './useApi.js';
import { useLiveTopic } from './useLive.js';

/** The workspace's anomaly alerts, live (the `alerts` topic), newest first. */
export function useAnomalyAlerts(workspace: MaybeRefOrGetter<string | null>): ComputedRef<Alert[]> {
  const live = useLiveTopic(
    'alerts',
    computed(() => {
      const id = toValue(workspace);
      return id ? { workspace: id } : null;
    }),
  );
  return computed(() => alertsOf(live.data.value).filter((a) => a.kind === 'anomaly'));
}

export interface AnomalyHistoryParams {
  workspace: string;
  kpi: string;
  grain: 'hour' | 'day';
  brands: readonly string[];
  from?: string | undefined;
  to?: string | undefined;
}

export interface AnomalyHistoryResource {
  /** Every brand's rows answered so far (a brand still being computed adds its rows later). */
  rows: ShallowRef<AnomalyRow[]>;
  /** The last failure other than a hub without the route (404: no marks, nothing to say). */
  error: ShallowRef<ApiError | null>;
  /** Every brand answered complete. */
  complete: ComputedRef<boolean>;
}

export interface AnomalyHistoryOptions {
  /** The wait before asking again for a history still being computed, by attempt (1, 2 …). */
  retryMs?: (attempt: number) => number;
}

export const anomaliesPath = (p: AnomalyHistoryParams, brand: string): string =>
  workspacePath(p.workspace, 'anomalies') +
  queryString({ kpi: p.kpi, brand, grain: p.grain, from: p.from, to: p.to });

/**
 * The history of each brand, one GET per brand; a brand answered `complete: false` is asked again
 * a little later (2 s, then doubling up to 30 s) until it is complete or the params change.
 */
export function useAnomalyHistory(
  params: MaybeRefOrGetter<AnomalyHistoryParams | null>,
  options: AnomalyHistoryOptions = {},
): AnomalyHistoryResource {
  const retryMs = options.retryMs ?? ((attempt: number) => Math.min(30_000, 1_000 * 2 ** attempt));
  const byBrand = shallowRef(new Map<string, AnomalyHistory>());
  const rows = shallowRef<AnomalyRow[]>([]);
  const error = shallowRef<ApiError | null>(null);
  const pending = shallowRef(0);
  let controller: AbortController | null = null;
  const timers = new Set<ReturnType<typeof setTimeout>>();

  function stop(): void {
    controller?.abort();
    controller = null;
    for (const t of timers) clearTimeout(t);
    timers.clear();
  }

  function settle(brand: string, answer: AnomalyHistory): void {
    const next = new Map(byBrand.value).set(brand, answer);
    byBrand.value = next;
    rows.value = [...next.values()].flatMap((a) => a.rows);
  }

  async function ask(p: AnomalyHistoryParams, brand: string, attempt: number, mine: AbortController) {
    try {
      const answer = await apiFetch<AnomalyHistory>(anomaliesPath(p, brand), { signal: mine.signal });
      if (controller !== mine) return;
      settle(brand, answer);
      if (!answer.complete) {
        const t = setTimeout(() => {
          timers.delete(t);
          void ask(p, brand, attempt + 1, mine);
        }, retryMs(attempt));
        timers.add(t);
        return;
      }
    } catch (err) {
      if (controller !== mine || (err as { name?: string }).name === 'AbortError') return;
      const e = toApiError(err);
      // A hub from before the anomaly history has no such route: no marks.
      if (e.status === 404) settle(brand, { complete: true, rows: [] });
      else error.value = e;
    }
    pending.value--;
  }

  watch(
    () => {
      const p = toValue(params);
      return p ? JSON.stringify(p) : null;
    },
    (json) => {
      stop();
      byBrand.value = new Map();
      rows.value = [];
      error.value = null;
      if (json === null) {
        pending.value = 0;
        return;
      }
      const p = JSON.parse(json) as AnomalyHistoryParams;
      const mine = new AbortController();
      controller = mine;
      pending.value = p.brands.length;
      for (const brand of p.brands) void ask(p, brand, 1, mine);
    },
    { immediate: true },
  );
  onScopeDispose(stop);

  return { rows, error, complete: computed(() => pending.value === 0 && error.value === null) };
}
