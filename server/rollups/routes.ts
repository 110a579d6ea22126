import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Float64, Table, TimestampMillisecond, tableToIPC, vectorFromArray, Utf8 } from 'apache-arrow';
import { ErrorBody } from '../../shared/schemas/errors.js';
import { SeriesQuery, SeriesResult, type SeriesRow } from '../../shared/schemas/series.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { metricOf } from '../workspaces/service.js';
import { errors } from '../errors.js';
import { parseWindow, splitList } from '../http/query.js';

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

export const rollupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/workspaces/:workspace/series',
    {
      schema: {
        tags: ['rollups'],
        summary: 'A metric over time from the rollups',
        description: `Buckets in [from, to). Sends Arrow IPC (stream) when the request accepts ${ARROW_STREAM}.`,
        params: WorkspaceParams,
        querystring: SeriesQuery,
        response: { 200: SeriesResult, 400: ErrorBody, 404: ErrorBody },
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
      });
      if (request.headers.accept?.includes(ARROW_STREAM)) {
        // The typed reply only knows the JSON schema; Arrow bytes go out untyped.
        return (reply as FastifyReply).type(ARROW_STREAM).send(Buffer.from(seriesToArrow(rows)));
      }
      return { rows };
    },
  );
};

function seriesToArrow(rows: SeriesRow[]): Uint8Array {
  const column = (pick: (r: SeriesRow) => number | null) => vectorFromArray(rows.map(pick), new Float64());
  const table = new Table({
    bucket: vectorFromArray(
      rows.map((r) => Date.parse(r.bucket)),
      new TimestampMillisecond(),
    ),
    bucketLabel: vectorFromArray(
      rows.map((r) => r.bucket),
      new Utf8(),
    ),
    sum: column((r) => r.sum),
    count: column((r) => r.count),
    min: column((r) => r.min),
    max: column((r) => r.max),
    last: column((r) => r.last),
  });
  return tableToIPC(table, 'stream');
}
