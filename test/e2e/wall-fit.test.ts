// The wall is one screen: whatever the screen (1366×768 to 3840×2160) and the number of tiles (4 to
// 12), nothing overflows the viewport in normal mode, and in kiosk mode only the board on screen is
// shown, clear of the rotation indicator. The alerts list never scrolls: what does not fit is
// "+N more". Every board says its period. Screenshots land in test-artifacts/e2e/.
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
  hub = await startChildHub(fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-fit-')), {
    TICK_MS: '100',
    ALERT_RULE_INTERVAL_MS: '100',
  });
  await putWorkspace(hub.url, WS);
  const at = new Date(Date.now() - 60_000).toISOString();
  const rows = ['acme', 'globex', 'initech'].flatMap((brand, i) => [
    event(brand, 'social', 'x', 'mentions', 40 + 10 * i, at),
    event(brand, 'social', 'x', 'positive_mentions', 20 + i, at),
    event(brand, 'social', 'x', 'negative_mentions', 10, at),
  ]);
  expect((await postEvents(hub.url, WS, JSON.stringify(rows), 'application/json')).status).toBe(200);
  // A busy day: six rules on every brand of the set raise 18 alerts, more than a board can hold.
  for (const limit of [1, 2, 3, 4, 5, 6]) {
    const response = await fetch(`${hub.url}/api/v1/workspaces/${WS}/alert-rules/over-${limit}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kpi: 'mentions',
        brands: 'set',
        condition: { type: 'above', value: limit },
        window: '1h',
        name: `Over ${limit}`,
      }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  }
  // The rules run every 100 ms: their alerts are there within seconds.
  const deadline = Date.now() + 20_000;
  for (let count = 0; count < 18; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const response = await fetch(`${hub.url}/api/v1/workspaces/${WS}/alerts?kind=rule`);
    count = ((await response.json()) as { rows: unknown[] }).rows.length;
    if (Date.now() > deadline) throw new Error(`${count} rule alerts raised, 18 expected`);
  }
  owner = await login(hub.url, OWNER.email, OWNER.password);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await killAllHubs();
});

async function layout(tiles: number, rotateSeconds = 60): Promise<void> {
  const response = await fetch(`${hub.url}/api/v1/workspaces/${WS}/wall`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      kpis: KPIS.slice(0, tiles).map((k) => k.id),
      boards: BOARDS,
      window: '24h',
      rotateSeconds,
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
    /** Boards shown that do not say their period. */
    periodless: string[];
    /** Tiles whose label, value or change line is squeezed under a line's height. */
    squeezed: string[];
    /** Alerts shown whole, the "+N more" line, and whether the list would scroll. */
    alerts: { shown: number; more: string | null; scrolls: boolean; lastBottom: number; listBottom: number };
  }>(`(() => {
    const selector = '[data-testid^="board-"]:not([data-testid="board-period"]), article[data-testid^="tile-"], header.topbar, [data-testid="rotation"]';
    const boxes = [...document.querySelectorAll(selector)]
      .map((el) => ({ id: el.getAttribute('data-testid') ?? 'header', rect: el.getBoundingClientRect() }))
      .filter(({ rect }) => rect.width > 0 && rect.height > 0)
      .map(({ id, rect }) => ({ id, top: rect.top, bottom: rect.bottom, left: rect.left, right: rect.right }));
    const boards = [...document.querySelectorAll('[data-testid^="board-"]:not([data-testid="board-period"])')]
      .filter((el) => el.getBoundingClientRect().height > 0);
    const kiosk = document.querySelector('.wall.kiosk') !== null;
    const periodless = boards
      .filter((el) => el.getAttribute('data-testid') !== 'board-tiles' || kiosk)
      .filter((el) => !(el.querySelector('[data-testid="board-period"]')?.textContent ?? '').trim())
      .map((el) => el.getAttribute('data-testid'));
    const squeezed = [...document.querySelectorAll('article[data-testid^="tile-"]')]
      .filter((tile) => tile.getBoundingClientRect().height > 0)
      .filter((tile) => [...tile.querySelectorAll('.tile-label, .tile-value, .tile-meta')]
        .some((part) => part.getBoundingClientRect().height < 0.9 * parseFloat(getComputedStyle(part).fontSize)))
      .map((tile) => tile.getAttribute('data-testid'));
    const list = document.querySelector('[data-testid="board-alerts"] ul.alerts');
    const shown = list ? [...list.children].filter((li) => getComputedStyle(li).visibility !== 'hidden') : [];
    return {
      scroll: document.documentElement.scrollHeight,
      inner: window.innerHeight,
      innerWidth: window.innerWidth,
      boxes,
      periodless,
      squeezed,
      alerts: {
        shown: shown.length,
        more: document.querySelector('[data-testid="alerts-more"]')?.textContent?.trim() ?? null,
        scrolls: list ? list.scrollHeight > list.clientHeight + 1 && getComputedStyle(list).overflowY !== 'hidden' : false,
        lastBottom: shown.length ? shown[shown.length - 1].getBoundingClientRect().bottom : 0,
        listBottom: list ? list.getBoundingClientRect().bottom : 0,
      },
    };
  })()`);

type Measure = Awaited<ReturnType<typeof measure>>;

/** Nothing outside the screen, no scrolling page, no board without its period, no list that scrolls. */
function expectFits(m: Measure, where: string): void {
  expect(m.scroll, `${where}: the page scrolls`).toBeLessThanOrEqual(m.inner);
  const outside = m.boxes.filter(
    (b) => b.top < -0.5 || b.left < -0.5 || b.bottom > m.inner + 0.5 || b.right > m.innerWidth + 0.5,
  );
  expect(
    outside.map((b) => b.id),
    `${where}: boxes outside the screen`,
  ).toEqual([]);
  expect(m.periodless, `${where}: boards that do not say their period`).toEqual([]);
  expect(m.squeezed, `${where}: tiles squeezed`).toEqual([]);
  expect(m.alerts.scrolls, `${where}: the alerts list scrolls`).toBe(false);
  expect(m.alerts.lastBottom, `${where}: an alert cut by the board's edge`).toBeLessThanOrEqual(
    m.alerts.listBottom + 0.5,
  );
}

