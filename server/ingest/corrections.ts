import { listValue } from '@duckdb/node-api';
import { iso } from '../../shared/time.js';
import type { Sql } from '../db/database.js';
import type { ChangedSpan, RollupService } from '../rollups/service.js';
import type { SeriesDictionary } from '../rollups/series-ids.js';
import { q } from './queries.js';
import type { ReplaceScope } from './validate.js';

// A correction (`replace=true&source=&from=&to=`): the scope's rows in [from, to) give way to the
// body's, in the writer's transaction, in two halves around storing the body.

export interface ReplacedWindow {
  ws: number;
  /** The scope's series and the body's: any of them may have lost or gained rows. */
  series: number[];
  fromMs: number;
  toMs: number;
  from: string;
  to: string;
}

/** First half: drops the scope's raw rows in [from, to). */
export async function removeReplaced(
  sql: Sql,
  dictionary: SeriesDictionary,
  ws: number,
  scope: ReplaceScope,
  bodySeries: number[],
): Promise<ReplacedWindow> {
  const matching = new Set([
    ...dictionary.matching(ws, { source: [scope.source], brand: scope.brands, metric: scope.metrics }),
    ...bodySeries,
  ]);
  const { fromMs, toMs } = scope;
  const window = { ws, series: [...matching], fromMs, toMs, from: iso(fromMs), to: iso(toMs) };
  await sql.run(q.deleteRange, { ...window, series: listValue(window.series) });
  return window;
}

/** Second half, once the body is stored: every rollup bucket the window touches is recomputed. */
export async function recomputeReplaced(
  sql: Sql,
  rollups: RollupService,
  window: ReplacedWindow,
  timezone: string,
  spans: ChangedSpan[],
): Promise<void> {
  await sql.run(q.recomputeSource, { ...window, series: listValue(window.series) });
  await rollups.applyCorrection(
    sql,
    {
      ws: window.ws,
      tz: timezone,
      series: window.series,
      fromMs: window.fromMs,
      toMs: window.toMs,
      source: 'recompute_source',
    },
    spans,
  );
  await sql.run(q.dropRecomputeSource);
}
