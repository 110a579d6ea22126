import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import {
  Benchmark,
  BenchmarkQuery,
  CoverageQuery,
  CustomKpiInput,
  DpiWeights,
  KpiInfo as KpiInfoOut,
  KpiBrandQuery,
  KpiCatalogue,
  KpiCoverage,
  KpiParams,
  KpiSeries,
  KpiSeriesQuery,
  KpiValue,
  MinVolumes,
  MinVolumesInput,
} from '../../shared/schemas/kpi.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { acceptsArrow, type ArrowColumn, ARROW_STREAM, sendArrow } from '../http/arrow-reply.js';
import { answer, empty, failure, jsonOrArrow } from '../http/openapi.js';
import { kpiQueryOf, kpiValueQueryOf, seriesQueryOf } from './query-params.js';

export const kpiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['kpis'];
  const unknownWorkspace = failure('The workspace does not exist (`unknown_workspace`).');
  const unknownKpi = failure(
    'The workspace does not exist, or the KPI in the path is not one of its KPIs (`unknown_workspace`, `unknown_kpi`).',
  );
  const invalidWorkspaceId = failure('The workspace id in the path is not a valid id (`invalid_request`).');
  const tooLarge = failure('The JSON body is larger than 1 MB (`body_too_large`).');
  const notJson = failure('The body is not sent as application/json (`unsupported_media_type`).');
  /** The window of a KPI read: `window=` (with `at=`) or `from=&to=`, resolved in the workspace zone. */
  const WINDOW_WORDS =
    'The window is named (`window=` 1h, 24h, 7d, 28d, 30d, 90d, today, wtd, mtd, qtd, ytd, ending now or at `at=`, calendar ones in the workspace’s time zone) or explicit (`from=` and `to=`, ISO 8601, [from, to)).';
  /** A 400 of a KPI read: what the route checks itself, then the window's faults. */
  const invalidRead = (what: string, codes: string) =>
    failure(
      `${what}; or the window is missing, both named and explicit, unknown, or ends before it starts; or an instant is not ISO 8601 (${codes}).`,
    );

  app.get(
    '/api/v1/workspaces/:workspace/kpis',
    {
      schema: {
        tags,
        operationId: 'listKpis',
        summary: 'The KPI catalogue',
        description:
          'Every KPI this workspace can read: the catalogue’s and the ones it declared by formula, each with its labels, touchpoints, unit, direction (is higher better), whether a share of the set means something, and its formula.',
        params: WorkspaceParams,
        response: {
          200: answer(KpiCatalogue, 'The KPIs.'),
          400: invalidWorkspaceId,
          404: unknownWorkspace,
        },
      },
    },
    async (request) => {
      return app.kpis.catalogue(app.workspaces.require(request.params.workspace));
    },
  );

  app.put(
    '/api/v1/workspaces/:workspace/kpis/:kpi',
    {
      config: { access: 'analyst', audit: { action: 'kpi.put' } },
      schema: {
        tags,
        operationId: 'putKpi',
        summary: 'Declare a workspace KPI by formula',
        description:
          'Declares (or redefines) a KPI of this workspace, read like the catalogue’s: in benchmarks, tiles, series and objectives. Formulas combine sum(metric), last(metric) and sum(metric where source = "…" and touchpoint = "…") with + - * / and parentheses. A bad formula is a 400 naming the position and what was expected.',
        params: KpiParams,
        body: CustomKpiInput,
        response: {
          200: answer(KpiInfoOut, 'The KPI as the catalogue now lists it.'),
          400: failure(
            'The formula does not parse or reads a metric the workspace does not know (or one of the wrong kind), the id is a catalogue KPI, or the body is not valid (`invalid_formula`, `invalid_query`, `invalid_request`, `malformed_body`).',
          ),
          404: unknownWorkspace,
          413: tooLarge,
          415: notJson,
        },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      await app.kpis.putCustomKpi(workspace, request.params.kpi, request.body);
      return app.kpis.catalogue(workspace).rows.find((k) => k.id === request.params.kpi)!;
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspace/kpis/:kpi',
    {
      config: { access: 'analyst', audit: { action: 'kpi.delete' } },
      schema: {
        tags,
        operationId: 'deleteKpi',
        summary: 'Delete a workspace KPI',
        description:
          'Removes a KPI this workspace declared (catalogue KPIs cannot be removed). The metrics it read keep their data.',
        params: KpiParams,
        response: {
          204: empty('Deleted.'),
          400: failure('An id in the path is longer than 64 characters (`invalid_request`).'),
          404: failure(
            'The workspace, or a KPI it declared with this id, does not exist (`unknown_workspace`, `not_found`).',
          ),
        },
      },
    },
    async (request, reply) => {
      await app.kpis.deleteCustomKpi(app.workspaces.require(request.params.workspace), request.params.kpi);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/dpi-weights',
    {
      schema: {
        tags,
        operationId: 'getDpiWeights',
        summary: 'Weights of the Digital Performance Index',
        description:
          'How the Digital Performance Index (KPI `dpi`) weighs each touchpoint score, and each KPI within its touchpoint. Weights not listed are 1.',
        params: WorkspaceParams,
        response: {
          200: answer(DpiWeights, 'The weights set; missing ones are 1.'),
          400: invalidWorkspaceId,
          404: unknownWorkspace,
        },
      },
    },
    async (request) => app.kpis.weights(app.workspaces.require(request.params.workspace)),
  );

  app.put(
    '/api/v1/workspaces/:workspace/dpi-weights',
    {
      config: { access: 'analyst', audit: { action: 'weights.put' } },
      schema: {
        tags,
        operationId: 'putDpiWeights',
        summary: 'Set the weights of the Digital Performance Index (missing ones stay 1)',
        description:
          'Replaces the weights of the Digital Performance Index: per touchpoint, and per KPI within its touchpoint (0 leaves one out). Benchmarks, tiles and series of `dpi` use them from then on.',
        params: WorkspaceParams,
        body: DpiWeights,
        response: {
          200: answer(DpiWeights, 'The weights as stored.'),
          400: failure(
            'An unknown touchpoint or KPI, every touchpoint weight 0, a negative weight, or a body that is not valid (`invalid_query`, `invalid_request`, `malformed_body`).',
          ),
          404: unknownWorkspace,
          413: tooLarge,
          415: notJson,
        },
      },
    },
    async (request) => app.kpis.putWeights(app.workspaces.require(request.params.workspace), request.body),
  );

  app.get(
    '/api/v1/workspaces/:workspace/min-volumes',
    {
      schema: {
        tags,
        operationId: 'getMinVolumes',
        summary: 'The volume under which a ratio KPI is flagged as resting on too little data',
        description:
          'A ratio (click-through rate, engagement rate …), a share (share of voice …) or net sentiment over a handful of events swings between 0 % and 100 %. Under its minimum volume (what it divides by: impressions, reach, mentions with a sentiment, the set’s total for shares) its benchmark rows, values and tiles add `lowVolume: true` and the `volume`; the value and rank stay as computed. The default is 30.',
        params: WorkspaceParams,
        response: {
          200: answer(MinVolumes, 'The default and the per-KPI minimums.'),
          400: invalidWorkspaceId,
          404: unknownWorkspace,
        },
      },
    },
    async (request) => app.kpis.getMinVolumes(app.workspaces.require(request.params.workspace)),
  );

  app.put(
    '/api/v1/workspaces/:workspace/min-volumes',
    {
      config: { access: 'analyst', audit: { action: 'min_volumes.put' } },
      schema: {
        tags,
        operationId: 'putMinVolumes',
        summary: 'Set the minimum volumes of ratio KPIs (a default and per-KPI values)',
        description:
          'Replaces the minimum volumes: `default` for every ratio KPI (30 when left out) and `kpis` for some of them (0: never flagged). Benchmarks, values and tiles use them from then on.',
        params: WorkspaceParams,
        body: MinVolumesInput,
        response: {
          200: answer(MinVolumes, 'The minimums as stored.'),
          400: failure(
            'A KPI that divides by no volume, a negative minimum, or a body that is not valid (`invalid_query`, `invalid_request`, `malformed_body`).',
          ),
          404: unknownWorkspace,
          413: tooLarge,
          415: notJson,
        },
      },
    },
    async (request) => app.kpis.putMinVolumes(app.workspaces.require(request.params.workspace), request.body),
  );

  app.get(
    '/api/v1/workspaces/:workspace/benchmark',
    {
      schema: {
        tags,
        operationId: 'getBenchmark',
        summary:
          'A KPI across the competitive set: value, previous period, rank, index, share, gap to the leader',
        description: [
          'One KPI (`kpi=`) for every brand of the competitive set over a window, each with its value and that of the previous period (the same length just before, or the same elapsed span of the previous calendar period), the delta, its rank given the KPI’s direction, its index (100 = the set average), its share of the set and its gap to the leader; and the set’s average, median and leader.',
          WINDOW_WORDS,
          '`touchpoint=` and `source=` narrow what the KPI reads.',
        ].join(' '),
        params: WorkspaceParams,
        querystring: BenchmarkQuery,
        response: {
          200: answer(Benchmark, 'The benchmark, one row per brand of the set.'),
          400: invalidRead(
            'An unknown KPI, a touchpoint the KPI does not read, or a query field out of bounds',
            '`invalid_query`, `unknown_kpi`, `invalid_request`',
          ),
          404: unknownWorkspace,
        },
      },
    },
    async (request) => {
      const { kpi, ...query } = request.query;
      const workspace = app.workspaces.require(request.params.workspace);
      return app.kpis.benchmark(workspace, kpi, kpiQueryOf(workspace, query));
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/kpis/:kpi/coverage',
    {
      schema: {
        tags,
        operationId: 'getKpiCoverage',
        summary: 'Which touchpoints and sources sent a KPI’s metrics over a window',
        description: [
          'The touchpoints of the KPI, and each (touchpoint, source) pair, that sent any of the metrics it reads (any brand) over the window: what a filter can offer with data behind it. The DPI reads every metric of its touchpoints.',
          WINDOW_WORDS,
        ].join(' '),
        params: KpiParams,
        querystring: CoverageQuery,
        response: {
          200: answer(KpiCoverage, 'The touchpoints and sources with data, sorted.'),
          400: invalidRead('A query field out of bounds', '`invalid_query`, `invalid_request`'),
          404: unknownKpi,
        },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      const { window } = kpiQueryOf(workspace, request.query);
      return app.kpis.coverage(workspace, request.params.kpi, window);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/kpis/:kpi/series',
    {
      schema: {
        tags,
        operationId: 'getKpiSeries',
        summary: 'One KPI per bucket (hour, day or week) and brand, for charts',
        description: [
          'The KPI per bucket (`grain=` hour, day or week, day and week buckets in the workspace’s time zone) for each brand asked for (`brands=`, the whole set by default), one value per bucket, null without data.',
          'The range is `window=` like the benchmark’s (1h, 24h, 7d, 28d, 30d, 90d, today, wtd, mtd, qtd, ytd, ending now or at `at=`), or `from=` and `to=` (ISO 8601; buckets overlapping them are whole); not both.',
          '`touchpoint=` and `source=` narrow what the KPI reads.',
          'The bucket holding now is still filling: `provisional` is true for it (false for closed buckets) and no bucket comes after it, so a chart can draw it apart instead of as a fall.',
          `Sends an Arrow IPC stream instead (a bucket column, a provisional column, then one column per brand) when the request’s Accept names ${ARROW_STREAM}.`,
        ].join(' '),
        params: KpiParams,
        querystring: KpiSeriesQuery,
        response: {
          200: jsonOrArrow(
            KpiSeries,
            'The buckets, oldest first, and each brand’s values.',
            'columns bucket (text), provisional (bool), then one float64 column per brand id',
          ),
          400: invalidRead(
            'A brand not in the set, a range holding too many buckets for the grain, a touchpoint the KPI does not read, or a query field out of bounds',
            '`invalid_query`, `invalid_request`',
          ),
          404: unknownKpi,
        },
      },
    },
    async (request, reply) => {
      const workspace = app.workspaces.require(request.params.workspace);
      const result = await app.kpis.series(workspace, request.params.kpi, {
        ...seriesQueryOf(workspace, request.query),
        nowMs: Date.now(),
      });
      if (acceptsArrow(request)) return sendArrow(reply as FastifyReply, seriesColumns(result));
      return result;
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/kpis/:kpi',
    {
      schema: {
        tags,
        operationId: 'getKpi',
        summary: 'One KPI for one brand (default: the own brand), with its previous period and delta',
        description: [
          'The KPI’s value for one brand (`brand=`, the own brand by default) over a window, with the previous period’s value and the change (absolute and as a fraction). A null value comes with its reason (no_data, zero_denominator, no_value_before_start).',
          WINDOW_WORDS,
          '`touchpoint=` and `source=` narrow what the KPI reads.',
        ].join(' '),
        params: KpiParams,
        querystring: KpiBrandQuery,
        response: {
          200: answer(KpiValue, 'The KPI for the brand, now and the previous period.'),
          400: invalidRead(
            'A brand not in the set, a touchpoint the KPI does not read, or a query field out of bounds',
            '`invalid_query`, `invalid_request`',
          ),
          404: unknownKpi,
        },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      return app.kpis.value(workspace, request.params.kpi, kpiValueQueryOf(workspace, request.query));
    },
  );
};

/** One column of bucket labels, their provisional flags, then one per brand. */
function seriesColumns(result: KpiSeries): Record<string, ArrowColumn> {
  const columns: Record<string, ArrowColumn> = {
    bucket: { kind: 'utf8', values: result.buckets },
    provisional: { kind: 'bool', values: result.provisional ?? result.buckets.map(() => false) },
  };
  for (const s of result.series) columns[s.brand] = { kind: 'float64', values: s.values };
  return columns;
}
