// People, roles and keys in real headless Chromium against a real hub: a stranger is sent to the
// sign-in page and comes back to the URL asked for; the owner sees every workspace and the admin
// pages; a viewer sees only its workspace and no admin page; a wall screen signs in with a read
// key that never stays in the address bar, and is sent to sign-in when the key is revoked.
// Screenshots of the sign-in, members, keys and hub audit pages (1366×768 and 1920×1080, EN and FR) land in
// test-artifacts/e2e/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildHub, killAllHubs, startChildHub } from '../helpers/child.js';
import { event } from '../helpers/server.js';
import { ARTIFACTS, launch } from './browser.js';
import {
  call,
  createKey,
  ingestWith,
  login,
  OWNER,
  putWorkspaceAs,
  signInContext,
  type HubSession,
} from './hub-auth.js';

let browser: Browser;
let hub: ChildHub;
let owner: HubSession;
const VIEWER = { email: 'vera@example.com', name: 'Vera Viewer', password: 'viewer-password-e2e-1' };
const recent = () => new Date(Date.now() - 5_000).toISOString();

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-e2e-auth-'));
  hub = await startChildHub(dataDir, { TICK_MS: '100' });
  owner = await login(hub.url, OWNER.email, OWNER.password);
  await putWorkspaceAs(hub.url, owner.token, 'north', 'North market');
  await putWorkspaceAs(hub.url, owner.token, 'south', 'South market');
  await call(hub.url, owner.token, 'PUT', `/api/v1/workspaces/north/members/${VIEWER.email}`, {
    role: 'viewer',
    name: VIEWER.name,
    password: VIEWER.password,
  });
  const producer = await createKey(hub.url, owner.token, 'north', 'producer', ['ingest']);
  await ingestWith(hub.url, producer.key, 'north', [
    event('acme', 'social', 'x', 'mentions', 10, recent()),
    event('globex', 'social', 'x', 'mentions', 30, recent()),
  ]);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await killAllHubs();
});

const here = (page: Page) => {
  const url = new URL(page.url());
  return url.pathname + url.search;
};

async function signInOnPage(page: Page, email: string, password: string): Promise<void> {
  await page.fill('[data-testid="signin-email"]', email);
  await page.fill('[data-testid="signin-password"]', password);
  await page.click('[data-testid="signin-submit"]');
}

describe('signing in', () => {
  it('sends a stranger to sign-in, shows a refusal, and returns to the URL asked for', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/explorer?workspace=north&kpi=mentions`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/signin');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/explorer?workspace=north&kpi=mentions');
    // A person is offered no key form: that is for wall screens.
    expect(await page.locator('[data-testid="key-signin-form"]').count()).toBe(0);

    await signInOnPage(page, OWNER.email, 'not-the-password-1');
    await expect
      .poll(() => page.getAttribute('[data-testid="signin-form"] [data-testid="error"]', 'data-code'))
      .toBe('bad_credentials');
    expect(await page.inputValue('[data-testid="signin-password"]')).toBe('');

    await signInOnPage(page, OWNER.email, OWNER.password);
    await expect.poll(() => here(page)).toBe('/explorer?workspace=north&kpi=mentions');
    await expect.poll(() => page.textContent('[data-testid="user-name"]')).toBe('Owner');
    // The owner sees both workspaces, and the workspace's administration in the user menu.
    const options = page.locator('[data-testid="workspace-switch"] option');
    await expect.poll(() => options.allTextContents()).toEqual(['North market', 'South market']);
    await page.click('[data-testid="user-menu"]');
    for (const view of ['members', 'keys', 'audit']) {
      expect(await page.locator(`[data-testid="nav-${view}"]`).count()).toBe(1);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'auth-user-menu.png') });
    await page.click('[data-testid="nav-audit"]');
    await expect
      .poll(() => page.locator('[data-testid="audit-table"] tr[data-action]').count())
      .toBeGreaterThan(0);
    expect(new URL(page.url()).searchParams.get('workspace')).toBe('north');
    // The owner may switch to the hub's own log, where the sign-ins are.
    await page.click('[data-testid="audit-scope-hub"]');
    await expect
      .poll(() => page.locator('[data-testid="audit-table"] tr[data-action="session.login"]').count())
      .toBeGreaterThan(0);
    // In words: what was done, not the request that did it.
    expect(
      await page
        .locator('[data-testid="audit-table"] tr[data-action="session.login"] td')
        .nth(2)
        .textContent(),
    ).toBe('Signed in');
    await page.click('[data-testid="audit-scope-workspace"]');
    await expect
      .poll(() => page.locator('[data-testid="audit-table"] tr[data-action]').count())
      .toBeGreaterThan(0);
    expect(await page.locator('[data-testid="audit-table"]').textContent()).not.toMatch(
      /\/api\/|\b(PUT|POST|DELETE) /,
    );
    await page.selectOption('[data-testid="workspace-switch"]', 'south');
    await expect.poll(() => new URL(page.url()).searchParams.get('workspace')).toBe('south');
    await page.close();
  });

  it('lets the owner add a member, whose generated password is shown once', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await signInContext(context, hub.url, owner);
    const page = await context.newPage();
    await page.goto(`${hub.url}/members?workspace=north`);
    await expect.poll(() => page.locator(`[data-member="${VIEWER.email}"]`).count()).toBe(1);
    await page.fill('[data-testid="member-email"]', 'ana@example.com');
    await page.fill('[data-testid="member-name"]', 'Ana Analyst');
    await page.selectOption('[data-testid="member-role"]', 'analyst');
    await page.click('[data-testid="member-save"]');
    await expect.poll(() => page.locator('[data-member="ana@example.com"]').count()).toBe(1);
    const generated = await page.inputValue('[data-testid="secret-value"]');
    expect(generated.length).toBeGreaterThanOrEqual(12);
    // The password works: Ana can sign in with it.
    await login(hub.url, 'ana@example.com', generated);
    await context.close();
  });
});

describe('changing a password', () => {
  it('shows the policy refusal, then ends the session and asks to sign in with the new one', async () => {
    const person = { email: 'paul@example.com', password: 'paul-password-e2e-1' };
    await call(hub.url, owner.token, 'PUT', `/api/v1/workspaces/north/members/${person.email}`, {
      role: 'analyst',
      name: 'Paul',
      password: person.password,
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/password?workspace=north`);
    await signInOnPage(page, person.email, person.password);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/password');
    await page.fill('[data-testid="password-current"]', person.password);
    await page.fill('[data-testid="password-next"]', 'short');
    await page.fill('[data-testid="password-again"]', 'short');
    await page.click('[data-testid="password-submit"]');
    await expect
      .poll(() => page.getAttribute('[data-testid="password-form"] [data-testid="error"]', 'data-code'))
      .toBe('weak_password');
    await page.screenshot({ path: path.join(ARTIFACTS, 'auth-password-weak.png') });
    await page.fill('[data-testid="password-next"]', 'a much longer new password');
    await page.fill('[data-testid="password-again"]', 'a much longer new password');
    await page.click('[data-testid="password-submit"]');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/signin');
    await expect
      .poll(() => page.getAttribute('[data-testid="signin-notice"]', 'data-notice'))
      .toBe('passwordChanged');
    await signInOnPage(page, person.email, 'a much longer new password');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/wall');
    await page.close();
  });
});

