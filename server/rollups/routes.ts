import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { SeriesQuery, SeriesResult, type SeriesRow } from '../../shared/schemas/series.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { metricOf } from '../workspaces/service.js';
import { errors } from '../errors.js';
import { acceptsArrow, type ArrowColumn, ARROW_STREAM, sendArrow } from '../http/arrow-reply.js';
import { failure, jsonOrArrow } from '../http/openapi.js';
import { parseWindow, splitList } from '../http/query.js';

export const rollupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/workspaces/:workspace/series',
    {
      schema: {
        tags: ['rollups'],
        operationId: 'getSeries',
        summary: 'A metric over time from the rollups',
        description: [
          'One metric per bucket (minute, hour or day, in the workspace’s time zone) over [from, to), summed over the brands, touchpoints and sources asked for (all when absent): sum, count, min and max of the values, and for gauges the level as of the bucket end.',
          'The bucket holding now is still filling: it carries `provisional: true` and no row comes after it.',
          `Sends the same rows as an Arrow IPC stream when the request’s Accept names ${ARROW_STREAM}.`,
        ].join(' '),
        params: WorkspaceParams,
        querystring: SeriesQuery,
        response: {
          200: jsonOrArrow(
            SeriesResult,
            'The buckets, oldest first.',
            'columns bucket (timestamp ms), bucketLabel, sum, count, min, max, last, provisional (bool)',
          ),
          400: failure(
            'An unknown metric of this workspace, `from`/`to` that are not ISO 8601 instants or not in order, or another query field out of bounds (`invalid_query`, `invalid_request`).',
          ),
          404: failure('The workspace does not exist (`unknown_workspace`).'),
        },
      },
    },
    async (request, reply) => {
      const workspace = app.workspaces.require(request.params.workspace);
      const query = request.query;
      const metric = metricOf(workspace, query.metric);
      if (!metric) {
        throw errors.invalidQuery(
          `Unknown metric "${query.metric}".`,
          `GET /api/v1/workspaces/${workspace.id}/metrics lists the metrics of this workspace.`,
        );
      }
      const { fromMs, toMs } = parseWindow(query.from, query.to);
      const rows = await app.rollups.series({
        workspaceKey: workspace.key,
        timezone: workspace.timezone,
        metric,
        brands: splitList(query.brand),
        touchpoints: splitList(query.touchpoint),
        sources: splitList(query.source),
        grain: query.grain,
        fromMs,
        toMs,
        nowMs: Date.now(),
      });
      if (acceptsArrow(request)) return sendArrow(reply as FastifyReply, seriesColumns(rows));
      return { rows };
    },
  );
};

function seriesColumns(rows: SeriesRow[]): Record<string, ArrowColumn> {
  const numbers = (pick: (r: SeriesRow) => number | null): ArrowColumn => ({
    kind: 'float64',
    values: rows.map(pick),
  });
  return {
    bucket: { kind: 'timestamp_ms', values: rows.map((r) => Date.parse(r.bucket)) },
    bucketLabel: { kind: 'utf8', values: rows.map((r) => r.bucket) },
    sum: numbers((r) => r.sum),
    count: numbers((r) => r.count),
    min: numbers((r) => r.min),
    max: numbers((r) => r.max),
    last: numbers((r) => r.last),
    provisional: { kind: 'bool', values: rows.map((r) => r.provisional === true) },
  };
}
