// Reports on their schedule and when things go wrong (issue 13): a cron firing every two seconds
// delivers once per tick, a restart in the middle sends nothing twice, a refusing SMTP server
// gets retries then a recorded failure and a notice to the owner, and a section that comes out
// empty never goes out as a normal-looking mail.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportList, ReportRun, ReportRunList } from '../../shared/schemas/reports.js';
import { postEvents, putWorkspace, startServer, toNdjson, type TestServer } from '../helpers/server.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

let smtp: SmtpSink;
const WS = 'ticks';
const HOUR = 3_600_000;
const json = { 'content-type': 'application/json' };

const report = (over: object = {}) => ({
  name: 'Ticker',
  cron: '*/2 * * * * *',
  timezone: 'Europe/Paris',
  recipients: [{ email: 'a@client.example' }, { email: 'b@client.example' }],
  content: { window: 'last_7d', kpis: ['mentions'], sections: ['summary', 'benchmark'] },
  ...over,
});

async function hub(dataDir?: string): Promise<TestServer> {
  return startServer({ smtpUrl: smtp.url, ...(dataDir ? { dataDir } : {}) }, { mailRetryDelaysMs: [30, 60] });
}

const api = (server: TestServer, path: string, init?: RequestInit) =>
  fetch(`${server.url}/api/v1/workspaces/${WS}${path}`, init);
const put = async (server: TestServer, id: string, body: object) => {
  const response = await api(server, `/reports/${id}`, {
    method: 'PUT',
    headers: json,
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
};
const runs = async (server: TestServer, id: string) =>
  ((await (await api(server, `/reports/${id}/runs`)).json()) as ReportRunList).rows;
const sendNow = async (server: TestServer, id: string) =>
  (await (await api(server, `/reports/${id}/send`, { method: 'POST' })).json()) as ReportRun;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withData(server: TestServer): Promise<void> {
  await putWorkspace(server.url, WS);
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  const rows = [];
  for (let t = end - 3 * 24 * HOUR; t < end; t += HOUR) {
    for (const brand of ['acme', 'globex', 'initech']) {
      rows.push({
        ts: new Date(t).toISOString(),
        brand,
        touchpoint: 'social',
        source: 'x',
        metric: 'mentions',
        value: 10 + brand.length,
      });
    }
  }
  expect((await postEvents(server.url, WS, toNdjson(rows), 'application/x-ndjson')).status).toBe(200);
}

beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await smtp?.close();
});

