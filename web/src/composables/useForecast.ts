// A KPI's forecast for a chart, asked again a little after each hour turns: the hub answers from
// the bucket under way, so a wall left on for days keeps a band that starts where the live series
// ends. Live deltas do not ask again: the forecast moves only with the hour.
import { computed, onScopeDispose, toValue, watch, type ComputedRef, type MaybeRefOrGetter } from 'vue';
import type { KpiForecast } from '../../../shared/schemas/forecast.js';
import { HOUR } from '../../../shared/time.js';
import { queryString, useApi, workspacePath, type ApiError } from './useApi.js';

export interface ForecastParams {
  workspace: string;
  kpi: string;
  brand: string;
  grain: 'hour' | 'day';
  horizon?: number;
}

export interface ForecastResource {
  /** The forecast of these params; null while none is known, or when the last ask failed. */
  forecast: ComputedRef<KpiForecast | null>;
  /** Why there is none: the hub's error (`not_enough_history` while the KPI is young). */
  error: ComputedRef<ApiError | null>;
  /** The error is only "too little history yet": a wall shows nothing for it. */
  notEnoughHistory: ComputedRef<boolean>;
}

export interface ForecastOptions {
  /** How long after the hour to ask (spreads many screens' asks); a few seconds to half a minute. */
  delayAfterHourMs?: () => number;
  now?: () => number;
}

export function forecastPath(p: ForecastParams): string {
  return (
    workspacePath(p.workspace, 'kpis', p.kpi, 'forecast') +
    queryString({ brand: p.brand, grain: p.grain, horizon: p.horizon })
  );
}

export function useForecast(
  params: MaybeRefOrGetter<ForecastParams | null>,
  options: ForecastOptions = {},
): ForecastResource {
  const now = options.now ?? Date.now;
  const delay = options.delayAfterHourMs ?? (() => 5_000 + Math.random() * 25_000);
  const current = computed(() => toValue(params));
  const api = useApi<KpiForecast>(() => (current.value ? forecastPath(current.value) : null));

  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    clearTimeout(timer);
    const t = now();
    timer = setTimeout(
      () => {
        if (current.value) void api.reload();
        schedule();
      },
      Math.ceil(t / HOUR) * HOUR - t + delay(),
    );
  };
  watch(
    () => current.value !== null,
    (on) => (on ? schedule() : clearTimeout(timer)),
    { immediate: true },
  );
  onScopeDispose(() => clearTimeout(timer));

  // useApi keeps its last answer while the next path loads: only an answer to these params counts.
  const forecast = computed(() => {
    const f = api.data.value;
    const p = current.value;
    if (!p || !f || api.error.value) return null;
    return f.kpi === p.kpi && f.brand === p.brand && f.grain === p.grain ? f : null;
  });
  const error = computed(() => (current.value && !api.loading.value ? api.error.value : null));
  return {
    forecast,
    error,
    notEnoughHistory: computed(() => error.value?.code === 'not_enough_history'),
  };
}
