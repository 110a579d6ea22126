// The dashboard in real headless Chromium against a real hub (a child process on a DuckDB file):
// the wall moves without a reload, survives a server restart, and the explorer's URL and CSV
// export reproduce what is shown. Screenshots land in test-artifacts/e2e/. The browser is signed in
// as the owner (its session cookie set in each page's context); the test's own calls act as the
// owner through ../helpers/sign-in.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatValue } from '../../shared/format.js';
import { type ChildHub, killAllHubs, startChildHub } from '../helpers/child.js';
import { event, postEvents, putWorkspace } from '../helpers/server.js';
import { ARTIFACTS, launch } from './browser.js';
import { login, OWNER, signedInPage, type HubSession } from './hub-auth.js';

let browser: Browser;
let hub: ChildHub;
let dataDir: string;
let owner: HubSession;
const WS = 'e2e';
const recent = (secondsAgo = 5) => new Date(Date.now() - secondsAgo * 1000).toISOString();

async function ingest(rows: object[]): Promise<void> {
  const response = await postEvents(hub.url, WS, JSON.stringify(rows), 'application/json');
  expect(response.status, await response.clone().text()).toBe(200);
}

async function start(port?: string): Promise<void> {
  hub = await startChildHub(dataDir, { TICK_MS: '100', ...(port ? { PORT: port } : {}) });
}

const tileValue = (page: Page, kpi: string) =>
  page.locator(`[data-testid="tile-${kpi}"]`).first().getAttribute('data-value');

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-e2e-'));
  await start();
  await putWorkspace(hub.url, WS, { timezone: 'Europe/Paris' });
  await ingest([
    event('acme', 'social', 'x', 'mentions', 10, recent()),
    event('globex', 'social', 'x', 'mentions', 30, recent()),
    event('initech', 'social', 'x', 'mentions', 20, recent()),
    event('acme', 'social', 'x', 'positive_mentions', 6, recent()),
    event('acme', 'social', 'x', 'negative_mentions', 2, recent()),
  ]);
  const layout = await fetch(`${hub.url}/api/v1/workspaces/${WS}/wall`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      kpis: ['mentions', 'share_of_voice', 'net_sentiment'],
      boards: ['tiles', 'share_of_voice', 'sentiment', 'dpi', 'alerts'],
      window: '24h',
      rotateSeconds: 10,
    }),
  });
  expect(layout.status).toBe(200);
  owner = await login(hub.url, OWNER.email, OWNER.password);
  browser = await launch();
});

// What the browser refused under the hub's content security policy, on every page of this file.
const violations: string[] = [];

const newPage = async (options: Parameters<Browser['newPage']>[0]) => {
  const page = await signedInPage(browser, hub.url, owner, options ?? {});
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      violations.push(`${page.url()}: ${message.text()}`);
  });
  return page;
};

afterAll(async () => {
  await browser?.close();
  await killAllHubs();
});

