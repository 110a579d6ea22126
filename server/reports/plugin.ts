import fp from 'fastify-plugin';
import { Mailer } from './mailer.js';
import { ReportDelivery } from './delivery.js';
import { RenderPool } from './render-pool.js';
import { reportRoutes } from './routes.js';
import { ReportRunner } from './runner.js';
import { ReportScheduler } from './scheduler.js';
import { ReportService } from './service.js';
import { UnsubscribeLinks } from './unsubscribe.js';

declare module 'fastify' {
  interface FastifyInstance {
    reports: ReportService;
    reportRunner: ReportRunner;
  }
}

export interface ReportsPluginOptions {
  smtpUrl: string;
  mailFrom: string;
  catchUpMs: number;
  /** Where links in mails point (PUBLIC_URL); the address listened on when empty. */
  publicUrl: string;
  retryDelaysMs?: readonly number[] | undefined;
  now?: (() => number) | undefined;
}

/**
 * Scheduled e-mail reports (issue 13): their definitions, the scheduler that sends them at their
 * local time, send-now and preview, the run history, unsubscribe links.
 */
export default fp<ReportsPluginOptions>(
  async (app, options) => {
    const now = options.now ?? Date.now;
    const service = new ReportService(app.db, app.kpis, app.log, now);
    const mailer = new Mailer(options.smtpUrl, options.mailFrom, options.retryDelaysMs);
    const baseUrl = () => {
      if (options.publicUrl) return options.publicUrl.replace(/\/$/, '');
      const address = app.server.address();
      return `http://localhost:${typeof address === 'object' && address ? address.port : 80}`;
    };
    const links = new UnsubscribeLinks(app.db, baseUrl);
    const renderer = new RenderPool({
      smtpUrl: options.smtpUrl,
      mailFrom: options.mailFrom,
      retryDelaysMs: options.retryDelaysMs,
    });
    const runner = new ReportRunner(
      app.db,
      { kpis: app.kpis, forecasts: app.forecasts, objectives: app.objectives, alerts: app.alerts },
      mailer,
      links,
      renderer,
      {
        baseUrl,
        host: options.publicUrl ? new URL(options.publicUrl).hostname : 'localhost',
        screensWatching: () => app.engine.watched,
      },
      app.log,
      now,
    );
    const scheduler = new ReportScheduler(service, runner, app.workspaces, app.log, now, options.catchUpMs);
    const delivery = new ReportDelivery(service, runner, now);
    app.decorate('reports', service);
    app.decorate('reportRunner', runner);
    service.onChange(() => scheduler.wake());
    app.workspaces.onDelete((sql, workspace) => {
      links.forget(workspace.key);
      return service.deleteWorkspace(sql, workspace.key);
    });
    if (!mailer.configured) app.log.warn('SMTP_URL is not set: scheduled reports will fail until it is');
    app.addHook('onReady', () => scheduler.start());
    app.addHook('preClose', async () => {
      await scheduler.stop();
      mailer.close();
      await renderer.close();
    });
    await app.register(reportRoutes, { reports: service, delivery, links });
  },
  {
    name: 'reports',
    dependencies: ['db', 'workspaces', 'kpi', 'forecast', 'objectives', 'alerts', 'engine'],
  },
);
