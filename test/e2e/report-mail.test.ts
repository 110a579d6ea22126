// A received report mail as a reader sees it (issue 13): the HTML that arrived at a real SMTP
// server, its content-id images resolved from the message's own parts, opened in Chromium at a
// mail client's width and at a desktop's, in English and French. Screenshots and the PNG parts
// are kept under test-artifacts/e2e/report-mail/.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postEvents, putWorkspace, startServer, toNdjson, type TestServer } from '../helpers/server.js';
import { REPORT_KPIS, reportHistory } from '../helpers/report-data.js';
import { startSmtpSink, type Received, type SmtpSink } from '../helpers/smtp-sink.js';
import { ARTIFACTS, launch } from './browser.js';

const OUT = path.join(ARTIFACTS, 'report-mail');
const WS = 'mailshot';
let server: TestServer;
let smtp: SmtpSink;
let browser: Browser;

const report = (language: 'en' | 'fr') => ({
  name: language === 'fr' ? 'Pouls hebdomadaire' : 'Weekly brand pulse',
  cron: '0 8 * * 1',
  timezone: 'Europe/Paris',
  language,
  recipients: [{ email: `reader-${language}@client.example` }],
  content: {
    window: 'last_7d',
    kpis: REPORT_KPIS,
    sections: ['summary', 'benchmark', 'dpi', 'alerts', 'forecast', 'charts'],
  },
});

/** The message's HTML with each cid: image replaced by its part, as a mail client shows it. */
function resolved(received: Received): string {
  let html = String(received.mail.html);
  for (const part of received.mail.attachments) {
    if (part.cid)
      html = html.replaceAll(
        `cid:${part.cid}`,
        `data:${part.contentType};base64,${part.content.toString('base64')}`,
      );
  }
  return html;
}

beforeAll(async () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  smtp = await startSmtpSink();
  server = await startServer({ smtpUrl: smtp.url });
  await putWorkspace(server.url, WS, { name: 'Acme France' });
  expect((await postEvents(server.url, WS, toNdjson(reportHistory()), 'application/x-ndjson')).status).toBe(
    200,
  );
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

describe('report mail in a browser', () => {
  for (const language of ['en', 'fr'] as const) {
    it(`renders the ${language} mail with every chart loaded and nothing wider than the mail`, async () => {
      const id = `pulse-${language}`;
      const put = await fetch(`${server.url}/api/v1/workspaces/${WS}/reports/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(report(language)),
      });
      expect(put.status).toBe(200);
      const before = smtp.received.length;
      const sent = await fetch(`${server.url}/api/v1/workspaces/${WS}/reports/${id}/send`, {
        method: 'POST',
      });
      expect(sent.status).toBe(200);
      const [received] = (await smtp.waitFor(before + 1)).slice(before);
      for (const part of received!.mail.attachments.filter((a) => a.contentType === 'image/png')) {
        fs.writeFileSync(path.join(OUT, `${language}-${part.filename}`), part.content);
      }
      const html = resolved(received!);
      fs.writeFileSync(path.join(OUT, `${language}.html`), html);
      for (const [width, height] of [
        [1366, 768],
        [1920, 1080],
        [390, 844],
      ] as const) {
        const page = await browser.newPage({ viewport: { width, height } });
        await page.setContent(html, { waitUntil: 'load' });
        const images = await page.$$eval('img', (all) =>
          all.map((img) => ({
            loaded: img.complete && img.naturalWidth > 0,
            alt: img.alt,
            shown: img.getBoundingClientRect().width,
          })),
        );
        expect(images).toHaveLength(6);
        expect(images.every((i) => i.loaded && i.alt.length > 10 && i.shown > 100)).toBe(true);
        // Nothing sideways: the body is no wider than the window.
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        expect(overflow).toBeLessThanOrEqual(0);
        const text = await page.innerText('body');
        expect(text).toContain(language === 'fr' ? 'Synthèse' : 'Summary');
        expect(text).toContain('Acme');
        await page.screenshot({ path: path.join(OUT, `${language}-${width}x${height}.png`), fullPage: true });
        await page.close();
      }
    });
  }
});