describe('roles', () => {
  it('shows a viewer only its workspace, no admin page and no writes; sign-out returns to sign-in', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/wall`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/signin');
    await signInOnPage(page, VIEWER.email, VIEWER.password);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/wall');
    await expect.poll(() => new URL(page.url()).searchParams.get('workspace')).toBe('north');
    await expect.poll(() => page.textContent('[data-testid="user-name"]')).toBe(VIEWER.name);
    // One workspace: its name, no switcher; the other workspace is not offered.
    expect(await page.locator('[data-testid="workspace-switch"]').count()).toBe(0);
    await expect.poll(() => page.textContent('[data-testid="workspace-name"]')).toBe('North market');
    expect(await page.locator('[data-testid="edit-layout"]').count()).toBe(0);
    await page.click('[data-testid="user-menu"]');
    await page.waitForSelector('[data-testid="sign-out"]');
    expect(await page.locator('[data-testid="nav-members"]').count()).toBe(0);
    await page.click('[data-testid="user-menu"]');

    await page.goto(`${hub.url}/members?workspace=north`);
    await expect.poll(() => page.locator('[data-testid="role-needed"]').count()).toBe(1);
    expect(await page.locator('[data-testid="members"]').count()).toBe(0);
    await page.goto(`${hub.url}/objectives?workspace=north`);
    await expect.poll(() => page.locator('[data-testid="objectives"]').count()).toBe(1);
    expect(await page.locator('[data-testid="objective-new"]').count()).toBe(0);
    await page.goto(`${hub.url}/settings?workspace=north`);
    await expect.poll(() => page.locator('[data-testid="read-only"]').count()).toBe(3);
    expect(await page.locator('[data-testid="settings-save"]').isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'auth-viewer-settings.png'), fullPage: true });
    // A workspace it is not a member of is not shown.
    await page.goto(`${hub.url}/wall?workspace=south`);
    const missing = page.locator('[data-testid="workspace-missing"]');
    await missing.waitFor({ timeout: 15_000 });
    // Said as for a workspace that does not exist: another client's workspace is not revealed.
    expect(await missing.textContent()).toMatch(/There is no workspace “south” you can see/);
    expect(await missing.getByRole('link').allTextContents()).toEqual(['North market']);

    await page.click('[data-testid="user-menu"]');
    await page.click('[data-testid="sign-out"]');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/signin');
    await expect
      .poll(() => page.getAttribute('[data-testid="signin-notice"]', 'data-notice'))
      .toBe('signedOut');
    await page.goto(`${hub.url}/wall?workspace=north`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/signin');
    await page.close();
  });
});

describe('a wall screen', () => {
  it('signs in with a read key from the sign-in page and comes back to the wall', async () => {
    const reader = await createKey(hub.url, owner.token, 'north', 'Lobby screen', ['read']);
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const wall = '/wall?workspace=north&kiosk=1&lang=fr';
    await page.goto(`${hub.url}${wall}`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/signin');
    await expect.poll(() => page.textContent('[data-testid="signin"] h1')).toBe('Connexion');
    await page.click('[data-testid="key-signin-toggle"]');
    await page.fill('[data-testid="key-signin-key"]', reader.key);
    await page.click('[data-testid="key-signin-submit"]');
    await expect.poll(() => here(page)).toBe(wall);
    await expect
      .poll(() => page.getAttribute('[data-testid="connection-status"]', 'data-state'), { timeout: 15_000 })
      .toBe('open');
    await expect
      .poll(() => page.locator('[data-testid="tile-mentions"]').first().getAttribute('data-value'), {
        timeout: 15_000,
      })
      .toBe('10');
    await page.screenshot({ path: path.join(ARTIFACTS, 'auth-wall-key.png') });
    await page.close();
  });

  it('takes ?key= once, drops it from the URL, and goes to sign-in when the key is revoked', async () => {
    const reader = await createKey(hub.url, owner.token, 'north', 'Hall screen', ['read']);
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${hub.url}/wall?workspace=north&kiosk=1&key=${reader.key}`);
    await expect.poll(() => here(page)).toBe('/wall?workspace=north&kiosk=1');
    // Nor in the history: back from the wall is not a page with the key.
    await page.goBack();
    expect(page.url()).not.toContain('key=');
    await page.goForward();
    await expect
      .poll(() => page.getAttribute('[data-testid="connection-status"]', 'data-state'), { timeout: 15_000 })
      .toBe('open');

    await call(hub.url, owner.token, 'DELETE', `/api/v1/workspaces/north/keys/${reader.id}`);
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 15_000 }).toBe('/signin');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/wall?workspace=north&kiosk=1');
    await page.close();
  });
});

