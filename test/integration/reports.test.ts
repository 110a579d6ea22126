// Scheduled e-mail reports over HTTP (issue 13, its first part): saving one, its next runs in its
// own time zone, and the refusals that say what to fix. Sending is not built yet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report, ReportList } from '../../shared/schemas/reports.js';
import { expectError, putWorkspace, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const WS = 'mail';
const weekly = {
  name: 'Monday digest',
  cron: '0 8 * * 1',
  timezone: 'Europe/Paris',
  recipients: [
    { email: 'Claire@Client.example' },
    { email: 'sam@agency.example', scope: { brands: ['acme'] } },
  ],
  content: {
    window: 'previous_week',
    kpis: ['mentions', 'share_of_voice'],
    sections: ['summary', 'benchmark'],
  },
};

const put = (id: string, body: object) =>
  fetch(`${server.url}/api/v1/workspaces/${WS}/reports/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const list = async () =>
  (await (await fetch(`${server.url}/api/v1/workspaces/${WS}/reports`)).json()) as ReportList;

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, WS);
});
afterAll(async () => {
  await server?.close();
});

describe('reports', () => {
  it('saves a report with its defaults and lists its next five Mondays at 08:00 Paris time', async () => {
    const response = await put('monday', weekly);
    expect(response.status).toBe(200);
    const saved = (await response.json()) as Report;
    expect(saved).toMatchObject({
      id: 'monday',
      language: 'en',
      onEmptySection: 'fail',
      attachPdf: false,
      enabled: true,
    });
    expect(saved.recipients[0]!.email).toBe('claire@client.example');

    const [row] = (await list()).rows;
    expect(row!.nextRuns).toHaveLength(5);
    expect(row!.lastRun).toBeNull();
    for (const run of row!.nextRuns) {
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(run));
      expect(local).toBe('Mon 08:00');
      expect(Date.parse(run)).toBeGreaterThan(Date.now());
    }
    expect([...row!.nextRuns].sort()).toEqual(row!.nextRuns);
  });

  it('lists no next run while a report is disabled', async () => {
    expect((await put('paused', { ...weekly, enabled: false })).status).toBe(200);
    const paused = (await list()).rows.find((r) => r.id === 'paused');
    expect(paused!.nextRuns).toEqual([]);
  });

  it('refuses a schedule, a time zone, a KPI, a brand or a recipient twice, saying which', async () => {
    const bad = async (body: object, code: string, message: RegExp) => {
      const error = await expectError(await put('bad', { ...weekly, ...body }), 400, code);
      expect(error.message).toMatch(message);
    };
    await bad({ cron: '0 25 * * *' }, 'invalid_report', /The schedule "0 25 \* \* \*" cannot be read/);
    await bad({ timezone: 'Paris' }, 'invalid_report', /"Paris" is not a known IANA time zone/);
    await bad({ content: { ...weekly.content, kpis: ['mentions', 'weather'] } }, 'unknown_kpi', /weather/);
    await bad(
      { recipients: [{ email: 'a@b.example', scope: { brands: ['umbrella'] } }] },
      'invalid_query',
      /umbrella/,
    );
    await bad(
      { recipients: [{ email: 'a@b.example' }, { email: 'A@B.example' }] },
      'invalid_report',
      /a@b\.example is listed twice/,
    );
    await bad({ content: { ...weekly.content, sections: ['weather'] } }, 'invalid_request', /sections/);
    expect((await list()).rows.map((r) => r.id)).not.toContain('bad');
  });

  it('deletes a report, and says so for one that is not there', async () => {
    const url = `${server.url}/api/v1/workspaces/${WS}/reports/paused`;
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
    expect((await list()).rows.map((r) => r.id)).toEqual(['monday']);
    await expectError(await fetch(url, { method: 'DELETE' }), 404, 'not_found');
  });
});
