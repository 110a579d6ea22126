import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

// A browser holds its session in one HttpOnly cookie; a script sends the token or a key as a
// bearer. A bearer, when sent, is the only credential looked at.

export const SESSION_COOKIE = 'convergence_session';

export interface Presented {
  secret: string;
  via: 'cookie' | 'bearer';
}

export function presented(request: FastifyRequest): Presented | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return { secret: match?.[1] ?? '', via: 'bearer' };
  }
  const cookies = request.headers.cookie;
  const secret = cookies ? parseCookie(cookies)[SESSION_COOKIE] : undefined;
  return secret ? { secret, via: 'cookie' } : undefined;
}

/** Served over https (directly or, per PUBLIC_URL, behind a proxy): the cookie is Secure. */
const secure = (request: FastifyRequest, publicUrl: string) =>
  request.protocol === 'https' || publicUrl.startsWith('https:');

export function setSessionCookie(
  reply: FastifyReply,
  request: FastifyRequest,
  token: string,
  publicUrl: string,
  maxAgeSeconds: number,
): void {
  reply.header(
    'set-cookie',
    stringifySetCookie({
      name: SESSION_COOKIE,
      value: token,
      httpOnly: true,
      sameSite: 'lax',
      secure: secure(request, publicUrl),
      path: '/',
      maxAge: maxAgeSeconds,
    }),
  );
}

export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest, publicUrl: string): void {
  reply.header(
    'set-cookie',
    stringifySetCookie({
      name: SESSION_COOKIE,
      value: '',
      httpOnly: true,
      sameSite: 'lax',
      secure: secure(request, publicUrl),
      path: '/',
      maxAge: 0,
    }),
  );
}
