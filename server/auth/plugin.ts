import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { DomainError } from '../errors.js';
import { sessionRoutes } from './routes.js';
import { tooManyAttempts } from './routes.js';
import { AuthService, type SessionPolicy } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthService;
    /** The owner's password when this start created the owner (printed once), else undefined. */
    firstStart: { email: string; password: string; generated: boolean } | undefined;
  }
}

export interface AuthOptions {
  adminEmail: string;
  adminPassword: string;
  publicUrl: string;
  sessions: SessionPolicy;
  /** The clock sessions expire by (tests move it). */
  now?: () => number;
}

const SWEEP_MS = 3_600_000;

export default fp<AuthOptions>(
  async (app, options) => {
    const service = new AuthService(app.db, app.log, options.sessions, options.now);
    await service.init();
    const password = options.adminPassword || undefined;
    const created = await service.ensureOwner(options.adminEmail, password).catch((error: unknown) => {
      if (!(error instanceof DomainError)) throw error;
      throw new DomainError(
        error.kind,
        error.code,
        `CONVERGENCE_ADMIN_PASSWORD cannot be the owner's password: ${error.message}`,
        `${error.hint} Or leave CONVERGENCE_ADMIN_PASSWORD unset: the first start then prints a random one.`,
      );
    });
    app.decorate('auth', service);
    app.decorate(
      'firstStart',
      created === undefined
        ? undefined
        : { email: options.adminEmail.trim().toLowerCase(), password: created, generated: !password },
    );
    const sweep = setInterval(() => {
      service.sweep().catch((err: unknown) => app.log.warn({ err }, 'expired sessions not swept'));
    }, SWEEP_MS);
    sweep.unref();
    app.addHook('onClose', async () => clearInterval(sweep));

    // Only routes that ask for it (sign-in) are limited.
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        tooManyAttempts(Math.ceil(context.ttl / 1000), 'from this address'),
    });
    await app.register(sessionRoutes, {
      publicUrl: options.publicUrl,
      sessionMaxSeconds: Math.floor(options.sessions.absoluteMs / 1000),
    });
  },
  { name: 'auth', dependencies: ['db'] },
);
