import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { killAllHubs, killHub, startChildHub } from '../helpers/child.js';
import { LiveClient } from '../helpers/live-client.js';
import { expectError, putWorkspace, startServer, type TestServer } from '../helpers/server.js';
import { actAsOwner, anonymousFetch, bearer, signIn, TEST_OWNER, TEST_PASSWORD } from '../helpers/sign-in.js';

const PASSWORD = 'another long password';
const json = { 'content-type': 'application/json' };

async function addMember(server: TestServer, workspace: string, email: string, role: string) {
  const response = await fetch(`${server.url}/api/v1/workspaces/${workspace}/members/${email}`, {
    method: 'PUT',
    headers: json,
    body: JSON.stringify({ role, password: PASSWORD }),
  });
  expect(response.status).toBeLessThan(300);
}

async function createKey(server: TestServer, workspace: string, scopes: string[], name = 'k') {
  const response = await fetch(`${server.url}/api/v1/workspaces/${workspace}/keys`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ name, scopes }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; key: string };
}

const closeOf = (ws: WebSocket) =>
  new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe('sessions and revocation', () => {
  let server: TestServer;
  let clock = Date.now();
  beforeAll(async () => {
    server = await startServer({}, { now: () => clock });
    await putWorkspace(server.url, 'w');
    await putWorkspace(server.url, 'other');
    await addMember(server, 'w', 'viewer@example.com', 'viewer');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a session is valid until idle for 7 days or 30 days old, and use renews it', async () => {
    const token = await signIn(server.url, 'viewer@example.com', PASSWORD);
    const me = () => anonymousFetch(`${server.url}/api/v1/auth/me`, { headers: bearer(token) });
    for (let day = 0; day < 4; day++) {
      clock += 6 * 86_400_000; // used every 6 days: kept alive
      expect((await me()).status).toBe(200);
    }
    clock += 7 * 86_400_000; // 31 days old now, and idle for 7: ended
    await expectError(await me(), 401, 'unauthenticated');

    const idle = await signIn(server.url, 'viewer@example.com', PASSWORD);
    clock += 7 * 86_400_000 + 1000;
    await expectError(
      await anonymousFetch(`${server.url}/api/v1/auth/me`, { headers: bearer(idle) }),
      401,
      'unauthenticated',
    );
    // The owner's session of the helpers aged with the clock too.
    await actAsOwner(server.url);
  });

  it('signing out ends the session at once, its open websocket included', async () => {
    const token = await signIn(server.url, 'viewer@example.com', PASSWORD);
    const client = await LiveClient.open(server.url, undefined, bearer(token));
    const closed = closeOf(client.ws);
    const out = await anonymousFetch(`${server.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: bearer(token),
    });
    expect(out.status).toBe(204);
    expect(await closed).toBe(4401);
    await expectError(
      await anonymousFetch(`${server.url}/api/v1/auth/me`, { headers: bearer(token) }),
      401,
      'unauthenticated',
    );
  });

  it('a revoked key stops at once: its requests get 401 and its socket is closed', async () => {
    const { id, key } = await createKey(server, 'w', ['read']);
    const client = await LiveClient.open(server.url, undefined, bearer(key));
    client.send({ type: 'subscribe', id: 'q', topic: 'quality', params: { workspace: 'w' } });
    await client.next((m) => m.type === 'snapshot');
    const closed = closeOf(client.ws);
    expect((await fetch(`${server.url}/api/v1/workspaces/w/keys/${id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect(await closed).toBe(4401);
    await expectError(
      await anonymousFetch(`${server.url}/api/v1/workspaces/w`, { headers: bearer(key) }),
      401,
      'unauthenticated',
    );
  });

  it('removing a member or changing a password ends that person’s sessions', async () => {
    await addMember(server, 'w', 'leaver@example.com', 'analyst');
    const token = await signIn(server.url, 'leaver@example.com', PASSWORD);
    const client = await LiveClient.open(server.url, undefined, bearer(token));
    const closed = closeOf(client.ws);
    expect(
      (await fetch(`${server.url}/api/v1/workspaces/w/members/leaver@example.com`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    expect(await closed).toBe(4401);
    await expectError(
      await anonymousFetch(`${server.url}/api/v1/workspaces/w`, { headers: bearer(token) }),
      401,
      'unauthenticated',
    );

    const first = await signIn(server.url, 'viewer@example.com', PASSWORD);
    const second = await signIn(server.url, 'viewer@example.com', PASSWORD);
    const weak = await anonymousFetch(`${server.url}/api/v1/auth/password`, {
      method: 'PUT',
      headers: { ...json, ...bearer(first) },
      body: JSON.stringify({ current: PASSWORD, next: 'short' }),
    });
    expect((await expectError(weak, 400, 'weak_password')).message).toMatch(/at least 12/);
    const changed = await anonymousFetch(`${server.url}/api/v1/auth/password`, {
      method: 'PUT',
      headers: { ...json, ...bearer(first) },
      body: JSON.stringify({ current: PASSWORD, next: 'a brand new passphrase' }),
    });
    expect(changed.status).toBe(204);
    for (const token of [first, second]) {
      const me = await anonymousFetch(`${server.url}/api/v1/auth/me`, { headers: bearer(token) });
      expect(me.status).toBe(401);
    }
    await signIn(server.url, 'viewer@example.com', 'a brand new passphrase');
  });

  it('the websocket needs credentials, and each subscription a workspace the caller sees', async () => {
    const plain = await anonymousFetch(`${server.url}/api/v1/live`);
    await expectError(plain, 401, 'unauthenticated');
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/live`);
      ws.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      ws.once('error', () => undefined);
    });
    expect(refused).toBe(401);

    await addMember(server, 'w', 'watcher@example.com', 'viewer');
    const token = await signIn(server.url, 'watcher@example.com', PASSWORD);
    const client = await LiveClient.open(server.url, undefined, bearer(token));
    client.send({ type: 'subscribe', id: 'mine', topic: 'quality', params: { workspace: 'w' } });
    client.send({ type: 'subscribe', id: 'theirs', topic: 'quality', params: { workspace: 'other' } });
    const error = await client.next((m) => m.type === 'error');
    expect(error).toMatchObject({ type: 'error', id: 'theirs', code: 'unknown_workspace' });
    await client.next((m) => m.type === 'snapshot' && m.id === 'mine');
    expect(client.messages.some((m) => m.type === 'snapshot' && m.id === 'theirs')).toBe(false);
    client.ws.close();
  });

  it('a wall screen trades a read key for a session cookie; an ingest key cannot', async () => {
    const { key } = await createKey(server, 'w', ['read'], 'wall');
    const answer = await anonymousFetch(`${server.url}/api/v1/auth/key-session`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ key }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ workspace: 'w' });
    const cookie = answer.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^convergence_session=cvs_[\w-]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const session = cookie.split(';')[0]!;
    const me = await anonymousFetch(`${server.url}/api/v1/auth/me`, { headers: { cookie: session } });
    expect(await me.json()).toMatchObject({
      user: null,
      key: { name: 'wall', scopes: ['read'] },
      workspaces: [{ id: 'w', role: 'viewer' }],
    });
    const ingest = await createKey(server, 'w', ['ingest']);
    const no = await anonymousFetch(`${server.url}/api/v1/auth/key-session`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ key: ingest.key }),
    });
    await expectError(no, 403, 'forbidden');
  });
});

describe('browser defences', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    await putWorkspace(server.url, 'w');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a write carried by the cookie must come from the hub’s own pages (CSRF)', async () => {
    const login = await anonymousFetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: TEST_OWNER, password: TEST_PASSWORD }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const put = (headers: Record<string, string>) =>
      anonymousFetch(`${server.url}/api/v1/workspaces/w/wall`, {
        method: 'PUT',
        headers: { ...json, cookie, ...headers },
        body: JSON.stringify({ boards: [] }),
      });
    await expectError(await put({ origin: 'https://attacker.example' }), 403, 'cross_site_request');
    await expectError(await put({}), 403, 'cross_site_request');
    await expectError(await put({ 'sec-fetch-site': 'cross-site' }), 403, 'cross_site_request');
    const own = await put({ origin: server.url });
    expect(own.status).not.toBe(403);
    // Reads with the cookie need no Origin; a bearer needs none either.
    expect((await anonymousFetch(`${server.url}/api/v1/workspaces/w`, { headers: { cookie } })).status).toBe(
      200,
    );
    const withBearer = await anonymousFetch(`${server.url}/api/v1/workspaces/w/wall`, {
      method: 'PUT',
      headers: { ...json, ...bearer(server.token) },
      body: JSON.stringify({ boards: [] }),
    });
    expect(withBearer.status).not.toBe(403);
  });

  it('answers with security headers and a content security policy', async () => {
    const response = await anonymousFetch(`${server.url}/healthz`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sign-in is rate-limited per account and per address', async () => {
    const attempt = (email: string, password: string) =>
      anonymousFetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email, password }),
      });
    for (let i = 0; i < 10; i++)
      await expectError(await attempt(TEST_OWNER, 'wrong password!'), 401, 'bad_credentials');
    // The account waits, even with the right password.
    const locked = await attempt(TEST_OWNER, TEST_PASSWORD);
    await expectError(locked, 429, 'too_many_attempts');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The address: 20 a minute in all (one was spent in the test above).
    let last: Response | undefined;
    for (let i = 0; i < 12 && last?.status !== 429; i++)
      last = await attempt('someone@example.com', 'wrong password!');
    await expectError(last!, 429, 'too_many_attempts');
    expect(last!.headers.get('retry-after')).not.toBeNull();
  });
});

describe('who may create and see workspaces', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    await putWorkspace(server.url, 'w');
    await putWorkspace(server.url, 'other');
    await addMember(server, 'w', 'admin@example.com', 'admin');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('only the owner creates a workspace; an admin sees and changes their own only', async () => {
    const token = await signIn(server.url, 'admin@example.com', PASSWORD);
    const body = JSON.stringify({ name: 'New', brands: [{ id: 'acme', name: 'Acme', own: true }] });
    const create = await anonymousFetch(`${server.url}/api/v1/workspaces/fresh`, {
      method: 'PUT',
      headers: { ...json, ...bearer(token) },
      body,
    });
    await expectError(create, 404, 'unknown_workspace');
    const update = await anonymousFetch(`${server.url}/api/v1/workspaces/w`, {
      method: 'PUT',
      headers: { ...json, ...bearer(token) },
      body,
    });
    expect(update.status).toBe(200);
    const list = await anonymousFetch(`${server.url}/api/v1/workspaces`, { headers: bearer(token) });
    expect(((await list.json()) as { rows: { id: string }[] }).rows.map((w) => w.id)).toEqual(['w']);
    const all = await fetch(`${server.url}/api/v1/workspaces`);
    expect(((await all.json()) as { rows: { id: string }[] }).rows.map((w) => w.id)).toEqual(['other', 'w']);
  });

  it('an anonymous upload is refused before its body is read', async () => {
    const response = await anonymousFetch(`${server.url}/api/v1/workspaces/w/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: 'x'.repeat(8 * 1024 * 1024),
    });
    await expectError(response, 401, 'unauthenticated');
  });

  it('a client still sending a refused upload gets its answer (the hub lingers, no reset)', async () => {
    const port = Number(new URL(server.url).port);
    const send = (workspace: string, token: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        let received = '';
        let sending: NodeJS.Timeout | undefined;
        socket.pause(); // reads nothing for a while, as a busy producer would
        socket.on('connect', () => {
          socket.write(
            `POST /api/v1/workspaces/${workspace}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`,
          );
          const block = Buffer.alloc(256 * 1024, 'x');
          sending = setInterval(() => socket.writable && socket.write(block), 5);
          setTimeout(() => socket.resume(), 500);
        });
        socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(sending);
          resolve(received);
        });
      });
    // Refused by the guard (signed out), and by admission (a workspace that does not exist).
    const signedOut = await send('w', 'cvs_nobody');
    expect(signedOut).toMatch(/^HTTP\/1\.1 401/);
    expect(signedOut).toContain('"code":"unauthenticated"');
    const unknown = await send('nope', server.token);
    expect(unknown).toMatch(/^HTTP\/1\.1 404/);
    expect(unknown).toContain('"code":"unknown_workspace"');
  });

  it('every change is in the audit log, with who, what and from where', async () => {
    const token = await signIn(server.url, 'admin@example.com', PASSWORD);
    const as = (init: RequestInit) => ({
      ...init,
      headers: { ...(init.body ? json : {}), ...bearer(token), ...init.headers },
    });
    await anonymousFetch(
      `${server.url}/api/v1/workspaces/w/objectives/q4`,
      as({
        method: 'PUT',
        body: JSON.stringify({
          kpi: 'share_of_voice',
          period: { calendar: 'month' },
          target: 0.4,
          direction: 'at_least',
        }),
      }),
    );
    await anonymousFetch(`${server.url}/api/v1/workspaces/w/objectives/q4`, as({ method: 'DELETE' }));
    const { id } = await createKey(server, 'w', ['ingest'], 'nightly');
    await fetch(`${server.url}/api/v1/workspaces/w/keys/${id}`, { method: 'DELETE' });
    const log = await anonymousFetch(`${server.url}/api/v1/workspaces/w/audit?limit=3`, as({}));
    const page = (await log.json()) as {
      rows: { actor: string; action: string; target: string; ip: string }[];
      next: string;
    };
    expect(page.rows.map(({ actor, action, target }) => ({ actor, action, target }))).toEqual([
      { actor: TEST_OWNER, action: 'key.revoke', target: id },
      { actor: TEST_OWNER, action: 'key.create', target: 'w' },
      { actor: 'admin@example.com', action: 'objective.delete', target: 'q4' },
    ]);
    expect(page.rows[0]!.ip).toBe('127.0.0.1');
    // The hub's own log, for the owner: the sign-ins of this test, not the workspace's changes.
    const hub = await fetch(`${server.url}/api/v1/audit?limit=1`);
    expect(((await hub.json()) as { rows: { actor: string; action: string }[] }).rows).toMatchObject([
      { actor: 'admin@example.com', action: 'session.login' },
    ]);
    await expectError(await anonymousFetch(`${server.url}/api/v1/audit`, as({})), 403, 'forbidden');
    const older = await anonymousFetch(
      `${server.url}/api/v1/workspaces/w/audit?limit=3&before=${page.next}`,
      as({}),
    );
    const actions = ((await older.json()) as { rows: { action: string }[] }).rows.map((r) => r.action);
    expect(actions).toEqual(['objective.put', 'workspace.put', 'member.put']);
  });
});