describe('the live wall', () => {
  it('shows the tiles and moves when events arrive, without a reload', async () => {
    const page = await newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${hub.url}/wall?workspace=${WS}`);
    await expect
      .poll(() => page.getAttribute('[data-testid="connection-status"]', 'data-state'))
      .toBe('open');
    await expect.poll(() => tileValue(page, 'mentions'), { timeout: 15_000 }).toBe('10');
    await page.screenshot({ path: path.join(ARTIFACTS, 'wall-before.png') });
    let navigations = 0;
    page.on('framenavigated', () => navigations++);

    await ingest([event('acme', 'social', 'x', 'mentions', 25, recent(1))]);
    await expect.poll(() => tileValue(page, 'mentions'), { timeout: 10_000 }).toBe('35');
    expect(navigations, 'the page did not reload').toBe(0);
    await expect.poll(() => page.textContent('[data-testid="as-of"]')).not.toBe('');
    await page.screenshot({ path: path.join(ARTIFACTS, 'wall-after-ingest.png') });

    // A restart: the page keeps its values while it reconnects, then follows the new run.
    const port = new URL(hub.url).port;
    hub.child.kill('SIGTERM');
    await hub.exited;
    await expect
      .poll(() => page.getAttribute('[data-testid="connection-status"]', 'data-state'), { timeout: 10_000 })
      .not.toBe('open');
    expect(await tileValue(page, 'mentions'), 'nothing blanks while reconnecting').toBe('35');
    await page.screenshot({ path: path.join(ARTIFACTS, 'wall-reconnecting.png') });
    await start(port);
    await expect
      .poll(() => page.getAttribute('[data-testid="connection-status"]', 'data-state'), { timeout: 40_000 })
      .toBe('open');
    await ingest([event('acme', 'social', 'x', 'mentions', 5, recent(1))]);
    await expect.poll(() => tileValue(page, 'mentions'), { timeout: 10_000 }).toBe('40');
    expect(navigations).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'wall-after-restart.png') });
    await page.close();
  });

  it('says "not enough data" on a ratio over a handful of mentions, with no rank, in English and French', async () => {
    // Acme's net sentiment rests on 8 mentions with a sentiment (6 positive, 2 negative): under 30.
    for (const [lang, text] of [
      ['en', 'Not enough data (8 mentions)'],
      ['fr', 'Pas assez de données (8 mentions)'],
    ] as const) {
      const page = await newPage({ viewport: { width: 1366, height: 768 } });
      await page.goto(`${hub.url}/wall?workspace=${WS}&lang=${lang}`);
      const tile = page.locator('[data-testid="tile-net_sentiment"]');
      await expect
        .poll(() => tile.locator('[data-testid="tile-low-volume"]').textContent(), { timeout: 15_000 })
        .toBe(text);
      expect(await tile.locator('[data-testid="tile-rank"]').count()).toBe(0);
      expect(await tile.locator('[data-testid="tile-value"]').count()).toBe(0);
      // The header holds on one row, whatever the language.
      const header = await page.locator('header.topbar').boundingBox();
      expect(header!.height).toBeLessThan(64);
      const nav = await page.locator('header.topbar nav').boundingBox();
      const status = await page.locator('header.topbar .status-line').boundingBox();
      const lastLink = await page.locator('header.topbar nav a').last().boundingBox();
      expect(nav!.x + nav!.width).toBeLessThanOrEqual(status!.x);
      expect(lastLink!.x + lastLink!.width, 'every view’s link is whole').toBeLessThanOrEqual(
        nav!.x + nav!.width,
      );
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      // The page says its language, for screen readers and the browser's translation offer.
      expect(await page.evaluate('document.documentElement.lang')).toBe(lang);
      await page.screenshot({ path: path.join(ARTIFACTS, `wall-low-volume-${lang}-1366.png`) });
      await page.close();
    }
  });

  it('draws no donut for a workspace without mentions, and says what is missing', async () => {
    await putWorkspace(hub.url, 'e2e-empty');
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/wall?workspace=e2e-empty`);
    const board = page.locator('[data-testid="board-share_of_voice"]');
    await expect
      .poll(() => board.locator('[data-testid="share-empty"]').textContent(), { timeout: 15_000 })
      .toMatch(/No mentions in this period yet/);
    expect(await board.locator('canvas').count()).toBe(0);
    await page.close();
  });

  it('runs in kiosk mode without navigation', async () => {
    const page = await newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${hub.url}/wall?workspace=${WS}&kiosk=1`);
    await expect.poll(() => tileValue(page, 'mentions'), { timeout: 15_000 }).toBe('40');
    expect(await page.locator('[data-testid^="nav-"]').count()).toBe(0);
    // No alert yet: the rotation skips the alerts board and says so in a small marker instead.
    await expect
      .poll(() => page.locator('[data-testid="no-alerts-marker"]').textContent())
      .toMatch(/No alerts/);
    expect(await page.locator('.rotation li').allTextContents()).not.toContain('Alerts');
    // One board on screen at a time; the others take no room.
    const shown = await page.locator('.wall-boards > *:visible').count();
    expect(shown).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'wall-kiosk.png') });
    await page.close();
  });

  it('shows no forecast and says nothing of it while net sentiment has an hour of history', async () => {
    const page = await newPage({ viewport: { width: 1920, height: 1080 } });
    const asked = page.waitForResponse((r) => r.url().includes('/kpis/net_sentiment/forecast'));
    await page.goto(`${hub.url}/wall?workspace=${WS}`);
    expect((await asked).status()).toBe(422);
    const board = page.locator('[data-testid="board-sentiment"]');
    await board.locator('[data-testid="sentiment-chart"]').waitFor();
    expect(await board.locator('[data-testid="sentiment-chart"]').getAttribute('data-forecast')).toBeNull();
    expect(await board.locator('[data-testid="forecast-note"], .error-banner').count()).toBe(0);
    await page.close();
  });
});

describe('the benchmark explorer', () => {
  it('keeps every choice in the URL and exports what it shows as CSV', async () => {
    const page = await newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    await page.goto(`${hub.url}/explorer?workspace=${WS}&kpi=mentions&window=7d`);
    const table = page.locator('[data-testid="explorer-table"]');
    await expect.poll(() => table.locator('tr[data-brand]').count(), { timeout: 15_000 }).toBe(3);
    // Ranked: globex (30) first, then acme (40 after the wall test) … the table follows the data.
    await expect.poll(() => table.locator('tr[data-brand]').first().getAttribute('data-brand')).toBe('acme');

    await page.selectOption('[data-testid="explorer-kpi"]', 'share_of_voice');
    await page.selectOption('[data-testid="explorer-window"]', '24h');
    await expect.poll(() => new URL(page.url()).searchParams.get('kpi')).toBe('share_of_voice');
    expect(new URL(page.url()).searchParams.get('window')).toBe('24h');
    await page.screenshot({ path: path.join(ARTIFACTS, 'explorer.png') });

    // The link reproduces the view in a fresh page.
    const copy = await newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    await copy.goto(page.url());
    expect(await copy.inputValue('[data-testid="explorer-kpi"]')).toBe('share_of_voice');
    expect(await copy.inputValue('[data-testid="explorer-window"]')).toBe('24h');
    await expect
      .poll(() => copy.locator('[data-testid="explorer-table"] tr[data-brand]').count(), { timeout: 15_000 })
      .toBe(3);

    const [download] = await Promise.all([
      copy.waitForEvent('download'),
      copy.click('[data-testid="export-csv"]'),
    ]);
    const file = path.join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(file);
    const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('brand,name,value,rank,index,share,previous,delta,deltaPct,gapToLeader');
    const rows = new Map(lines.slice(1).map((line) => [line.split(',')[0], line.split(',')]));
    expect([...rows.keys()].sort()).toEqual(['acme', 'globex', 'initech']);
    // acme 40 of 90 mentions in the last 24 h, first of the set.
    expect(Number(rows.get('acme')![2])).toBeCloseTo(40 / 90, 10);
    expect(rows.get('acme')![3]).toBe('1');
    await page.close();
    await copy.close();
  });
});

describe('the explorer without data', () => {
  it('greys the touchpoints that sent nothing and says so instead of drawing zeros', async () => {
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/explorer?workspace=${WS}&kpi=mentions&window=7d`);
    const option = (tp: string) => page.locator(`[data-testid="explorer-touchpoint"] option[value="${tp}"]`);
    // Mentions came from social (x) only: media is offered greyed, and cannot be picked.
    await expect.poll(() => option('media').getAttribute('data-no-data'), { timeout: 15_000 }).toBe('true');
    expect(await option('media').textContent()).toContain('(no data)');
    expect(await option('media').isDisabled()).toBe(true);
    expect(await option('social').getAttribute('data-no-data')).toBeNull();

    // A link to the empty slice explains it on the ranking and the table, with no zero bars.
    await page.goto(`${hub.url}/explorer?workspace=${WS}&kpi=mentions&window=7d&touchpoint=media`);
    const ranking = page.locator('[data-testid="ranking-empty"]');
    await ranking.waitFor({ timeout: 15_000 });
    expect(await ranking.textContent()).toMatch(/^No data for Mentions over this period from Media/);
    await page.locator('[data-testid="table-empty"]').waitFor();
    expect(await page.locator('[data-testid="explorer-table"] tr[data-brand]').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'explorer-no-data-en-1366.png') });
    await page.close();
  });
});

