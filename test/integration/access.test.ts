import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousFetch, bearer, signIn } from '../helpers/sign-in.js';
import { putWorkspace, startServer, type TestServer } from '../helpers/server.js';

// The role table of the API, proven for every operation of /openapi.json: a route this table
// does not know fails the test, so a new route cannot ship without saying who may use it.

type Level = 'public' | 'signed-in' | 'person' | 'owner' | 'viewer' | 'analyst' | 'admin' | 'ingest';

const OPERATIONS: Record<string, Level> = {
  getHealth: 'public',
  getReadiness: 'public',
  getMetrics: 'public', // METRICS_PUBLIC=auto on a loopback address
  login: 'public',
  keySession: 'public',
  logout: 'signed-in',
  getMe: 'signed-in',
  changePassword: 'person',
  getVocabulary: 'signed-in',
  listWorkspaces: 'signed-in',
  openLive: 'signed-in',
  getWorkspace: 'viewer',
  listWorkspaceMetrics: 'viewer',
  listObjectives: 'viewer',
  getSeries: 'viewer',
  listKpis: 'viewer',
  getKpi: 'viewer',
  getKpiSeries: 'viewer',
  getKpiCoverage: 'viewer',
  getKpiForecast: 'viewer',
  getDpiWeights: 'viewer',
  getMinVolumes: 'viewer',
  getBenchmark: 'viewer',
  listQuarantine: 'viewer',
  listAlerts: 'viewer',
  listAnomalies: 'viewer',
  listAlertRules: 'viewer',
  getWall: 'viewer',
  putObjective: 'analyst',
  deleteObjective: 'analyst',
  putKpi: 'analyst',
  deleteKpi: 'analyst',
  putDpiWeights: 'analyst',
  putMinVolumes: 'analyst',
  acknowledgeAlert: 'analyst',
  putAlertRule: 'analyst',
  deleteAlertRule: 'analyst',
  putWall: 'analyst',
  // A report's recipients are people's addresses: not for viewers.
  listReports: 'analyst',
  putReport: 'analyst',
  deleteReport: 'analyst',
  sendReport: 'analyst',
  previewReport: 'analyst',
  listReportRuns: 'analyst',
  unsubscribePage: 'public',
  unsubscribe: 'public',
  putWorkspace: 'admin',
  deleteWorkspace: 'admin',
  putWorkspaceMetric: 'admin',
  deleteWorkspaceMetric: 'admin',
  replayQuarantine: 'admin',
  purgeQuarantine: 'admin',
  listMembers: 'admin',
  putMember: 'admin',
  deleteMember: 'admin',
  createKey: 'admin',
  listKeys: 'admin',
  revokeKey: 'admin',
  getAudit: 'admin',
  getHubAudit: 'owner',
  ingestEvents: 'ingest',
};

type Caller =
  | 'anonymous'
  | 'bad token'
  | 'revoked key'
  | 'stranger'
  | 'viewer'
  | 'read key'
  | 'analyst'
  | 'ingest key'
  | 'admin'
  | 'owner';

/** The status a caller gets, or 'allowed' (the route itself answers: 2xx, or its own 400/404). */
function expected(level: Level, caller: Caller, underWorkspace: boolean): 401 | 403 | 404 | 'allowed' {
  if (level === 'public') return 'allowed';
  if (caller === 'anonymous' || caller === 'bad token' || caller === 'revoked key') return 401;
  if (level === 'owner') return caller === 'owner' ? 'allowed' : 403;
  if (!underWorkspace) {
    if (caller === 'ingest key') return 403;
    if (level === 'person' && caller.endsWith('key')) return 403;
    return 'allowed';
  }
  if (caller === 'stranger') return 404;
  if (caller === 'owner' || caller === 'admin') return 'allowed';
  if (caller === 'ingest key') return level === 'ingest' ? 'allowed' : 403;
  if (caller === 'viewer' || caller === 'read key') return level === 'viewer' ? 'allowed' : 403;
  // analyst
  return level === 'viewer' || level === 'analyst' ? 'allowed' : 403;
}

let server: TestServer;
const tokens = {} as Record<Caller, string | undefined>;
let openapi: { paths: Record<string, Record<string, { operationId: string }>> };

const PASSWORD = 'a long enough password';

async function addMember(workspace: string, email: string, role: string) {
  const response = await fetch(`${server.url}/api/v1/workspaces/${workspace}/members/${email}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role, password: PASSWORD }),
  });
  expect(response.status).toBeLessThan(300);
}

async function createKey(workspace: string, scopes: string[]): Promise<{ id: string; key: string }> {
  const response = await fetch(`${server.url}/api/v1/workspaces/${workspace}/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: scopes.join('+'), scopes }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; key: string };
}