/** The alerts board, when on screen, shows some whole and says how many more: 18 in all. */
function expectAlertsCounted(m: Measure, where: string): void {
  expect(m.alerts.shown, `${where}: no alert shown`).toBeGreaterThan(0);
  const more = m.alerts.more === null ? 0 : Number(/\d+/.exec(m.alerts.more)![0]);
  expect(m.alerts.shown + more, `${where}: ${m.alerts.shown} shown, "${m.alerts.more}"`).toBe(18);
}

describe('the wall on one screen', () => {
  for (const tiles of [4, 6, 8, 12]) {
    it(`holds ${tiles} tiles and every board inside the screen, from 1366×768 to 3840×2160`, async () => {
      await layout(tiles);
      for (const viewport of SCREENS) {
        const page = await signedInPage(browser, hub.url, owner, { viewport });
        await page.goto(`${hub.url}/wall?workspace=${WS}`);
        await page.locator('[data-testid="board-dpi"]').waitFor();
        await page.locator('[data-testid="board-alerts"] li.alert').first().waitFor();
        await expect.poll(() => page.locator('article[data-testid^="tile-"]').count()).toBe(tiles);
        await page.waitForTimeout(600);
        const m = await measure(page);
        const where = `${viewport.width}×${viewport.height}, ${tiles} tiles`;
        expectFits(m, where);
        expectAlertsCounted(m, where);
        expect(m.boxes.filter((b) => b.id.startsWith('board-')).length).toBe(BOARDS.length);
        await page.screenshot({ path: path.join(ARTIFACTS, `wall-fit-${tiles}-${viewport.width}.png`) });
        await page.close();
      }
    });
  }
});

describe('the kiosk on one screen', () => {
  // Every board in turn with 12 tiles; with fewer only the tiles board differs (it comes first).
  for (const tiles of [12, 8, 6, 4]) {
    const expected = tiles === 12 ? BOARDS.map((b) => `board-${b}`) : ['board-tiles'];
    it(`shows ${tiles === 12 ? 'one board at a time' : 'the tiles board'} inside the screen and clear of the rotation indicator, with ${tiles} tiles`, async () => {
      await layout(tiles, 5);
      for (const viewport of SCREENS) {
        const page = await signedInPage(browser, hub.url, owner, { viewport });
        await page.goto(`${hub.url}/wall?workspace=${WS}&kiosk=1`);
        await page.locator('[data-testid="rotation"]').waitFor();
        // The tiles measured once they have their labels (the catalogue and the first snapshot).
        const labelled = () =>
          page.evaluate<boolean>(
            `[...document.querySelectorAll('article[data-testid^="tile-"] .tile-label')].every((l) => l.textContent.trim() !== '')`,
          );
        const seen = new Set<string>();
        // Each board in turn (5 s each), measured once it is on screen.
        const deadline = Date.now() + 40_000;
        while (seen.size < expected.length && Date.now() < deadline) {
          await page.waitForTimeout(700);
          const m = await measure(page);
          const boards = m.boxes.filter((b) => b.id.startsWith('board-'));
          const where = `kiosk ${viewport.width}×${viewport.height}, ${tiles} tiles, ${boards.map((b) => b.id).join('+')}`;
          expect(boards.length, `${where}: boards on screen at once`).toBe(1);
          const board = boards[0]!;
          if (!expected.includes(board.id) || seen.has(board.id)) continue;
          if (board.id === 'board-tiles' && !(await labelled())) continue;
          await page.waitForTimeout(600); // its charts' first layout
          const settled = await measure(page);
          if (settled.boxes.find((b) => b.id.startsWith('board-'))?.id !== board.id) continue;
          seen.add(board.id);
          expectFits(settled, where);
          const rotation = settled.boxes.find((b) => b.id === 'rotation')!;
          const settledBoard = settled.boxes.find((b) => b.id === board.id)!;
          expect(
            settledBoard.bottom,
            `${where}: the board runs under the rotation indicator`,
          ).toBeLessThanOrEqual(rotation.top + 0.5);
          if (board.id === 'board-alerts') expectAlertsCounted(settled, where);
          if (board.id === 'board-tiles') {
            expect(settled.boxes.filter((b) => b.id.startsWith('tile-')).length).toBe(tiles);
          }
          await page.screenshot({
            path: path.join(
              ARTIFACTS,
              `kiosk-fit-${tiles}-${viewport.width}-${board.id.slice('board-'.length)}.png`,
            ),
          });
        }
        expect([...seen].sort(), `kiosk ${viewport.width}×${viewport.height}: boards shown in turn`).toEqual(
          [...expected].sort(),
        );
        await page.close();
      }
    });
  }
});