describe('the first start', () => {
  afterAll(killAllHubs);

  it('prints how to sign in once: the printed password works, a second start prints none', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-first-'));
    const first = await startChildHub(dir, { CONVERGENCE_ADMIN_PASSWORD: '', LOG_LEVEL: 'warn' });
    const output = first.output.join('');
    const printed =
      /sign in at http:\/\/127\.0\.0\.1:\d+\/signin as admin@localhost with the password (\S+)/.exec(output);
    expect(printed, output).not.toBeNull();
    expect(printed![1]!.length).toBeGreaterThanOrEqual(12);
    await signIn(first.url, 'admin@localhost', printed![1]!);
    await killHub(first);
    const second = await startChildHub(dir, { CONVERGENCE_ADMIN_PASSWORD: '', LOG_LEVEL: 'warn' });
    expect(second.output.join('')).not.toMatch(/First start/);
    await signIn(second.url, 'admin@localhost', printed![1]!);
    await killHub(second);
  });

  it('refuses a CONVERGENCE_ADMIN_PASSWORD that is too weak, saying why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-weak-'));
    await expect(startChildHub(dir, { CONVERGENCE_ADMIN_PASSWORD: 'secret' })).rejects.toThrow(
      /CONVERGENCE_ADMIN_PASSWORD cannot be the owner's password: The password has 6 characters; it needs at least 12/,
    );
  });
});