describe('the audit page', () => {
  it('shows the hub’s log when the owner switches to it while the workspace’s is still loading', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await signInContext(context, hub.url, owner);
    const page = await context.newPage();
    // The workspace's log answers slowly: the switch happens while it loads.
    await page.route('**/api/v1/workspaces/north/audit*', async (route) => {
      await new Promise((done) => setTimeout(done, 1500));
      await route.continue();
    });
    await page.goto(`${hub.url}/audit?workspace=north`);
    await page.click('[data-testid="audit-scope-hub"]');
    await page.waitForSelector('[data-testid="audit-table"] tr[data-action="session.login"]', {
      timeout: 10_000,
    });
    await context.close();
  });
});

describe('screenshots', () => {
  it('of the sign-in, members, keys and hub audit pages in English and French at 1366×768 and 1920×1080', async () => {
    const sizes = [
      { width: 1366, height: 768 },
      { width: 1920, height: 1080 },
    ];
    for (const viewport of sizes) {
      for (const lang of ['en', 'fr']) {
        const size = `${viewport.width}x${viewport.height}-${lang}`;
        const stranger = await browser.newPage({ viewport });
        await stranger.goto(`${hub.url}/wall?workspace=north&lang=${lang}`);
        await stranger.waitForSelector('[data-testid="signin-form"]');
        await stranger.click('[data-testid="key-signin-toggle"]');
        await stranger.screenshot({ path: path.join(ARTIFACTS, `auth-signin-${size}.png`) });
        await stranger.close();

        const context = await browser.newContext({ viewport });
        await signInContext(context, hub.url, owner);
        const page = await context.newPage();
        await page.goto(`${hub.url}/members?workspace=north&lang=${lang}`);
        await page.waitForSelector('[data-testid="member-table"]');
        await page.screenshot({ path: path.join(ARTIFACTS, `auth-members-${size}.png`), fullPage: true });
        await page.goto(`${hub.url}/keys?workspace=north&lang=${lang}`);
        await page.waitForSelector('[data-testid="key-table"]');
        await page.fill('[data-testid="key-name"]', 'Screenshot key');
        await page.check('[data-testid="key-scope-read"]');
        await page.click('[data-testid="key-create"]');
        await page.waitForSelector('[data-testid="secret-once"]');
        await page.screenshot({ path: path.join(ARTIFACTS, `auth-keys-${size}.png`), fullPage: true });
        await page.goto(`${hub.url}/audit?workspace=north&lang=${lang}`);
        await page.click('[data-testid="audit-scope-hub"]');
        await page.waitForSelector('[data-testid="audit-table"] tr[data-action="session.login"]');
        await page.screenshot({ path: path.join(ARTIFACTS, `auth-audit-hub-${size}.png`) });
        await context.close();
      }
    }
  });
});
