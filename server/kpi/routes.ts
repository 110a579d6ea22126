import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { ErrorBody } from '../../shared/schemas/errors.js';
import {
  Benchmark,
  BenchmarkQuery,
  CustomKpiInput,
  DpiWeights,
  KpiInfo as KpiInfoOut,
  KpiBrandQuery,
  KpiCatalogue,
  KpiParams,
  KpiSeries,
  KpiSeriesQuery,
  KpiValue,
} from '../../shared/schemas/kpi.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';
import { Type } from 'typebox';
import { acceptsArrow, type ArrowColumn, ARROW_STREAM, sendArrow } from '../http/arrow-reply.js';
import { kpiQueryOf, kpiValueQueryOf, seriesQueryOf } from './query-params.js';

export const kpiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['kpis'];

  app.get(
    '/api/v1/workspaces/:workspace/kpis',
    {
      schema: {
        tags,
        summary: 'The KPI catalogue',
        params: WorkspaceParams,
        response: { 200: KpiCatalogue, 404: ErrorBody },
      },
    },
    async (request) => {
      return app.kpis.catalogue(app.workspaces.require(request.params.workspace));
    },
  );

  app.put(
    '/api/v1/workspaces/:workspace/kpis/:kpi',
    {
      schema: {
        tags,
        summary: 'Declare a workspace KPI by formula',
        description:
          'Formulas combine sum(metric), last(metric) and sum(metric where source = "…" and touchpoint = "…") with + - * / and parentheses. A bad formula is a 400 naming the position and what was expected.',
        params: KpiParams,
        body: CustomKpiInput,
        response: { 200: KpiInfoOut, 400: ErrorBody, 404: ErrorBody },
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
      schema: {
        tags,
        summary: 'Delete a workspace KPI',
        params: KpiParams,
        response: { 204: Type.Null(), 404: ErrorBody },
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
        summary: 'Weights of the Digital Performance Index',
        params: WorkspaceParams,
        response: { 200: DpiWeights, 404: ErrorBody },
      },
    },
    async (request) => app.kpis.weights(app.workspaces.require(request.params.workspace)),
  );

  app.put(
    '/api/v1/workspaces/:workspace/dpi-weights',
    {
      schema: {
        tags,
        summary: 'Set the weights of the Digital Performance Index (missing ones stay 1)',
        params: WorkspaceParams,
        body: DpiWeights,
        response: { 200: DpiWeights, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => app.kpis.putWeights(app.workspaces.require(request.params.workspace), request.body),
  );

  app.get(
    '/api/v1/workspaces/:workspace/benchmark',
    {
      schema: {
        tags,
        summary:
          'A KPI across the competitive set: value, previous period, rank, index, share, gap to the leader',
        params: WorkspaceParams,
        querystring: BenchmarkQuery,
        response: { 200: Benchmark, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { kpi, ...query } = request.query;
      const workspace = app.workspaces.require(request.params.workspace);
      return app.kpis.benchmark(workspace, kpi, kpiQueryOf(workspace, query));
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/kpis/:kpi/series',
    {
      schema: {
        tags,
        summary: 'One KPI per bucket (hour, day or week) and brand, for charts',
        description: `Sends Arrow IPC (one column per brand) when the request accepts ${ARROW_STREAM}.`,
        params: KpiParams,
        querystring: KpiSeriesQuery,
        response: { 200: KpiSeries, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const workspace = app.workspaces.require(request.params.workspace);
      const result = await app.kpis.series(
        workspace,
        request.params.kpi,
        seriesQueryOf(workspace, request.query),
      );
      if (acceptsArrow(request)) return sendArrow(reply as FastifyReply, seriesColumns(result));
      return result;
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/kpis/:kpi',
    {
      schema: {
        tags,
        summary: 'One KPI for one brand (default: the own brand), with its previous period and delta',
        params: KpiParams,
        querystring: KpiBrandQuery,
        response: { 200: KpiValue, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const workspace = app.workspaces.require(request.params.workspace);
      return app.kpis.value(workspace, request.params.kpi, kpiValueQueryOf(workspace, request.query));
    },
  );
};

/** One column of bucket labels, then one per brand. */
function seriesColumns(result: KpiSeries): Record<string, ArrowColumn> {
  const columns: Record<string, ArrowColumn> = { bucket: { kind: 'utf8', values: result.buckets } };
  for (const s of result.series) columns[s.brand] = { kind: 'float64', values: s.values };
  return columns;
}
