import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { KeySessionInput, LoginAnswer, LoginInput, PasswordInput } from '../../shared/schemas/auth.js';
import { ApiError } from '../errors.js';
import { answer, empty, failure, RETRY_AFTER } from '../http/openapi.js';
import { clearSessionCookie, setSessionCookie } from './credentials.js';

export interface SessionRouteOptions {
  publicUrl: string;
  sessionMaxSeconds: number;
}

const tags = ['auth'];
const unauthenticated = failure('Not signed in, or the session has ended (`unauthenticated`).');
const notJson = failure('The body is not sent as application/json (`unsupported_media_type`).');

/** Signing in and out, for people (e-mail and password) and wall screens (a read key). */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRouteOptions> = async (app, options) => {
  app.post(
    '/api/v1/auth/login',
    {
      config: {
        access: 'public',
        // Per address; failures per account are counted by the service.
        rateLimit: { max: 20, timeWindow: 60_000 },
      },
      schema: {
        tags,
        operationId: 'login',
        summary: 'Sign in',
        description:
          'Checks an e-mail address and password; answers the session token (scripts send it as `Authorization: Bearer <token>`) and sets the HttpOnly session cookie (browsers). The session ends after SESSION_IDLE_DAYS unused or SESSION_MAX_DAYS in all. 20 attempts a minute per address; 10 failures for one account make it wait 15 minutes.',
        body: LoginInput,
        response: {
          200: answer(LoginAnswer, 'Signed in: the token and who you are.'),
          400: failure('The body is not valid (`invalid_request`, `malformed_body`).'),
          401: failure('The e-mail address or the password is wrong (`bad_credentials`).'),
          403: failure('Sent from a page of another site (`cross_site_request`).'),
          415: notJson,
          429: failure('Too many attempts (`too_many_attempts`): wait as Retry-After says.', RETRY_AFTER),
        },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const wait = app.auth.lockedFor(email);
      if (wait > 0) throw tooManyAttempts(wait, 'for this account');
      const { token, user } = await app.auth.login(email, password, request.ip);
      setSessionCookie(reply, request, token, options.publicUrl, options.sessionMaxSeconds);
      return { token, user: { email: user.email, name: user.name, owner: user.owner } };
    },
  );

  app.post(
    '/api/v1/auth/key-session',
    {
      config: { access: 'public', rateLimit: { max: 20, timeWindow: 60_000 } },
      schema: {
        tags,
        operationId: 'keySession',
        summary: 'Sign a screen in with a read key',
        description:
          'Trades a read key for a session cookie, once: a wall screen then runs without the key in its address bar. The session ends when the key is revoked.',
        body: KeySessionInput,
        response: {
          200: answer(Type.Object({ workspace: Type.String() }), 'Signed in: the workspace the key reads.'),
          401: failure('The key is not valid or was revoked (`unauthenticated`).'),
          403: failure('The key cannot read (`forbidden`), or the page is of another site.'),
          415: notJson,
          429: failure('Too many attempts (`too_many_attempts`).', RETRY_AFTER),
        },
      },
    },
    async (request, reply) => {
      const { token, key } = await app.auth.keySession(request.body.key);
      setSessionCookie(reply, request, token, options.publicUrl, options.sessionMaxSeconds);
      return { workspace: key.workspace };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        operationId: 'logout',
        summary: 'Sign out',
        description:
          'Ends this session at once, open live connections included, and clears the cookie. A key sent as a bearer has no session: revoke the key instead.',
        response: { 204: empty('Signed out.'), 401: unauthenticated },
      },
    },
    async (request, reply) => {
      await app.auth.logout(request.principal!);
      clearSessionCookie(reply, request, options.publicUrl);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/api/v1/auth/password',
    {
      config: { access: 'person' },
      schema: {
        tags,
        operationId: 'changePassword',
        summary: 'Change your password',
        description:
          'Checks the current password and sets the next one (12 characters at least, not the e-mail). Every session of the person ends, this one included: sign in again.',
        body: PasswordInput,
        response: {
          204: empty('Changed; every session has ended.'),
          400: failure(
            'The current password is wrong (`bad_credentials`) or the next one is too weak (`weak_password`).',
          ),
          401: unauthenticated,
          403: failure('A key has no password (`forbidden`), or the page is of another site.'),
          415: notJson,
        },
      },
    },
    async (request, reply) => {
      await app.auth.changePassword(request.principal!, request.body.current, request.body.next, request.ip);
      clearSessionCookie(reply, request, options.publicUrl);
      return reply.code(204).send(null);
    },
  );
};

export const tooManyAttempts = (seconds: number, per: string) =>
  new ApiError(
    429,
    'too_many_attempts',
    `Too many sign-in attempts ${per}.`,
    `Wait ${seconds} s and try again; an admin can set a new password if it is forgotten.`,
    { 'retry-after': String(seconds) },
  );