describe('settings of access', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      metricsPublic: 'off',
      docsPublic: 'off',
      keyIngestPerMinute: 2,
      publicUrl: 'https://hub.example.com',
      trustProxy: '127.0.0.1',
    });
    await putWorkspace(server.url, 'w');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('METRICS_PUBLIC and DOCS_PUBLIC off: /metrics, /docs and /openapi.json need credentials', async () => {
    for (const path of ['/metrics', '/openapi.json', '/docs']) {
      await expectError(await anonymousFetch(`${server.url}${path}`), 401, 'unauthenticated');
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    }
    expect((await anonymousFetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('KEY_INGEST_PER_MINUTE limits each key, not people', async () => {
    const { key } = await createKey(server, 'w', ['ingest']);
    const post = (headers: Record<string, string>) =>
      anonymousFetch(`${server.url}/api/v1/workspaces/w/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', ...headers },
        body: `${JSON.stringify({ ts: '2026-03-10T10:00:00Z', brand: 'acme', touchpoint: 'site', source: 'web', metric: 'visits', value: 1 })}\n`,
      });
    const statuses: number[] = [];
    let refused: Response | undefined;
    // At most two a minute: a third within the same minute is refused (a minute turning over
    // between them starts the count again, hence a few tries).
    for (let i = 0; i < 6 && !refused; i++) {
      const response = await post(bearer(key));
      statuses.push(response.status);
      if (response.status !== 200) refused = response;
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    await expectError(refused!, 429, 'key_rate_limited');
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await post(bearer(server.token))).status).toBe(200);
  });

  it('behind a TLS proxy (PUBLIC_URL): the cookie is Secure, and pages of PUBLIC_URL may write with it', async () => {
    const login = await anonymousFetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: TEST_OWNER, password: TEST_PASSWORD }),
    });
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/;\s*Secure/i);
    const put = (origin: string) =>
      anonymousFetch(`${server.url}/api/v1/workspaces/w/wall`, {
        method: 'PUT',
        headers: { ...json, cookie: setCookie.split(';')[0]!, origin },
        body: JSON.stringify({ boards: [] }),
      });
    expect((await put('https://hub.example.com')).status).not.toBe(403);
    await expectError(await put('https://attacker.example'), 403, 'cross_site_request');
  });

  it('TRUST_PROXY: the audit log records the address the proxy saw', async () => {
    const added = await fetch(`${server.url}/api/v1/workspaces/w/members/proxied@example.com`, {
      method: 'PUT',
      headers: { ...json, 'x-forwarded-for': '203.0.113.7' },
      body: JSON.stringify({ role: 'viewer' }),
    });
    expect(added.status).toBe(201);
    const log = await fetch(`${server.url}/api/v1/workspaces/w/audit?limit=1`);
    expect(((await log.json()) as { rows: { action: string; ip: string }[] }).rows[0]).toMatchObject({
      action: 'member.put',
      ip: '203.0.113.7',
    });
  });
});
