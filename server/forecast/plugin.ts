import fp from 'fastify-plugin';
import { ForecastPool } from './pool.js';
import { forecastRoutes } from './routes.js';
import { ForecastService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    forecasts: ForecastService;
  }
}

/** Forecasts of every KPI, fitted on worker threads (augurs' fits are synchronous WASM). */
export default fp(
  async (app) => {
    const pool = new ForecastPool();
    const service = new ForecastService(app.kpis, pool);
    app.decorate('forecasts', service);
    app.addHook('onClose', () => pool.close());
    await app.register(forecastRoutes, { forecasts: service });
  },
  { name: 'forecast', dependencies: ['workspaces', 'kpi'] },
);
