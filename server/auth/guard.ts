import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { closeIfBodyIsLarge } from '../http/unread-body.js';
import { type Access, actorOf, forbidden, type Principal, unauthenticated } from './access.js';
import { presented } from './credentials.js';
import type { AuthService } from './service.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least a caller needs; the default follows the path (see accessOf). */
    access?: Access;
    /** What a successful call of this route writes into the audit log. */
    audit?: AuditRule;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AuditRule {
  action: string;
  /** Recorded for the hub rather than the workspace (whose own entries go with it). */
  hub?: boolean;
  /** Audited only when this holds (events: only corrections). */
  when?: (request: FastifyRequest) => boolean;
  summary?: (request: FastifyRequest) => string;
}

export interface GuardOptions {
  metricsPublic: boolean;
  docsPublic: boolean;
  keyIngestPerMinute: number;
  /** Behind a proxy the Host may be rewritten: the page's origin is then PUBLIC_URL's. */
  publicUrl: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * What a route needs when it does not say: under a workspace, reading needs a viewer and writing
 * an admin (a route that an analyst may use says so); the rest of the API needs a credential.
 */
export function accessOf(request: FastifyRequest, options: GuardOptions): Access {
  const declared = request.routeOptions.config.access;
  if (declared) return declared;
  const url = request.routeOptions.url;
  if (url === undefined) return 'public';
  if (url === '/metrics') return options.metricsPublic ? 'public' : 'signed-in';
  if (url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/'))
    return options.docsPublic ? 'public' : 'signed-in';
  if (!url.startsWith('/api/')) return 'public';
  if (url.includes(':workspace')) return SAFE_METHODS.has(request.method) ? 'viewer' : 'admin';
  return 'signed-in';
}

const crossSite = (origin: string) =>
  new ApiError(
    403,
    'cross_site_request',
    `A change sent with the session cookie from a page of "${origin.slice(0, 200)}" is refused.`,
    'Use the hub’s own pages; a script sends Authorization: Bearer <token> instead of the cookie.',
  );

/** A write carried by the cookie must come from the hub's own pages (a CSRF defence, per Origin). */
function checkSameOrigin(request: FastifyRequest, publicHost: string | undefined): void {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  if (origin === undefined) {
    if (site === undefined || site === 'same-origin' || site === 'none') {
      if (site === undefined) throw crossSite('(no Origin header)');
      return;
    }
    throw crossSite(String(site));
  }
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw crossSite(origin);
  }
  if (host !== request.headers.host && host !== publicHost) throw crossSite(origin);
}

/**
 * Every request is checked here, before its body is read: who is calling (401), whether they see
 * the workspace (404, as for one that does not exist), whether their role or key allows it (403).
 */
export function installGuard(app: FastifyInstance, auth: () => AuthService, options: GuardOptions): void {
  app.decorateRequest('principal', null);
  const ingestCounts = new Map<string, { minute: number; count: number }>();
  const publicHost = options.publicUrl ? new URL(options.publicUrl).host : undefined;
  app.addHook('onRequest', async (request, reply) => {
    try {
      await check(request);
    } catch (error) {
      // A refused upload's body is not read; a large one goes with the connection.
      closeIfBodyIsLarge(request, reply);
      throw error;
    }
  });

  const check = async (request: FastifyRequest) => {
    const access = accessOf(request, options);
    const credential = presented(request);
    const principal = credential ? auth().authenticate(credential.secret, credential.via) : undefined;
    request.principal = principal ?? null;
    if (access === 'public') {
      // A login from another site's page would sign the browser into the attacker's account.
      if (!SAFE_METHODS.has(request.method) && request.headers.origin) checkSameOrigin(request, publicHost);
      return;
    }
    if (!principal) {
      throw unauthenticated(
        credential ? 'This session or key is not valid: it has ended or been revoked.' : undefined,
      );
    }
    if (principal.via === 'cookie' && !SAFE_METHODS.has(request.method)) checkSameOrigin(request, publicHost);
    if (access === 'owner') {
      if (!principal.user?.owner)
        throw forbidden(
          'Only the hub’s owner can do this.',
          'Sign in as the owner (the first start printed how).',
        );
      return;
    }
    if (access === 'signed-in' || access === 'person') {
      if (access === 'person' && !principal.user)
        throw forbidden('Only a person can do this, not a key.', 'Sign in with your e-mail address.');
      if (principal.key && !principal.key.scopes.includes('read')) {
        throw forbidden(
          `Key "${principal.key.name}" can only post events.`,
          'Use a key with the read scope, or sign in as a person.',
        );
      }
      return;
    }
    const workspace = (request.params as { workspace?: string }).workspace ?? '';
    auth().require(principal, workspace, access);
    if (access === 'ingest' && principal.key && options.keyIngestPerMinute > 0)
      limitIngest(ingestCounts, principal.key.id, options.keyIngestPerMinute);
  };

  app.addHook('onSend', async (request, reply, payload) => {
    const rule = request.routeOptions.config.audit;
    const principal = request.principal;
    if (!rule || !principal || reply.statusCode >= 300 || (rule.when && !rule.when(request))) return payload;
    const params = request.params as Record<string, string>;
    const workspace = params.workspace ?? null;
    const target = Object.entries(params).find(([name]) => name !== 'workspace')?.[1] ?? workspace ?? '';
    // The answer waits for its audit entry: no change is acknowledged without one.
    await auth().audit.record({
      workspace: rule.hub ? null : workspace,
      actor: actorOf(principal),
      action: rule.action,
      target,
      summary: rule.summary?.(request) ?? `${request.method} ${request.url.split('?')[0]}`,
      ip: request.ip,
    });
    return payload;
  });
}

function limitIngest(counts: Map<string, { minute: number; count: number }>, key: string, max: number) {
  const minute = Math.floor(Date.now() / 60_000);
  const entry = counts.get(key);
  if (!entry || entry.minute !== minute) {
    counts.set(key, { minute, count: 1 });
    return;
  }
  if (++entry.count > max) {
    const retry = String(60 - Math.floor((Date.now() % 60_000) / 1000));
    throw new ApiError(
      429,
      'key_rate_limited',
      `This key sent more than ${max} ingest requests this minute.`,
      `Retry after ${retry} s, send larger batches, or raise KEY_INGEST_PER_MINUTE.`,
      { 'retry-after': retry },
    );
  }
}
