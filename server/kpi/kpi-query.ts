import type { Window } from '../../shared/time.js';
import type { KpiGrain } from './series.js';

// What the KPI service is asked, as typed values: parsed once where the request came in (an HTTP
// route, a live subscription, a scheduler), never strings for the service to parse again.

/** A KPI over a window, compared with its previous period. */
export interface KpiQuery {
  window: Window;
  previous: Window;
  /** Within the KPI's own touchpoints; all of them when absent. */
  touchpoints?: readonly string[];
  sources?: readonly string[];
}

/** One brand's value (the own brand when absent). */
export interface KpiValueQuery extends KpiQuery {
  brand?: string;
}

/** A KPI per bucket of `grain` over `window` (whole buckets), for the brands asked (all when absent). */
export interface KpiSeriesQuery {
  grain: KpiGrain;
  window: Window;
  brands?: readonly string[];
  touchpoints?: readonly string[];
  sources?: readonly string[];
  /** For charts: no bucket after the one holding this instant, which is flagged provisional. */
  nowMs?: number;
}
