// The Reports page (issue 13): a report scheduled in the UI, in a zone far from UTC, reaches a
// real SMTP server at the local time it was set for, and its history in the page proves it; a
// test sent from the page reaches the person signed in. Screenshots in English and French at
// 1366×768 and 1920×1080 land in test-artifacts/e2e/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportRunList } from '../../shared/schemas/reports.js';
import { type ChildHub, killAllHubs, startChildHub } from '../helpers/child.js';
import { REPORT_KPIS, reportHistory } from '../helpers/report-data.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { ARTIFACTS, launch } from './browser.js';
import { call, login, OWNER, putWorkspaceAs, signedInPage, type HubSession } from './hub-auth.js';

let browser: Browser;
let hub: ChildHub;
let owner: HubSession;
let smtp: SmtpSink;
const WS = 'north';
/** Half an hour off whole-hour zones: a schedule read in UTC would be visibly wrong. */
const ZONE = 'Asia/Kolkata';

/** The wall-clock time in ZONE of an instant, as cron fields (second minute hour). */
function localFields(ms: number): { second: number; minute: number; hour: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { second: get('second'), minute: get('minute'), hour: get('hour') };
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-e2e-reports-'));
  hub = await startChildHub(dataDir, { SMTP_URL: smtp.url, MAIL_FROM: 'Convergence <reports@hub.example>' });
  owner = await login(hub.url, OWNER.email, OWNER.password);
  await putWorkspaceAs(hub.url, owner.token, WS, 'North market');
  await call(hub.url, owner.token, 'POST', `/api/v1/workspaces/${WS}/events`, reportHistory(21));
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await killAllHubs();
  await smtp?.close();
});

async function openReports(page: Page, lang: 'en' | 'fr'): Promise<void> {
  await page.goto(`${hub.url}/reports?workspace=${WS}&lang=${lang}`);
  await page.getByTestId('reports').waitFor();
}

describe('reports page', () => {
  it('schedules a report in the UI that arrives at the local time set, with its history shown', async () => {
    const page = await signedInPage(browser, hub.url, owner, { viewport: { width: 1366, height: 768 } });
    await openReports(page, 'en');
    await page.getByTestId('report-new').click();
    await page.getByTestId('report-name').fill('Kolkata morning');
    // Due 25 s from now, written as the wall-clock time in Kolkata (UTC+05:30).
    const dueMs = Math.ceil((Date.now() + 25_000) / 1000) * 1000;
    const { second, minute, hour } = localFields(dueMs);
    await page.getByTestId('report-preset').selectOption('custom');
    await page.getByTestId('report-cron').fill(`${second} ${minute} ${hour} * * *`);
    await page.getByTestId('report-timezone').fill(ZONE);
    await page.getByTestId('report-window').selectOption('last_7d');
    for (const kpi of ['share_of_voice', 'mentions', 'engagements']) {
      await page.getByTestId(`report-kpi-${kpi}`).uncheck();
    }
    for (const kpi of REPORT_KPIS) await page.getByTestId(`report-kpi-${kpi}`).check();
    await page.getByTestId('report-section-objectives').uncheck();
    await page.getByTestId('report-recipient-email').first().fill('client@north.example');
    await page.getByTestId('report-add-recipient').click();
    await page.getByTestId('report-recipient-email').nth(1).fill('partner@north.example');
    await page.getByTestId('report-recipient-limited').nth(1).check();
    await page.getByTestId('report-recipient').nth(1).getByLabel('Acme').check();
    await page.getByTestId('report-save').click();
    const row = page.locator('[data-report="kolkata-morning"]');
    await row.waitFor();
    // The next run shown is the instant set, in Kolkata time.
    const shown = new Intl.DateTimeFormat('en-US', {
      timeZone: ZONE,
      hour: '2-digit',
      minute: '2-digit',
    }).format(dueMs);
    await expect.poll(() => row.getByTestId('report-next').innerText()).toContain(shown);

    const before = smtp.received.length;
    const mails = (await smtp.waitFor(before + 2, 60_000)).slice(before);
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'client@north.example',
      'partner@north.example',
    ]);
    const runs = await call<ReportRunList>(
      hub.url,
      owner.token,
      'GET',
      `/api/v1/workspaces/${WS}/reports/kolkata-morning/runs`,
    );
    expect(runs.rows[0]).toMatchObject({
      trigger: 'schedule',
      status: 'sent',
      scheduledAt: new Date(dueMs).toISOString(),
    });
    expect(Date.parse(runs.rows[0]!.startedAt) - dueMs).toBeLessThan(5_000);
    const partner = mails.find((m) => m.envelopeTo[0] === 'partner@north.example')!;
    expect(partner.mail.html).not.toMatch(/Globex|Initech/);
    expect(partner.mail.html).toContain('Acme');

    await page.reload();
    await page.locator('[data-report="kolkata-morning"] button.link').click();
    await expect.poll(() => page.getByTestId('report-run').first().getAttribute('data-status')).toBe('sent');
    await page.getByTestId('report-preview-frame').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'reports-en-1366x768.png') });
    await page.context().close();
  });

  it('sends a test to the person signed in, from the page', async () => {
    const page = await signedInPage(browser, hub.url, owner, { viewport: { width: 1920, height: 1080 } });
    await openReports(page, 'fr');
    const before = smtp.received.length;
    await page.locator('[data-report="kolkata-morning"]').getByTestId('report-test').click();
    await page.getByTestId('report-notice').waitFor();
    expect(await page.getByTestId('report-notice').innerText()).toContain(OWNER.email);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail!.envelopeTo).toEqual([OWNER.email]);
    expect(mail!.mail.text).toContain('Test send');
    await page.getByTestId('report-preview-frame').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'reports-fr-1920x1080.png') });
    await page.getByTestId('report-new').click();
    await page.screenshot({ path: path.join(ARTIFACTS, 'reports-form-fr-1920x1080.png') });
    await page.context().close();
  });

  it('shows the form and list in French at 1366×768 and in English at 1920×1080 without overflow', async () => {
    for (const [lang, width, height] of [
      ['fr', 1366, 768],
      ['en', 1920, 1080],
    ] as const) {
      const page = await signedInPage(browser, hub.url, owner, { viewport: { width, height } });
      await openReports(page, lang);
      await page.getByTestId('report-new').click();
      await page.getByTestId('report-form').waitFor();
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(ARTIFACTS, `reports-form-${lang}-${width}x${height}.png`) });
      await page.context().close();
    }
  });
});
