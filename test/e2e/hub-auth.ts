// Signing in to a test hub from a browser test. startChildHub sets the owner's password
// (../helpers/sign-in.ts) and makes the test's own fetch() act as the owner; a browser is another
// client: its context is given the session cookie the hub set at a sign-in, as a page that signed
// in would hold. API calls here name their credentials (a person's token, a key) explicitly.
import type { Browser, BrowserContextOptions, BrowserContext, Page } from 'playwright-core';
import { DEMO_BRANDS } from '../helpers/server.js';
import { anonymousFetch, TEST_OWNER, TEST_PASSWORD } from '../helpers/sign-in.js';

export const OWNER = { email: TEST_OWNER, password: TEST_PASSWORD };
export const SESSION_COOKIE = 'convergence_session';

export interface HubSession {
  token: string;
  /** The value of the session cookie the hub set. */
  cookie: string;
}

export async function login(url: string, email: string, password: string): Promise<HubSession> {
  const response = await anonymousFetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`login ${email}: ${response.status} ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  const set = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  const cookie = set ? set.slice(SESSION_COOKIE.length + 1).split(';')[0]! : token;
  return { token, cookie };
}

/** A JSON call with `Authorization: Bearer <token or key>`; throws unless it answers 2xx. */
export async function call<T = unknown>(
  url: string,
  bearer: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await anonymousFetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export const putWorkspaceAs = (url: string, token: string, id: string, name: string, timezone = 'UTC') =>
  call(url, token, 'PUT', `/api/v1/workspaces/${id}`, { name, timezone, brands: DEMO_BRANDS });

export const createKey = (url: string, token: string, workspace: string, name: string, scopes: string[]) =>
  call<{ id: string; key: string }>(url, token, 'POST', `/api/v1/workspaces/${workspace}/keys`, {
    name,
    scopes,
  });

/** Posts events as JSON with an ingest key. */
export async function ingestWith(url: string, key: string, workspace: string, rows: object[]): Promise<void> {
  await call(url, key, 'POST', `/api/v1/workspaces/${workspace}/events`, rows);
}

/** The browser context signed in as `session`: its pages open without the sign-in form. */
export async function signInContext(
  context: BrowserContext,
  url: string,
  session: HubSession,
): Promise<void> {
  await context.addCookies([
    { name: SESSION_COOKIE, value: session.cookie, url, httpOnly: true, sameSite: 'Lax' },
  ]);
}

/** A page of a new browser context signed in as `session`. */
export async function signedInPage(
  browser: Browser,
  url: string,
  session: HubSession,
  options: BrowserContextOptions,
): Promise<Page> {
  const context = await browser.newContext(options);
  await signInContext(context, url, session);
  return context.newPage();
}
