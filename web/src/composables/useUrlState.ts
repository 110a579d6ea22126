// The benchmark explorer keeps every choice in the URL query, so that a copied link reproduces the
// view. The URL is the only state: views read `state` and write through `update`.
import { useRouteQuery } from '@vueuse/router';
import { computed, nextTick, type ComputedRef, type Ref } from 'vue';
import { useRoute, useRouter, type LocationQuery, type RouteLocationRaw, type Router } from 'vue-router';
import { WINDOW_NAMES } from '../../../shared/windows.js';

export type Grain = 'auto' | 'hour' | 'day' | 'week';
const GRAINS: readonly Grain[] = ['auto', 'hour', 'day', 'week'];

export interface ExplorerState {
  kpi: string;
  /** A named window (7d, mtd …) or 'custom' for from/to. */
  window: string;
  /** Custom range: dates (YYYY-MM-DD, `to` included) or ISO instants (`to` excluded). */
  from: string;
  to: string;
  touchpoint: string;
  source: string;
  /** Brands shown; empty: the whole set. */
  brands: string[];
  grain: Grain;
  /** Whether the by-source breakdown is open. */
  bySource: boolean;
}

export const EXPLORER_DEFAULTS: Readonly<ExplorerState> = {
  kpi: 'share_of_voice',
  window: '7d',
  from: '',
  to: '',
  touchpoint: '',
  source: '',
  brands: [],
  grain: 'auto',
  bySource: false,
};

/** The query keys the explorer owns; others (workspace, lang, kiosk) pass through untouched. */
export const EXPLORER_KEYS = [
  'kpi',
  'window',
  'from',
  'to',
  'touchpoint',
  'source',
  'brands',
  'grain',
  'by',
] as const;

type QueryLike = LocationQuery | Record<string, string | null | undefined | (string | null)[]>;

function first(query: QueryLike, key: string): string {
  const value = query[key];
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' ? text.trim() : '';
}

const RANGE_BOUND = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2}))?$/;
const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The explorer state a query describes; anything invalid falls back to its default. */
export function decodeExplorer(query: QueryLike): ExplorerState {
  const from = first(query, 'from');
  const to = first(query, 'to');
  const custom = RANGE_BOUND.test(from) && RANGE_BOUND.test(to);
  const window = first(query, 'window');
  const grain = first(query, 'grain') as Grain;
  const kpi = first(query, 'kpi');
  const touchpoint = first(query, 'touchpoint');
  const source = first(query, 'source');
  const brands = [
    ...new Set(
      first(query, 'brands')
        .split(',')
        .map((b) => b.trim())
        .filter((b) => ID.test(b)),
    ),
  ];
  return {
    kpi: ID.test(kpi) ? kpi : EXPLORER_DEFAULTS.kpi,
    window: custom
      ? 'custom'
      : (WINDOW_NAMES as readonly string[]).includes(window)
        ? window
        : EXPLORER_DEFAULTS.window,
    from: custom ? from : '',
    to: custom ? to : '',
    touchpoint: ID.test(touchpoint) ? touchpoint : '',
    source: ID.test(source) ? source : '',
    brands,
    grain: GRAINS.includes(grain) ? grain : 'auto',
    bySource: first(query, 'by') === 'source',
  };
}

/** The query of an explorer state: every choice written out, empty ones left out. */
export function encodeExplorer(state: ExplorerState): Record<string, string> {
  const query: Record<string, string> = { kpi: state.kpi };
  if (state.window === 'custom') {
    query.from = state.from;
    query.to = state.to;
  } else {
    query.window = state.window;
  }
  if (state.touchpoint) query.touchpoint = state.touchpoint;
  if (state.source) query.source = state.source;
  if (state.brands.length > 0) query.brands = state.brands.join(',');
  if (state.grain !== 'auto') query.grain = state.grain;
  if (state.bySource) query.by = 'source';
  return query;
}

export interface UrlState<S> {
  state: ComputedRef<S>;
  /** Merges a change into the URL (replace: slicing is not worth a history entry each). */
  update(patch: Partial<S>): Promise<void>;
}

/** A query value as the URL may hold it (a repeated key is an array). */
type QueryValue = string | string[] | null | undefined;

export function useUrlState(): UrlState<ExplorerState> {
  const route = useRoute();
  const router = useRouter();
  // useRouteQuery writes the keys set in one tick as one router.replace that keeps the keys it does
  // not own. It drops that navigation's promise: this router keeps it, so that update() resolves
  // once the URL holds the change (a copied link then reproduces the view).
  let navigation: Promise<unknown> | undefined;
  const keeping = {
    replace: (to: RouteLocationRaw) => (navigation = router.replace(to)),
  } as Partial<Router> as Router;
  const keys = {} as Record<(typeof EXPLORER_KEYS)[number], Ref<QueryValue>>;
  for (const key of EXPLORER_KEYS) {
    keys[key] = useRouteQuery<QueryValue>(key, undefined, { route, router: keeping, mode: 'replace' });
  }

  const state = computed(() =>
    decodeExplorer(Object.fromEntries(EXPLORER_KEYS.map((key) => [key, keys[key].value]))),
  );
  async function update(patch: Partial<ExplorerState>): Promise<void> {
    const next = { ...state.value, ...patch };
    if (next.window === 'custom' && !(next.from && next.to)) {
      // Picking "custom" without a range yet: start from the last seven days.
      const today = new Date();
      next.to = today.toISOString().slice(0, 10);
      next.from = new Date(today.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
    }
    const query: Partial<Record<string, string>> = encodeExplorer(next);
    navigation = undefined;
    // Every key the explorer owns is written: one left out of the new state leaves the URL.
    for (const key of EXPLORER_KEYS) keys[key].value = query[key];
    // useRouteQuery navigates on the next tick, if anything changed.
    await nextTick();
    await navigation;
  }
  return { state, update };
}
