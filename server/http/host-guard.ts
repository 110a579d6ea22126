import os from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';

// DNS rebinding: a page on attacker.example whose name is made to resolve to 127.0.0.1 can call
// a hub on this machine from the victim's browser, with `Host: attacker.example`. Answering only
// to names the hub is known by closes that; loopback names and IP literals cannot be rebound.

export interface HostGuardOptions {
  /** Comma-separated extra host names; `*` turns the check off (a proxy in front checks the host). */
  allowedHosts: string;
  publicUrl: string;
  /** The address the hub listens on. */
  bindHost: string;
}

/** Host names the hub answers to (lower case, no port, IPv6 without brackets). */
export function allowedHostNames(options: HostGuardOptions): Set<string> | '*' {
  const extra = options.allowedHosts
    .split(',')
    .map((h) => normalize(h))
    .filter((h) => h !== '');
  if (extra.includes('*')) return '*';
  const names = new Set(['localhost', '127.0.0.1', '::1', normalize(os.hostname())]);
  if (options.bindHost !== '0.0.0.0' && options.bindHost !== '::') names.add(normalize(options.bindHost));
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) names.add(normalize(address.address));
  }
  if (options.publicUrl) names.add(normalize(new URL(options.publicUrl).hostname));
  for (const h of extra) names.add(h);
  return names;
}

/** `Example.COM.`, `[::1]`, `host:8080` → `example.com`, `::1`, `host`. */
function normalize(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) h = h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  else if (h.split(':').length === 2) h = h.slice(0, h.indexOf(':'));
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

const hostOfOrigin = (origin: string): string | undefined => {
  try {
    return normalize(new URL(origin).hostname);
  } catch {
    return undefined;
  }
};

const refused = (host: string) =>
  new ApiError(
    421,
    'host_not_allowed',
    `This hub does not answer to the host name "${host.slice(0, 200)}".`,
    'If it is the name people use to reach the hub, add it to ALLOWED_HOSTS (comma-separated) or set PUBLIC_URL on the server.',
  );

const foreignOrigin = (origin: string) =>
  new ApiError(
    403,
    'origin_not_allowed',
    `A live connection from a page of "${origin.slice(0, 200)}" is refused.`,
    'Open the dashboard from the hub itself, or add that host to ALLOWED_HOSTS on the server.',
  );

/**
 * Checks the Host of every request, and the Origin of websocket upgrades (a browser always sends
 * one; a script need not, and is let through).
 */
export function installHostGuard(app: FastifyInstance, options: HostGuardOptions): void {
  const names = allowedHostNames(options);
  if (names === '*') return;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
    // A refused upgrade's socket is nobody's once answered (the websocket plugin never saw it).
    if (upgrade) reply.raw.once('finish', () => request.raw.socket.destroy());
    const host = request.headers.host ?? '';
    if (!names.has(normalize(host))) throw refused(host);
    const origin = request.headers.origin;
    if (origin !== undefined && upgrade) {
      const originHost = hostOfOrigin(origin);
      if (originHost === undefined || !names.has(originHost)) throw foreignOrigin(origin);
    }
  });
}
