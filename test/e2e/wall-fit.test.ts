// The wall is one screen: whatever the screen (1366×768 to 3840×2160) and the number of tiles (4 to
// 12), nothing overflows the viewport in normal mode, and in kiosk mode only the board on screen is
// shown, clear of the rotation indicator. Screenshots land in test-artifacts/e2e/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPIS } from '../../shared/kpis.js';
import { type ChildHub, killAllHubs, startChildHub } from '../helpers/child.js';
import { event, postEvents, putWorkspace } from '../helpers/server.js';
import { ARTIFACTS, launch } from './browser.js';
import { login, OWNER, signedInPage, type HubSession } from './hub-auth.js';

let browser: Browser;
let hub: ChildHub;
let owner: HubSession;
const WS = 'fit';
const SCREENS = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
  { width: 3840, height: 2160 },
];
const BOARDS = ['tiles', 'share_of_voice', 'sentiment', 'dpi', 'alerts'];

beforeAll(async () => {
  hub = await startChildHub(fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-fit-')), { TICK_MS: '100' });
  await putWorkspace(hub.url, WS);
  const at = new Date(Date.now() - 60_000).toISOString();
  const rows = ['acme', 'globex', 'initech'].flatMap((brand, i) => [
    event(brand, 'social', 'x', 'mentions', 40 + 10 * i, at),
    event(brand, 'social', 'x', 'positive_mentions', 20 + i, at),
    event(brand, 'social', 'x', 'negative_mentions', 10, at),
  ]);
  expect((await postEvents(hub.url, WS, JSON.stringify(rows), 'application/json')).status).toBe(200);
  owner = await login(hub.url, OWNER.email, OWNER.password);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await killAllHubs();
});

async function layout(tiles: number): Promise<void> {
  const response = await fetch(`${hub.url}/api/v1/workspaces/${WS}/wall`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      kpis: KPIS.slice(0, tiles).map((k) => k.id),
      boards: BOARDS,
      window: '24h',
      rotateSeconds: 60,
    }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

/** Boxes that are shown (display: none has none), and the page's scroll height. */
const measure = (page: Awaited<ReturnType<typeof signedInPage>>) =>
  page.evaluate<{
    scroll: number;
    inner: number;
    innerWidth: number;
    boxes: { id: string; top: number; bottom: number; left: number; right: number }[];
  }>(`(() => {
    const boxes = [...document.querySelectorAll('[data-testid^="board-"], article[data-testid^="tile-"], header.topbar')]
      .map((el) => ({ id: el.getAttribute('data-testid') ?? 'header', rect: el.getBoundingClientRect() }))
      .filter(({ rect }) => rect.width > 0 && rect.height > 0)
      .map(({ id, rect }) => ({ id, top: rect.top, bottom: rect.bottom, left: rect.left, right: rect.right }));
    return {
      scroll: document.documentElement.scrollHeight,
      inner: window.innerHeight,
      innerWidth: window.innerWidth,
      boxes,
    };
  })()`);

describe('the wall on one screen', () => {
  for (const tiles of [4, 6, 8, 12]) {
    it(`holds ${tiles} tiles and every board inside the screen, from 1366×768 to 3840×2160`, async () => {
      await layout(tiles);
      for (const viewport of SCREENS) {
        const page = await signedInPage(browser, hub.url, owner, { viewport });
        await page.goto(`${hub.url}/wall?workspace=${WS}`);
        await page.locator('[data-testid="board-dpi"]').waitFor();
        await expect.poll(() => page.locator('article[data-testid^="tile-"]').count()).toBe(tiles);
        await page.waitForTimeout(600);
        const { scroll, inner, innerWidth, boxes } = await measure(page);
        const where = `${viewport.width}×${viewport.height}, ${tiles} tiles`;
        expect(scroll, `${where}: the page scrolls`).toBeLessThanOrEqual(inner);
        const outside = boxes.filter(
          (b) => b.top < -0.5 || b.left < -0.5 || b.bottom > inner + 0.5 || b.right > innerWidth + 0.5,
        );
        expect(
          outside.map((b) => b.id),
          `${where}: boxes outside the screen`,
        ).toEqual([]);
        expect(boxes.filter((b) => b.id.startsWith('board-')).length).toBe(BOARDS.length);
        await page.screenshot({ path: path.join(ARTIFACTS, `wall-fit-${tiles}-${viewport.width}.png`) });
        await page.close();
      }
    });
  }
});
