// Scheduled e-mail reports end to end (issue 13): a real SMTP server (smtp-server) receives what
// the hub sends, mailparser reads it as a mail client would, and every number is checked against
// the API's answer for the same window.
import { PDFDocument } from 'pdf-lib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Benchmark } from '../../shared/schemas/kpi.js';
import type { ReportList, ReportRun, ReportRunList } from '../../shared/schemas/reports.js';
import { formatValue } from '../../shared/format.js';
import { postEvents, putWorkspace, startServer, toNdjson, type TestServer } from '../helpers/server.js';
import { REPORT_KPIS, reportHistory } from '../helpers/report-data.js';
import { startSmtpSink, type Received, type SmtpSink } from '../helpers/smtp-sink.js';

let server: TestServer;
let smtp: SmtpSink;
const WS = 'mailroom';
const KPIS = REPORT_KPIS;

const full = {
  name: 'Weekly brand pulse',
  cron: '0 8 * * 1',
  timezone: 'Europe/Paris',
  recipients: [
    { email: 'claire@client.example' },
    { email: 'sam@agency.example', scope: { brands: ['acme', 'globex'] } },
    { email: 'web@agency.example', scope: { touchpoints: ['site'] } },
  ],
  content: {
    window: 'last_7d',
    kpis: KPIS,
    sections: ['summary', 'benchmark', 'dpi', 'alerts', 'forecast', 'charts'],
  },
  attachPdf: true,
};

const api = (path: string, init?: RequestInit) => fetch(`${server.url}/api/v1/workspaces/${WS}${path}`, init);
const json = { 'content-type': 'application/json' };
const put = (id: string, body: object) =>
  api(`/reports/${id}`, { method: 'PUT', headers: json, body: JSON.stringify(body) });
const send = async (id: string, body?: object) => {
  const response = await api(`/reports/${id}/send`, {
    method: 'POST',
    ...(body ? { headers: json, body: JSON.stringify(body) } : {}),
  });
  const answer = await response.json();
  if (response.status !== 200) throw new Error(`send ${id}: ${response.status} ${JSON.stringify(answer)}`);
  return answer as ReportRun;
};
const runs = async (id: string) => ((await (await api(`/reports/${id}/runs`)).json()) as ReportRunList).rows;

/** Whether a PNG decodes and is not blank: many distinct colours across its pixels. */
function pixelVariety(png: Buffer): { width: number; height: number; colours: number } {
  const image = PNG.sync.read(png);
  const colours = new Set<number>();
  for (let i = 0; i < image.data.length; i += 4 * 7) colours.add(image.data.readUInt32BE(i));
  return { width: image.width, height: image.height, colours: colours.size };
}

const parseCsv = (text: string) => {
  const [header, ...lines] = text.trim().split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
};

/** A header as the message carries it (mailparser turns List-* headers into objects). */
const header = (mail: Received['mail'], name: string) =>
  mail.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '') ?? '';

/** Everything a recipient can read in a message: subject, parts, attachments' text, image alt. */
const readable = (r: Received) =>
  [
    r.mail.subject ?? '',
    r.mail.html || '',
    r.mail.text ?? '',
    ...r.mail.attachments
      .filter((a) => a.contentType.startsWith('text/'))
      .map((a) => a.content.toString('utf8')),
    r.raw.toString('utf8'),
  ].join('\n');

beforeAll(async () => {
  smtp = await startSmtpSink();
  server = await startServer(
    { smtpUrl: smtp.url, mailFrom: 'Convergence <reports@hub.example>' },
    { mailRetryDelaysMs: [50, 100] },
  );
  await putWorkspace(server.url, WS, { name: 'Mail room' });
  const response = await postEvents(server.url, WS, toNdjson(reportHistory()), 'application/x-ndjson');
  expect(response.status).toBe(200);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await smtp?.close();
});

