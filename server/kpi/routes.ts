import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Float64, Table, tableToIPC, Utf8, type Vector, vectorFromArray } from 'apache-arrow';
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
import { ARROW_STREAM } from '../rollups/routes.js';
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
      if (request.headers.accept?.includes(ARROW_STREAM)) {
        // The typed reply only knows the JSON schema; Arrow bytes go out untyped.
        return (reply as FastifyReply).type(ARROW_STREAM).send(Buffer.from(kpiSeriesToArrow(result)));
      }
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

function kpiSeriesToArrow(result: KpiSeries): Uint8Array {
  const columns: Record<string, Vector> = { bucket: vectorFromArray(result.buckets, new Utf8()) };
  for (const s of result.series) columns[s.brand] = vectorFromArray(s.values, new Float64());
  return tableToIPC(new Table(columns), 'stream');
}