beforeAll(async () => {
  server = await startServer();
  await putWorkspace(server.url, 'w');
  await putWorkspace(server.url, 'other');
  await addMember('w', 'viewer@example.com', 'viewer');
  await addMember('w', 'analyst@example.com', 'analyst');
  await addMember('w', 'admin@example.com', 'admin');
  await addMember('other', 'stranger@example.com', 'admin');
  tokens.owner = server.token;
  tokens.anonymous = undefined;
  tokens['bad token'] = 'cvs_not-a-session';
  for (const who of ['viewer', 'analyst', 'admin', 'stranger'] as const)
    tokens[who] = await signIn(server.url, `${who}@example.com`, PASSWORD);
  tokens['read key'] = (await createKey('w', ['read'])).key;
  tokens['ingest key'] = (await createKey('w', ['ingest'])).key;
  const revoked = await createKey('w', ['ingest', 'read']);
  await fetch(`${server.url}/api/v1/workspaces/w/keys/${revoked.id}`, { method: 'DELETE' });
  tokens['revoked key'] = revoked.key;
  openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as typeof openapi;
});

afterAll(async () => {
  await server?.close();
});

/** Sub-resource ids that exist for reads, and that do not for writes (an allowed write changes nothing). */
function pathOf(template: string, read: boolean): string {
  return template
    .replace('{workspace}', 'w')
    .replace('{kpi}', 'share_of_voice')
    .replace('{email}', read ? 'viewer@example.com' : 'nobody@example.com')
    .replace(/\{(id|alert)\}/g, 'does-not-exist');
}

async function call(method: string, path: string, caller: Caller): Promise<Response> {
  let token = tokens[caller];
  // Signing out ends the session: an allowed caller signs out of a session of its own.
  if (path === '/api/v1/auth/logout' && token?.startsWith('cvs_') && caller !== 'bad token') {
    const email = caller === 'owner' ? 'admin@localhost' : `${caller}@example.com`;
    token = await signIn(server.url, email, caller === 'owner' ? undefined : PASSWORD);
  }
  const headers: Record<string, string> = token ? bearer(token) : {};
  const write = method !== 'GET';
  // A write that gets past the guard is refused by its route: its body is not JSON.
  if (write) headers['content-type'] = 'application/json';
  return anonymousFetch(`${server.url}${path}`, {
    method,
    headers,
    ...(write ? { body: '{not json' } : {}),
  });
}

describe('every operation of the API', () => {
  it('is in the role table of this test', () => {
    const unknown: string[] = [];
    for (const [path, methods] of Object.entries(openapi.paths))
      for (const [method, op] of Object.entries(methods))
        if (!(op.operationId in OPERATIONS))
          unknown.push(`${method.toUpperCase()} ${path} (${op.operationId})`);
    expect(unknown, 'routes this test does not know: add them to OPERATIONS').toEqual([]);
  });

  it('answers each caller as the role table says (401, 404 unseen, 403), checked before the body', async () => {
    const callers = Object.keys(tokens) as Caller[];
    const wrong: string[] = [];
    for (const [template, methods] of Object.entries(openapi.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const level = OPERATIONS[op.operationId]!;
        // Public routes: once, signed out (sign-in is rate-limited per address).
        for (const caller of level === 'public' ? (['anonymous'] as Caller[]) : callers) {
          const verb = method.toUpperCase();
          const path = pathOf(template, verb === 'GET');
          const want = expected(level, caller, template.includes('{workspace}'));
          const response = await call(verb, path, caller);
          const text = await response.text();
          const code = text.startsWith('{')
            ? (JSON.parse(text) as { error?: { code?: string } }).error?.code
            : undefined;
          const refused =
            response.status === 401 ||
            response.status === 403 ||
            (response.status === 404 && code === 'unknown_workspace');
          const ok =
            want === 'allowed'
              ? !refused && response.status < 500
              : response.status === want && (want !== 404 || code === 'unknown_workspace');
          if (!ok) wrong.push(`${caller} ${verb} ${path}: ${response.status} ${code ?? ''}, wanted ${want}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('lets a viewer and a read key read the workspace’s data: 2xx, never 403', async () => {
    const reads = [
      '/api/v1/workspaces/w',
      '/api/v1/workspaces/w/kpis',
      '/api/v1/workspaces/w/benchmark?kpi=share_of_voice&window=7d',
      '/api/v1/workspaces/w/objectives',
      '/api/v1/workspaces/w/alerts',
      '/api/v1/workspaces/w/quarantine',
      '/api/v1/workspaces/w/dpi-weights',
    ];
    for (const caller of ['viewer', 'read key'] as const) {
      for (const path of reads) {
        const response = await anonymousFetch(`${server.url}${path}`, { headers: bearer(tokens[caller]!) });
        expect({ caller, path, status: response.status }).toEqual({ caller, path, status: 200 });
      }
    }
  });
});
