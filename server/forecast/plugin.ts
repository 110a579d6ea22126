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
export default fp<{ now?: () => number }>(
  async (app, { now }) => {
    const pool = new ForecastPool();
    const service = new ForecastService(app.db, app.kpis, pool, app.log, now);
    app.decorate('forecasts', service);
    app.workspaces.onDelete((sql, workspace) => service.deleteWorkspace(sql, workspace.key));
    // A new time zone, brand set or KPI definition changes the series: fitted again when next asked.
    const forget = (id: string) => {
      const workspace = app.workspaces.get(id);
      if (workspace)
        service.forget(workspace.key).catch((err: unknown) => app.log.warn({ err }, 'forecasts not reset'));
    };
    app.workspaces.onChange(forget);
    app.kpis.onChange(forget);
    app.addHook('onClose', () => pool.close());
    await app.register(forecastRoutes, { forecasts: service });
  },
  { name: 'forecast', dependencies: ['db', 'workspaces', 'kpi'] },
);
