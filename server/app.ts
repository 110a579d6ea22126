import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { ClientMessage, ServerMessage, TopicData } from '../shared/schemas/live.js';
import type { Config } from './config.js';
import authPlugin from './auth/plugin.js';
import { installGuard } from './auth/guard.js';
import peoplePlugin from './people/plugin.js';
import dbPlugin from './db/plugin.js';
import forecastPlugin from './forecast/plugin.js';
import {
  clientErrorHandler,
  frameworkErrors,
  installErrorHandler,
  JSON_BODY_LIMIT,
  parseJsonBody,
} from './http/error-handler.js';
import { installHostGuard } from './http/host-guard.js';
import { swaggerOptions } from './http/openapi.js';
import ingestPlugin from './ingest/plugin.js';
import demoPlugin from './demo/plugin.js';
import kpiPlugin from './kpi/plugin.js';
import alertsPlugin from './alerts/plugin.js';
import anomaliesPlugin from './anomalies/plugin.js';
import enginePlugin from './engine/plugin.js';
import livePlugin from './live/plugin.js';
import objectivesPlugin from './objectives/plugin.js';
import reportsPlugin from './reports/plugin.js';
import opsPlugin from './ops/plugin.js';
import rollupsPlugin from './rollups/plugin.js';
import vocabularyPlugin from './vocabulary/plugin.js';
import wallPlugin from './wall/plugin.js';
import webPlugin from './web/plugin.js';
import workspacesPlugin from './workspaces/plugin.js';

export interface BuildOptions {
  /** Overrides the logger (tests pass false). */
  logger?: FastifyServerOptions['logger'];
  /** The clock sessions expire, forecasts are refitted and alert rules are evaluated by (tests move it). */
  now?: () => number;
  /** Waits between SMTP attempts of a report mail (tests shorten them). */
  mailRetryDelaysMs?: readonly number[];
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** `auto`: public when only this machine can reach the hub. */
const publicWhen = (setting: 'auto' | 'on' | 'off', host: string) =>
  setting === 'on' || (setting === 'auto' && LOOPBACK.has(host));

/** Builds the whole hub from a config; `main.ts` listens, tests inject or listen on port 0. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    // Producers post every second or so: a line per request only when debugging.
    logController: new LogController({
      disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace',
    }),
    // Ingest reads its own bodies (with MAX_BODY_MB); every other route takes small JSON.
    bodyLimit: JSON_BODY_LIMIT,
    // A client that never finishes its request does not hold a connection (and memory) forever.
    requestTimeout: config.requestTimeoutMs,
    http: { headersTimeout: Math.min(15_000, config.requestTimeoutMs), connectionsCheckingInterval: 1_000 },
    // Query lists are comma-separated strings, never repeated keys.
    routerOptions: { maxParamLength: 200 },
    frameworkErrors,
    clientErrorHandler,
    // The client's address (sign-in limits, the audit log) and https (the Secure cookie) from the proxy.
    trustProxy: config.trustProxy || false,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandler(app);
  // `Expect: 100-continue` (curl's default for large bodies): the body is asked for only once every
  // onRequest hook has passed, so a request refused there (an ingest over its budget) never sends it.
  app.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) =>
    app.server.emit('request', request, response),
  );
  app.addHook('preParsing', async (request, reply) => {
    if (request.headers.expect?.toLowerCase() === '100-continue') reply.raw.writeContinue();
  });
  installHostGuard(app, {
    allowedHosts: config.allowedHosts,
    publicUrl: config.publicUrl,
    bindHost: config.host,
  });
  // Before any route is registered, so that it guards them all (see auth/guard.ts).
  installGuard(app, () => app.auth, {
    metricsPublic: publicWhen(config.metricsPublic, config.host),
    docsPublic: publicWhen(config.docsPublic, config.host),
    keyIngestPerMinute: config.keyIngestPerMinute,
    publicUrl: config.publicUrl,
  });
  await app.register(helmet, {
    // The built app loads its scripts and styles from the hub; ECharts and Vue set inline styles.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Over plain http on a LAN, HSTS would lock browsers out; a TLS proxy in front sets it.
    strictTransportSecurity: false,
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);

  await app.register(
    swagger,
    swaggerOptions({
      // The websocket's messages, which no HTTP schema names (GET /api/v1/live refers to them).
      LiveClientMessage: ClientMessage,
      LiveServerMessage: ServerMessage,
      ...Object.fromEntries(
        Object.entries(TopicData).map(([topic, schema]) => [`LiveTopicData_${topic}`, schema]),
      ),
    }),
  );
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(dbPlugin, {
    file: config.dbFile,
    memoryLimit: config.duckdbMemoryLimit,
    threads: config.duckdbThreads || undefined,
  });
  await app.register(authPlugin, {
    adminEmail: config.adminEmail,
    adminPassword: config.adminPassword,
    publicUrl: config.publicUrl,
    sessions: {
      idleMs: config.sessionIdleDays * 86_400_000,
      absoluteMs: config.sessionMaxDays * 86_400_000,
    },
    now: options.now,
  });
  await app.register(opsPlugin);
  await app.register(vocabularyPlugin);
  await app.register(workspacesPlugin);
  await app.register(peoplePlugin);
  await app.register(rollupsPlugin, { compactIntervalMs: config.compactIntervalMs });
  await app.register(ingestPlugin, { config });
  await app.register(kpiPlugin);
  await app.register(forecastPlugin, { now: options.now });
  await app.register(wallPlugin);
  await app.register(alertsPlugin, {
    checkMs: config.tickMs,
    ruleMs: config.alertRuleIntervalMs,
    now: options.now,
  });
  await app.register(anomaliesPlugin, {
    checkMs: config.tickMs,
    now: options.now,
    level: Number(config.anomalyLevel) / 100,
    pending: config.anomalyPendingHours,
    cooldownMs: config.anomalyCooldownHours * 3_600_000,
  });
  // After forecasts (its projections) and alerts (it raises "objective at risk").
  await app.register(objectivesPlugin, { checkMs: config.objectiveCheckMs, now: options.now });
  await app.register(enginePlugin, { tickMs: config.tickMs });
  // After the engine: reports give way while screens are live.
  await app.register(reportsPlugin, {
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    catchUpMs: config.reportCatchUpHours * 3_600_000,
    publicUrl: config.publicUrl,
    retryDelaysMs: options.mailRetryDelaysMs,
    now: options.now,
  });
  await app.register(livePlugin, { backlogBytes: config.liveBacklogBytes });
  await app.register(demoPlugin, { config });
  await app.register(webPlugin);
  return app;
}