describe('a lower-is-better KPI in the explorer', () => {
  it('ranks the best average position first, says lower is better, and draws its axis upside down', async () => {
    await putWorkspace(hub.url, 'e2e-search');
    const rows = [
      event('acme', 'search', 'google', 'avg_position', 4.2, recent()),
      event('globex', 'search', 'google', 'avg_position', 1.6, recent()),
      event('initech', 'search', 'google', 'avg_position', 7, recent()),
    ];
    const response = await postEvents(hub.url, 'e2e-search', JSON.stringify(rows), 'application/json');
    expect(response.status, await response.clone().text()).toBe(200);
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/explorer?workspace=e2e-search&kpi=avg_position&window=24h`);
    const brands = page.locator('[data-testid="explorer-table"] tr[data-brand]');
    await expect.poll(() => brands.count(), { timeout: 15_000 }).toBe(3);
    expect(await brands.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-brand')))).toEqual([
      'globex',
      'acme',
      'initech',
    ]);
    expect(await page.locator('[data-testid="lower-is-better"]').textContent()).toMatch(
      /Lower is better: the best brand is on top/,
    );
    expect(await page.locator('[data-testid="series-chart"]').getAttribute('data-inverted')).toBe('true');
    await page.screenshot({ path: path.join(ARTIFACTS, 'explorer-avg-position-en-1366.png') });
    // A higher-is-better KPI keeps its axis the usual way up and says nothing of it.
    await page.goto(`${hub.url}/explorer?workspace=${WS}&kpi=mentions&window=24h`);
    await page.locator('[data-testid="series-chart"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid="series-chart"]').getAttribute('data-inverted')).toBeNull();
    expect(await page.locator('[data-testid="lower-is-better"]').count()).toBe(0);
    await page.close();
  });
});

describe('a workspace that is gone', () => {
  it('turns a wall whose workspace is deleted into one page that says so, not "Live"', async () => {
    await putWorkspace(hub.url, 'e2e-gone', { name: 'Client about to leave' });
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/wall?workspace=e2e-gone`);
    await page.locator('[data-testid^="tile-"]').first().waitFor({ timeout: 15_000 });
    await expect
      .poll(() => page.getAttribute('[data-testid="connection-status"]', 'data-state'))
      .toBe('open');
    const deleted = await fetch(`${hub.url}/api/v1/workspaces/e2e-gone`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);

    const missing = page.locator('[data-testid="workspace-missing"]');
    await missing.waitFor({ timeout: 15_000 });
    expect(await missing.textContent()).toMatch(/There is no workspace “e2e-gone” you can see/);
    // One page, in words: no board, no error banner with codes or API paths, no clock of data.
    expect(await page.locator('[data-testid^="board-"]').count()).toBe(0);
    expect(await page.locator('[data-testid="error"]').count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toMatch(/\/api\/|unknown_workspace|not_found/);
    expect(await page.getAttribute('[data-testid="connection-status"]', 'data-state')).toBe('none');
    expect(await page.textContent('[data-testid="connection-status"]')).toMatch(/No workspace/);
    expect(await page.locator('[data-testid="as-of"]').count()).toBe(0);
    // The way out: the workspaces the person still has.
    await missing.getByRole('link', { name: 'e2e', exact: true }).click();
    await page.locator('[data-testid^="tile-"]').first().waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).searchParams.get('workspace')).toBe(WS);
    await page.close();
  });

  it('says the same in French for a link to a workspace that never was', async () => {
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/explorer?workspace=nope&lang=fr`);
    const missing = page.locator('[data-testid="workspace-missing"]');
    await missing.waitFor({ timeout: 15_000 });
    expect(await missing.locator('h1').textContent()).toBe('Cet espace de travail ne peut pas être ouvert');
    expect(await page.textContent('[data-testid="connection-status"]')).toMatch(/Aucun espace/);
    expect(await page.locator('[data-testid="error"]').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'workspace-missing-fr-1366.png') });
    await page.close();
  });

  it('shows "Data as of" on the live wall only, not on the explorer that is read once', async () => {
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/explorer?workspace=${WS}&kpi=mentions&window=7d`);
    await page.locator('[data-testid="explorer-table"] tr[data-brand]').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid="as-of"]').count()).toBe(0);
    await page.getByTestId('nav-wall').click();
    await page.locator('[data-testid="as-of"]').waitFor({ timeout: 15_000 });
    await page.close();
  });
});

