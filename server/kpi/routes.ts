import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '../../shared/schemas/errors.js';
import {
  Benchmark,
  BenchmarkQuery,
  KpiBrandQuery,
  KpiCatalogue,
  KpiParams,
  KpiValue,
} from '../../shared/schemas/kpi.js';
import { WorkspaceParams } from '../../shared/schemas/workspaces.js';

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
      app.workspaces.require(request.params.workspace);
      return app.kpis.catalogue();
    },
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
      return app.kpis.benchmark(app.workspaces.require(request.params.workspace), kpi, query);
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
    async (request) =>
      app.kpis.value(app.workspaces.require(request.params.workspace), request.params.kpi, request.query),
  );
};
