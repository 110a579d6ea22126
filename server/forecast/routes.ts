import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ForecastParams, ForecastQuery, KpiForecast } from '../../shared/schemas/forecast.js';
import { answer, failure } from '../http/openapi.js';
import type { ForecastService } from './service.js';

export const forecastRoutes: FastifyPluginAsyncTypebox<{ forecasts: ForecastService }> = async (
  app,
  { forecasts },
) => {
  app.get(
    '/api/v1/workspaces/:workspace/kpis/:kpi/forecast',
    {
      schema: {
        tags: ['kpis'],
        operationId: 'getKpiForecast',
        summary: 'Forecast a KPI of a brand, with 80 % and 95 % intervals',
        description:
          'Fits the KPI’s own history (hour grain: the last 28 days, daily and weekly seasons; day grain: the last two years, weekly and yearly seasons) and answers `horizon` buckets from the one under way. The model is MSTL + AutoETS on log(1 + y) averaged with seasonal naive, unless a rolling backtest on the series prefers seasonal naive or Theta; the intervals are calibrated on that backtest’s errors.',
        params: ForecastParams,
        querystring: ForecastQuery,
        response: {
          200: answer(
            KpiForecast,
            'The forecast: exactly `horizon` points, lo95 ≤ lo80 ≤ mean ≤ hi80 ≤ hi95.',
          ),
          400: failure(
            'A brand not in the set, or a query field out of bounds (`invalid_query`, `invalid_request`).',
          ),
          404: failure('The workspace or the KPI does not exist (`unknown_workspace`, `unknown_kpi`).'),
          422: failure(
            'Too little history for this grain (`not_enough_history`): the message says how much is needed.',
          ),
        },
      },
    },
    async (request) =>
      forecasts.forecast(app.workspaces.require(request.params.workspace), request.params.kpi, request.query),
  );
};