describe('report schedule', () => {
  it('delivers once per tick; a restart right after a tick does not send it again; a tick missed while down goes out once on start', async () => {
    let server = await hub();
    const dataDir = server.dataDir;
    await withData(server);
    const before = smtp.received.length;
    await put(server, 'ticker', report());
    await sleep(4_500);
    // Right after a tick went out: on start that tick is the latest due and is already claimed.
    await server.app.reportRunner.idle();
    await server.close();
    server = await hub(dataDir);
    await sleep(3_000);
    await put(server, 'ticker', report({ enabled: false }));
    await server.app.reportRunner.idle();

    const history = await runs(server, 'ticker');
    expect(history.length).toBeGreaterThanOrEqual(4);
    expect(history.every((r) => r.status === 'sent' && r.trigger === 'schedule')).toBe(true);
    for (const run of history) {
      expect(new Date(run.scheduledAt).getUTCSeconds() % 2).toBe(0);
      expect(run.id).toBe(`schedule:${run.scheduledAt}`);
    }
    // One mail per recipient per tick: a tick sent twice would repeat its Message-ID.
    const mails = smtp.received.slice(before).filter((m) => m.mail.subject?.startsWith('Ticker'));
    const ids = mails.map((m) => m.mail.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(mails).toHaveLength(2 * history.length);

    // Down across a tick of a ten-second schedule, back before the next: that tick goes out once, late.
    await put(server, 'catchup', report({ name: 'Catch-up', cron: '*/10 * * * * *' }));
    const boundary = async () => {
      await sleep(10_000 - (Date.now() % 10_000) + 300);
      await server.app.reportRunner.idle();
    };
    await boundary();
    await server.close();
    const missedDue = Math.ceil(Date.now() / 10_000) * 10_000;
    await sleep(missedDue - Date.now() + 800);
    server = await hub(dataDir);
    expect(Date.now()).toBeLessThan(missedDue + 9_000);
    await sleep(500);
    await server.app.reportRunner.idle();
    const caughtUp = (await runs(server, 'catchup')).filter((r) => Date.parse(r.scheduledAt) === missedDue);
    expect(caughtUp).toHaveLength(1);
    expect(caughtUp[0]).toMatchObject({ status: 'sent', trigger: 'schedule' });
    expect(Date.parse(caughtUp[0]!.startedAt) - missedDue).toBeGreaterThan(800);
    const caughtMails = smtp.received.filter((m) => m.mail.subject?.startsWith('Catch-up'));
    expect(new Set(caughtMails.map((m) => m.mail.messageId)).size).toBe(caughtMails.length);
    await put(server, 'catchup', report({ name: 'Catch-up', cron: '*/10 * * * * *', enabled: false }));
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);
});

describe('report failures', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await hub();
    await withData(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('retries a refused recipient, records the failure and tells the owner', async () => {
    await put(
      server,
      'refused',
      report({ name: 'Refused', cron: '0 8 1 1 *', recipients: [{ email: 'gone@client.example' }] }),
    );
    smtp.refuse.add('gone@client.example');
    const before = smtp.received.length;
    try {
      const run = await sendNow(server, 'refused');
      expect(run.status).toBe('failed');
      expect(run.recipients).toEqual([
        expect.objectContaining({ email: 'gone@client.example', status: 'failed', attempts: 3 }),
      ]);
      expect(run.recipients[0]!.response).toMatch(/^550 /);
      expect(run.notice).toEqual({ to: 'admin@localhost', status: 'sent' });
      const [notice] = await smtp.waitFor(before + 1).then((all) => all.slice(before));
      expect(notice!.envelopeTo).toEqual(['admin@localhost']);
      expect(notice!.mail.subject).toBe('Report “Refused” was not sent');
      expect(notice!.mail.text).toContain('gone@client.example');
      const listed = ((await (await api(server, '/reports')).json()) as ReportList).rows.find(
        (r) => r.id === 'refused',
      );
      expect(listed!.lastRun).toMatchObject({ status: 'failed' });
    } finally {
      smtp.refuse.clear();
    }
  });

  it('records a server that refuses every message after three attempts, the notice too', async () => {
    await put(server, 'down', report({ name: 'Down', cron: '0 8 1 1 *' }));
    smtp.refuseAll = true;
    const attempts = smtp.attempts;
    try {
      const run = await sendNow(server, 'down');
      expect(run.status).toBe('failed');
      expect(run.recipients.map((r) => [r.status, r.attempts])).toEqual([
        ['failed', 3],
        ['failed', 3],
      ]);
      expect(run.recipients[0]!.response).toMatch(/^451 /);
      expect(run.notice).toMatchObject({ to: 'admin@localhost', status: 'failed' });
      // Two recipients and the notice, three attempts each.
      expect(smtp.attempts - attempts).toBe(9);
    } finally {
      smtp.refuseAll = false;
    }
  });

  it('fails a run whose section is empty although the period has data, and sends nothing', async () => {
    // No objective is set: the objectives section would be empty.
    await put(
      server,
      'empty',
      report({
        name: 'Empty',
        cron: '0 8 1 1 *',
        content: { window: 'last_7d', kpis: ['mentions'], sections: ['summary', 'objectives'] },
      }),
    );
    const before = smtp.received.filter((m) => m.mail.subject?.includes('Empty')).length;
    const run = await sendNow(server, 'empty');
    expect(run.status).toBe('failed');
    expect(run.recipients).toEqual([]);
    expect(run.problems).toEqual([
      expect.objectContaining({
        section: 'objectives',
        kind: 'empty',
        message: expect.stringMatching(/No objective/),
      }),
    ]);
    expect(run.error).toMatch(/^Not sent: objectives/);
    await sleep(200);
    const after = smtp.received.filter((m) => m.mail.subject?.startsWith('Empty'));
    expect(after.length).toBe(before);
  });

  it('fails a run whose period holds no data at all, rather than send a mail of dashes', async () => {
    await putWorkspace(server.url, 'silent');
    const response = await fetch(`${server.url}/api/v1/workspaces/silent/reports/quiet`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify(report({ name: 'Quiet', cron: '0 8 1 1 *' })),
    });
    expect(response.status).toBe(200);
    const run = (await (
      await fetch(`${server.url}/api/v1/workspaces/silent/reports/quiet/send`, { method: 'POST' })
    ).json()) as ReportRun;
    expect(run.status).toBe('failed');
    expect(run.recipients).toEqual([]);
    expect(run.problems).toEqual([
      expect.objectContaining({ kind: 'empty', message: expect.stringMatching(/no data for any KPI/) }),
    ]);
  });

  it('sends with an explicit warning when onEmptySection is warn', async () => {
    await put(
      server,
      'warned',
      report({
        name: 'Warned',
        cron: '0 8 1 1 *',
        onEmptySection: 'warn',
        recipients: [{ email: 'a@client.example' }],
        content: { window: 'last_7d', kpis: ['mentions'], sections: ['summary', 'objectives'] },
      }),
    );
    const before = smtp.received.length;
    const run = await sendNow(server, 'warned');
    expect(run.status).toBe('sent_with_warning');
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail!.mail.subject).toMatch(/^\[Incomplete\] Warned · /);
    expect(mail!.mail.text).toContain('This report is incomplete');
    expect(mail!.mail.text).toContain('Objectives: No objective is set');
  });

  it('sends a test to one address only, marked as a test', async () => {
    await put(server, 'tested', report({ name: 'Tested', cron: '0 8 1 1 *' }));
    const before = smtp.received.length;
    const response = await api(server, '/reports/tested/send', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ to: 'Me@Agency.example' }),
    });
    expect(response.status).toBe(200);
    const run = (await response.json()) as ReportRun;
    expect(run).toMatchObject({ trigger: 'test', status: 'sent' });
    expect(run.recipients.map((r) => r.email)).toEqual(['me@agency.example']);
    await sleep(200);
    const got = smtp.received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.envelopeTo).toEqual(['me@agency.example']);
    expect(got[0]!.mail.text).toContain('Test send: only you received this.');
  });
});
