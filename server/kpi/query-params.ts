import type { KpiBrandQuery, KpiSeriesQuery as SeriesParams, WindowQuery } from '../../shared/schemas/kpi.js';
import { parseWindow, queryWindow, splitList } from '../http/query.js';
import type { WorkspaceState } from '../workspaces/service.js';
import type { KpiQuery, KpiSeriesQuery, KpiValueQuery } from './kpi-query.js';

// The KPI routes' query strings as the typed queries the KPI service takes.

const filters = (query: { touchpoint?: string; source?: string }) => ({
  touchpoints: splitList(query.touchpoint),
  sources: splitList(query.source),
});

export function kpiQueryOf(workspace: WorkspaceState, query: WindowQuery): KpiQuery {
  const { window, previous } = queryWindow(query, workspace.timezone);
  return { window, previous, ...filters(query) };
}

export function kpiValueQueryOf(workspace: WorkspaceState, query: KpiBrandQuery): KpiValueQuery {
  return { ...kpiQueryOf(workspace, query), brand: query.brand };
}

/**
 * `from=&to=` are taken as given (buckets overlapping them are whole); `window=` is resolved like
 * the benchmark's, in the workspace's zone.
 */
export function seriesQueryOf(workspace: WorkspaceState, query: SeriesParams): KpiSeriesQuery {
  const explicit = query.window === undefined && query.from !== undefined && query.to !== undefined;
  return {
    grain: query.grain,
    window: explicit ? parseWindow(query.from!, query.to!) : queryWindow(query, workspace.timezone).window,
    brands: splitList(query.brands),
    ...filters(query),
  };
}