describe('words a marketer understands', () => {
  it('names rejection reasons in plain French, with what to do, and no codes', async () => {
    await putWorkspace(hub.url, 'e2e-quality');
    const rows = [
      event('acme', 'social', 'x', 'mentions', 3, recent()),
      event('umbrella', 'social', 'x', 'mentions', 4, recent()),
      event('acme', 'tv', 'x', 'mentions', 5, recent()),
    ];
    const response = await postEvents(hub.url, 'e2e-quality', JSON.stringify(rows), 'application/json');
    expect(response.status, await response.clone().text()).toBe(200);
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/quality?workspace=e2e-quality&lang=fr`);
    const brand = page.locator('tr[data-reason="unknown_brand"]');
    await brand.waitFor({ timeout: 15_000 });
    expect(await brand.locator('[data-testid="reason-label"]').textContent()).toBe(
      'La marque n’est pas dans le panel concurrentiel',
    );
    expect(await brand.locator('[data-testid="reason-fix"]').textContent()).toMatch(/^Ajoutez la marque/);
    expect(
      await page.locator('tr[data-reason="unknown_touchpoint"] [data-testid="reason-label"]').textContent(),
    ).toBe('Le point de contact n’est pas l’un des cinq');
    await brand.getByRole('button').click();
    const field = page.locator('[data-testid="samples-unknown_brand"] td[data-col="field"]');
    await field.waitFor({ timeout: 15_000 });
    expect(await field.textContent()).toBe('Marque');
    expect(await page.locator('main').textContent()).not.toMatch(/unknown_brand|unknown_touchpoint/);
    // With the workspace switch and the data clock, every view's link is still whole in French.
    const nav = await page.locator('header.topbar nav').boundingBox();
    const lastLink = await page.locator('header.topbar nav a').last().boundingBox();
    expect(lastLink!.x + lastLink!.width).toBeLessThanOrEqual(nav!.x + nav!.width);
    await page.screenshot({ path: path.join(ARTIFACTS, 'quality-fr-1366.png') });
    await page.close();
  });

  it('keeps every view’s link whole in French on the wall of a client with a long name', async () => {
    await putWorkspace(hub.url, 'e2e-long', { name: 'Marché de démonstration — cosmétiques et soins' });
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/wall?workspace=e2e-long&lang=fr`);
    await page.locator('[data-testid="as-of"]').waitFor({ timeout: 15_000 });
    const nav = await page.locator('header.topbar nav').boundingBox();
    const lastLink = await page.locator('header.topbar nav a').last().boundingBox();
    expect(lastLink!.x + lastLink!.width).toBeLessThanOrEqual(nav!.x + nav!.width);
    await page.close();
  });

  it('says what went wrong in words, without the hub’s code or API hint', async () => {
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/explorer?workspace=${WS}&kpi=nope&window=7d`);
    const banner = page.locator('[data-testid="error"][data-code="unknown_kpi"]').first();
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toMatch(/This KPI is not in this workspace \(any more\)\./);
    expect(await banner.textContent()).not.toMatch(/unknown_kpi|\/api\/|GET/);
    await page.close();
  });
});

describe('the settings page', () => {
  it('makes a new brand’s id from its name and says why the form cannot be saved yet', async () => {
    await putWorkspace(hub.url, 'e2e-settings', { name: 'Settings market' });
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/settings?workspace=e2e-settings`);
    const form = page.locator('[data-testid="workspace-form"]');
    await form.locator('[data-testid="brand-name"]').first().waitFor({ timeout: 15_000 });
    // Saved brands keep their id: their history is filed under it.
    expect(await form.locator('code[data-testid="brand-id"]').allTextContents()).toEqual([
      'acme',
      'globex',
      'initech',
    ]);

    await form.getByTestId('add-brand').click();
    await form.locator('[data-testid="brand-name"]').last().fill('Léa Nature');
    expect(await form.locator('input[data-testid="brand-id"]').last().inputValue()).toBe('lea-nature');

    const status = page.getByTestId('settings-status');
    await expect.poll(() => status.textContent()).toMatch(/Unsaved changes: Workspace\./);

    await form.getByTestId('workspace-name').fill('');
    const problems = form.getByTestId('workspace-problems');
    await expect.poll(() => problems.textContent()).toMatch(/Give the workspace a name\./);
    const save = page.getByTestId('settings-save');
    expect(await save.isDisabled()).toBe(true);
    expect(await status.textContent()).toMatch(/Cannot save yet: see the messages in Workspace\./);
    expect(await form.getByTestId('workspace-name').getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: path.join(ARTIFACTS, 'settings-problems-en-1366.png'), fullPage: true });

    // One Save for the page: the workspace and the wall's rotation change, both are saved.
    await form.getByTestId('workspace-name').fill('Settings market');
    expect(await problems.count()).toBe(0);
    await page.locator('[data-testid="wall-editor"] input[type="number"]').fill('30');
    await expect.poll(() => status.textContent()).toMatch(/Unsaved changes: Workspace, Live wall layout\./);
    await save.click();
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/^\s*Saved\s*$/);
    const layout = (await (await fetch(`${hub.url}/api/v1/workspaces/e2e-settings/wall`)).json()) as {
      rotateSeconds: number;
    };
    expect(layout.rotateSeconds).toBe(30);
    const stored = (await (await fetch(`${hub.url}/api/v1/workspaces/e2e-settings`)).json()) as {
      brands: { id: string; name: string }[];
    };
    expect(stored.brands.find((b) => b.id === 'lea-nature')?.name).toBe('Léa Nature');
    await page.close();
  });

  it('makes a new objective’s id from what it is about, never one that exists', async () => {
    const put = await fetch(`${hub.url}/api/v1/workspaces/e2e-settings/objectives/month-mentions`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kpi: 'mentions',
        period: { calendar: 'month' },
        target: 100,
        direction: 'at_least',
      }),
    });
    expect(put.status).toBe(200);
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/objectives?workspace=e2e-settings`);
    await page.locator('[data-testid="objective-month-mentions"]').waitFor({ timeout: 15_000 });
    await page.getByTestId('objective-new').click();
    const id = page.getByTestId('objective-id');
    await page.getByTestId('objective-kpi').selectOption('mentions');
    await page.getByTestId('objective-period').selectOption('month');
    expect(await id.inputValue(), 'month-mentions is taken').toBe('month-mentions-2');
    await page.getByTestId('objective-brand').selectOption('globex');
    expect(await id.inputValue()).toBe('month-mentions-globex');
    // Once typed, it is the person's: choices no longer change it.
    await id.fill('globex-watch');
    await page.getByTestId('objective-period').selectOption('quarter');
    expect(await id.inputValue()).toBe('globex-watch');
    await page.close();
  });
});

describe('the forecast in the explorer', () => {
  const url = () => `${hub.url}/explorer?workspace=${WS}&kpi=mentions&window=24h&grain=hour`;

  it('notes, under the chart, that an hour of history is too little', async () => {
    const page = await newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(url());
    const note = page.locator('[data-testid="forecast-note"]');
    await expect
      .poll(() => note.textContent(), { timeout: 15_000 })
      .toMatch(/^No forecast: Not enough history yet\. A forecast needs two days of hourly data/);
    // In the reader's words: not the hub's ids ("mentions for acme") nor its parameter names.
    expect(await note.textContent()).not.toMatch(/acme|grain=/);
    expect(await page.locator('[data-testid="explorer-series"] .error-banner').count()).toBe(0);
    expect(await page.locator('[data-testid="series-chart"]').getAttribute('data-forecast')).toBeNull();
    await page.close();
  });

  it('draws the own brand’s forecast once it has 48 hours of history, in English and French', async () => {
    // Three days of hourly mentions with a daily cycle (the history starts at the first event).
    const cycle = (h: number, base: number) =>
      Math.round(base * (1 + 0.6 * Math.sin((2 * Math.PI * h) / 24)));
    await ingest(
      Array.from({ length: 72 }, (_, h) => [
        event('acme', 'social', 'x', 'mentions', cycle(h, 20) + ((h * 7) % 5), recent((h + 1) * 3600 + 60)),
        event('globex', 'social', 'x', 'mentions', cycle(h + 6, 14), recent((h + 1) * 3600 + 60)),
        // Net sentiment too, for the wall's band (below).
        event('acme', 'social', 'x', 'positive_mentions', cycle(h, 8), recent((h + 1) * 3600 + 60)),
        event('acme', 'social', 'x', 'negative_mentions', 2 + (h % 3), recent((h + 1) * 3600 + 60)),
      ]).flat(),
    );
    const sizes = [
      { width: 1366, height: 768 },
      { width: 1920, height: 1080 },
    ];
    const legends = {
      en: 'Forecast (80 % / 95 % ranges)',
      fr: 'Prévision (fourchettes 80\u202f% / 95\u202f%)',
    };
    for (const [locale, legend] of Object.entries(legends)) {
      for (const viewport of sizes) {
        const page = await newPage({ viewport });
        await page.addInitScript(`localStorage.setItem('convergence.locale', ${JSON.stringify(locale)})`);
        await page.goto(url());
        const chart = page.locator('[data-testid="series-chart"]');
        await expect.poll(() => chart.getAttribute('data-forecast'), { timeout: 30_000 }).toBe(legend);
        expect(await page.locator('[data-testid="forecast-note"]').count()).toBe(0);
        await page.waitForTimeout(800); // the chart's update animation
        await page
          .locator('[data-testid="explorer-series"]')
          .screenshot({ path: path.join(ARTIFACTS, `explorer-forecast-${locale}-${viewport.width}.png`) });
        await page.screenshot({
          path: path.join(ARTIFACTS, `explorer-forecast-${locale}-${viewport.width}-page.png`),
        });
        await page.close();
      }
    }
  });
});

describe('the forecast on the wall', () => {
  it('draws the own brand’s band ahead of the net sentiment board once it has the history', async () => {
    for (const [locale, legend] of Object.entries({
      en: 'Forecast (80 % / 95 % ranges)',
      // French typography: a narrow no-break space before %.
      fr: 'Prévision (fourchettes 80\u202f% / 95\u202f%)',
    })) {
      const page = await newPage({ viewport: { width: 1920, height: 1080 } });
      await page.addInitScript(`localStorage.setItem('convergence.locale', ${JSON.stringify(locale)})`);
      await page.goto(`${hub.url}/wall?workspace=${WS}`);
      const chart = page.locator('[data-testid="sentiment-chart"]');
      await expect.poll(() => chart.getAttribute('data-forecast'), { timeout: 30_000 }).toBe(legend);
      expect(
        await page.locator('[data-testid="board-sentiment"] [data-testid="forecast-note"]').count(),
      ).toBe(0);
      await page.waitForTimeout(800); // the chart's update animation
      await page
        .locator('[data-testid="board-sentiment"]')
        .screenshot({ path: path.join(ARTIFACTS, `wall-forecast-${locale}-1920.png`) });
      await page.close();
    }
  });
});

describe('chart text on a screen', () => {
  it('grows with the screen: ≥ 12 px at 768 px high, ≥ 16 px at 1080 in kiosk mode, ≥ 32 px at 2160', async () => {
    const cases = [
      { width: 1366, height: 768, kiosk: false, least: 12 },
      { width: 1920, height: 1080, kiosk: false, least: 12 },
      { width: 1920, height: 1080, kiosk: true, least: 16 },
      { width: 3840, height: 2160, kiosk: true, least: 32 },
    ];
    for (const { width, height, kiosk, least } of cases) {
      const page = await newPage({ viewport: { width, height } });
      // The SVG renderer draws the same option as text elements whose size the browser reports.
      await page.goto(`${hub.url}/wall?workspace=${WS}&renderer=svg${kiosk ? '&kiosk=1' : ''}`);
      const sizes = async () =>
        page.evaluate<number[]>(`[...document.querySelectorAll('.chart svg text')]
          .filter((t) => (t.textContent ?? '').trim() !== '')
          .map((t) => parseFloat(getComputedStyle(t).fontSize))`);
      await expect.poll(async () => (await sizes()).length, { timeout: 30_000 }).toBeGreaterThan(10);
      await page.waitForTimeout(800);
      const all = await sizes();
      expect(Math.min(...all), `${width}×${height}${kiosk ? ' kiosk' : ''}`).toBeGreaterThanOrEqual(least);
      await page.screenshot({
        path: path.join(ARTIFACTS, `wall-text-${width}x${height}${kiosk ? '-kiosk' : ''}.png`),
      });
      await page.close();
    }
  });
});

describe('the DPI radar', () => {
  it('says the own brand’s score on each axis that has one, in English and French', async () => {
    const scores: string[][] = [];
    for (const touchpoint of ['search', 'site', 'social', 'media', 'viral']) {
      const response = await fetch(
        `${hub.url}/api/v1/workspaces/${WS}/benchmark?kpi=dpi_${touchpoint}&window=24h`,
      );
      expect(response.status).toBe(200);
      const { rows } = (await response.json()) as { rows: { brand: string; value: number | null }[] };
      const value = rows.find((r) => r.brand === 'acme')!.value;
      if (value !== null) scores.push([formatValue(value, 'index', 'en'), formatValue(value, 'index', 'fr')]);
    }
    expect(scores.length).toBeGreaterThan(0);
    for (const [locale, viewport] of [
      ['en', { width: 1366, height: 768 }],
      ['fr', { width: 1920, height: 1080 }],
    ] as const) {
      const page = await newPage({ viewport });
      await page.goto(`${hub.url}/wall?workspace=${WS}&renderer=svg&lang=${locale}`);
      const texts = () =>
        page.evaluate<string[]>(`[...document.querySelectorAll('[data-testid="board-dpi"] svg text')]
          .map((t) => (t.textContent ?? '').trim())`);
      const shown = scores.map(([en, fr]) => (locale === 'en' ? en : fr));
      await expect
        .poll(
          async () => {
            const drawn = await texts();
            return shown.filter((score) => drawn.includes(score)).length;
          },
          { timeout: 30_000 },
        )
        .toBe(shown.length);
      // As a screen draws it (on canvas).
      await page.goto(`${hub.url}/wall?workspace=${WS}&lang=${locale}`);
      await page.locator('[data-testid="dpi-chart"]').waitFor();
      await page.waitForTimeout(1000);
      await page.screenshot({ path: path.join(ARTIFACTS, `wall-dpi-${locale}-${viewport.width}.png`) });
      await page.close();
    }
  });
});

describe('the bucket still filling', () => {
  const hourNow = () => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();

  it('is drawn apart, not as a fall: on the wall’s line and sparklines and in the explorer', async () => {
    for (const viewport of [
      { width: 1366, height: 768 },
      { width: 1920, height: 1080 },
    ]) {
      const page = await newPage({ viewport });
      await page.goto(`${hub.url}/wall?workspace=${WS}`);
      const chart = page.locator('[data-testid="sentiment-chart"]');
      await expect.poll(() => chart.getAttribute('data-provisional'), { timeout: 30_000 }).toBe(hourNow());
      const sparkline = page.locator('[data-testid="tile-mentions"] svg.sparkline');
      await expect.poll(() => sparkline.getAttribute('data-provisional'), { timeout: 15_000 }).toBe('true');
      // The line stops at the last closed bucket (x = 100 is the bucket under way); a dashed stub
      // joins it only when the hour before has data (in an hour's first minutes it may not).
      const line = await sparkline.locator('path').first().getAttribute('d');
      expect(line).not.toContain('100.00,');
      expect(await sparkline.locator('path.stub').count()).toBeLessThanOrEqual(1);
      await page.waitForTimeout(800); // the chart's update animation
      await page.screenshot({ path: path.join(ARTIFACTS, `wall-provisional-${viewport.width}.png`) });

      await page.goto(`${hub.url}/explorer?workspace=${WS}&kpi=mentions&window=24h&grain=hour`);
      const series = page.locator('[data-testid="series-chart"]');
      await expect.poll(() => series.getAttribute('data-provisional'), { timeout: 30_000 }).toBe(hourNow());
      await page.waitForTimeout(800);
      await page
        .locator('[data-testid="explorer-series"]')
        .screenshot({ path: path.join(ARTIFACTS, `explorer-provisional-${viewport.width}.png`) });
      await page.close();
    }
  });
});

describe('the objectives page', () => {
  it('shows each objective’s chance from the forecast and its trajectory, in English and French', async () => {
    // On the three days of hourly mentions above: two days gone, two to go.
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const period = {
      from: new Date(hour - 48 * 3_600_000).toISOString(),
      to: new Date(hour + 48 * 3_600_000).toISOString(),
    };
    for (const [id, target] of [
      ['stretch', 1_000_000],
      ['easy', 1],
    ] as const) {
      const response = await fetch(`${hub.url}/api/v1/workspaces/${WS}/objectives/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kpi: 'mentions', period, target, direction: 'at_least' }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const texts = {
      en: {
        stretch: '0% likely',
        easy: '100% likely',
        projected: 'Projected at the end',
        legend: ['Current value', 'Expected by now', 'Target'],
      },
      fr: {
        stretch: '0\u202f% de chances',
        easy: '100\u202f% de chances',
        projected: 'Projection en fin de période',
        legend: ['Valeur actuelle', 'Attendu à ce jour', 'Cible'],
      },
    };
    for (const [locale, text] of Object.entries(texts)) {
      for (const viewport of [
        { width: 1366, height: 768 },
        { width: 1920, height: 1080 },
      ]) {
        const page = await newPage({ viewport });
        await page.addInitScript(`localStorage.setItem('convergence.locale', ${JSON.stringify(locale)})`);
        await page.goto(`${hub.url}/objectives?workspace=${WS}`);
        const chance = (id: string) => page.locator(`[data-testid="projection-${id}"] .chance`);
        await expect.poll(() => chance('stretch').textContent(), { timeout: 30_000 }).toMatch(text.stretch);
        expect((await chance('easy').textContent())!.trim()).toBe(text.easy);
        expect(await page.locator('[data-testid="projection-easy"] .projected').textContent()).toContain(
          text.projected,
        );
        // The bar's marks say what they are, in the reader's language.
        const legend = await page.locator('[data-testid="progress-legend-stretch"] li').allTextContents();
        expect(legend.map((l) => l.trim())).toEqual(text.legend);
        await expect
          .poll(() => page.getAttribute('[data-testid="objective-chart-stretch"]', 'data-forecast'))
          .toBe('shown');
        await page.waitForTimeout(800); // the chart's update animation
        await page.screenshot({ path: path.join(ARTIFACTS, `objectives-${locale}-${viewport.width}.png`) });
        await page.close();
      }
    }
  });
});

describe('the content security policy', () => {
  it('refused nothing the pages above loaded or ran (wall, kiosk, explorer, charts, forecast, objectives)', () => {
    expect(violations).toEqual([]);
  });
});