describe('report mail', () => {
  let run: ReportRun;
  let byRecipient: Map<string, Received>;

  beforeAll(async () => {
    expect((await put('pulse', full)).status).toBe(200);
    run = await send('pulse');
    const mails = await smtp.waitFor(3);
    byRecipient = new Map(mails.map((m) => [m.envelopeTo[0]!, m]));
  }, 120_000);

  it('sends one message per recipient and records each SMTP answer in the history', async () => {
    expect(run.status).toBe('sent');
    expect(run.recipients.map((r) => r.email).sort()).toEqual([
      'claire@client.example',
      'sam@agency.example',
      'web@agency.example',
    ]);
    for (const r of run.recipients) {
      expect(r).toMatchObject({ status: 'sent', attempts: 1 });
      expect(r.response).toMatch(/^250 /);
      expect(byRecipient.get(r.email)!.mail.messageId).toBe(r.messageId);
    }
    const [latest] = await runs('pulse');
    expect(latest).toMatchObject({ id: run.id, status: 'sent', trigger: 'send' });
    const listed = ((await (await api('/reports')).json()) as ReportList).rows.find((r) => r.id === 'pulse');
    expect(listed!.lastRun).toMatchObject({ id: run.id, status: 'sent' });
    const mail = byRecipient.get('claire@client.example')!.mail;
    expect(mail.subject).toMatch(/^Weekly brand pulse · /);
    expect(mail.from!.text).toContain('reports@hub.example');
    expect(header(mail, 'list-unsubscribe')).toMatch(
      /^<http:\/\/.*\/api\/v1\/reports\/unsubscribe\?.*email=claire%40client.example/,
    );
    expect(header(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.text).toContain('Data as of');
  });

  it('prints the same KPI values as the API for the same window, in the text and the CSV', async () => {
    const { from, to } = run.window;
    const mail = byRecipient.get('claire@client.example')!.mail;
    const csv = mail.attachments.find((a) => a.contentType.startsWith('text/csv'))!;
    const rows = parseCsv(csv.content.toString('utf8'));
    for (const kpi of KPIS) {
      const response = await api(`/benchmark?kpi=${kpi}&from=${from}&to=${to}`);
      const benchmark = (await response.json()) as Benchmark;
      const acme = benchmark.rows.find((r) => r.brand === 'acme')!;
      expect(acme.value).not.toBeNull();
      const unit = kpi === 'share_of_voice' ? 'percent' : 'count';
      expect(mail.text).toContain(formatValue(acme.value, unit, 'en-GB'));
      for (const row of benchmark.rows) {
        const line = rows.find((r) => r.kpi === kpi && r.brand === row.brand)!;
        expect(Number(line.value)).toBe(row.value);
        expect(Number(line.rank)).toBe(row.rank);
      }
    }
  });

  it('embeds six chart PNGs by content id that decode, are not blank, and have alt text', () => {
    const { mail } = byRecipient.get('claire@client.example')!;
    const images = mail.attachments.filter((a) => a.contentType === 'image/png');
    expect(images).toHaveLength(6);
    for (const image of images) {
      expect(mail.html).toContain(`cid:${image.cid}`);
      const { width, height, colours } = pixelVariety(image.content);
      expect([width, height]).toEqual([1200, 560]);
      // A blank panel has one colour; axes, lines, legend and text give hundreds (antialiasing).
      expect(colours).toBeGreaterThan(50);
    }
    const alts = [...String(mail.html).matchAll(/alt="([^"]*)"/g)].map((m) => m[1]!);
    expect(alts).toHaveLength(6);
    expect(alts[0]).toMatch(/^Mentions, .*Acme/);
  });

  it('attaches a PDF that opens with its pages', async () => {
    const { mail } = byRecipient.get('claire@client.example')!;
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf')!;
    const doc = await PDFDocument.load(pdf.content);
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(2);
    expect(doc.getTitle()).toMatch(/^Weekly brand pulse/);
  });

  it('leaves the brands outside a recipient’s scope out of everything they receive, leader included', () => {
    const everyone = readable(byRecipient.get('claire@client.example')!);
    const scoped = readable(byRecipient.get('sam@agency.example')!);
    expect(everyone).toContain('Initech');
    expect(scoped).not.toMatch(/initech/i);
    expect(scoped).toContain('Globex');
    const { mail } = byRecipient.get('sam@agency.example')!;
    const csv = parseCsv(
      mail.attachments.find((a) => a.contentType.startsWith('text/csv'))!.content.toString(),
    );
    expect(new Set(csv.map((r) => r.brand))).toEqual(new Set(['acme', 'globex']));
    // Ranks stay those of the whole set of three.
    expect(mail.text).toMatch(/\d \/ 3/);
  });

  it('gives a recipient limited to a touchpoint the KPIs read on it alone, computed on it', async () => {
    const { mail } = byRecipient.get('web@agency.example')!;
    const csv = parseCsv(
      mail.attachments.find((a) => a.contentType.startsWith('text/csv'))!.content.toString(),
    );
    expect(new Set(csv.map((r) => r.kpi))).toEqual(new Set(['visits']));
    expect(mail.attachments.filter((a) => a.contentType === 'image/png')).toHaveLength(1);
    // The DPI and forecasts weigh every touchpoint: left out, and said so.
    expect(mail.text).toMatch(/Digital performance index: Not part of your view\./);
    expect(mail.text).not.toMatch(/Mentions|Share of voice/);
    const { from, to } = run.window;
    const api = (await (
      await fetch(
        `${server.url}/api/v1/workspaces/${WS}/benchmark?kpi=visits&touchpoint=site&from=${from}&to=${to}`,
      )
    ).json()) as Benchmark;
    expect(Number(csv.find((r) => r.brand === 'acme')!.value)).toBe(
      api.rows.find((r) => r.brand === 'acme')!.value,
    );
  });

  it('takes an address off the report with its one-click unsubscribe link, and only that one', async () => {
    expect(
      (
        await put('leaving', {
          ...full,
          name: 'Leaving',
          content: { ...full.content, sections: ['summary'] },
        })
      ).status,
    ).toBe(200);
    await send('leaving');
    const mails = await smtp.waitFor(5);
    const mine = mails.find(
      (m) => m.mail.subject?.startsWith('Leaving') && m.envelopeTo[0] === 'sam@agency.example',
    )!;
    const link = /<([^>]+)>/.exec(header(mine.mail, 'list-unsubscribe'))![1]!;
    // Opening the link changes nothing (mail scanners open links); the one-click POST does.
    expect((await fetch(link)).status).toBe(200);
    let report = ((await (await api('/reports')).json()) as ReportList).rows.find((r) => r.id === 'leaving')!;
    expect(report.recipients).toHaveLength(3);
    const tampered = link.replace('sam%40agency.example', 'claire%40client.example');
    expect(
      (
        await fetch(tampered, {
          method: 'POST',
          body: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(404);
    const done = await fetch(link, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('will no longer receive');
    report = ((await (await api('/reports')).json()) as ReportList).rows.find((r) => r.id === 'leaving')!;
    expect(report.recipients.map((r) => r.email)).toEqual(['claire@client.example', 'web@agency.example']);
  });

  it('previews the report in the browser with its charts inlined, as a recipient sees it', async () => {
    const response = await api('/reports/pulse/preview?recipient=sam%40agency.example');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html.match(/src="data:image\/png;base64,/g)).toHaveLength(6);
    expect(html).not.toMatch(/initech/i);
  });
});
