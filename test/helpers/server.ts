import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { ErrorBody } from '../../shared/schemas/errors.js';
import type { SeriesRow } from '../../shared/schemas/series.js';
import { buildApp } from '../../server/app.js';
import { type Config, makeConfig } from '../../server/config.js';
import { actAsOwner, forgetHub, TEST_PASSWORD } from './sign-in.js';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  dataDir: string;
  config: Config;
  /** The owner's session token (fetch() to this hub sends it unless told otherwise). */
  token: string;
  close(): Promise<void>;
}

/**
 * A real hub on a real DuckDB file in a fresh temp dir, listening on a free loopback port.
 * `logs` receives the hub's log lines (JSON, level info and up); none are written otherwise.
 */
export async function startServer(
  overrides: Partial<Config> = {},
  {
    logs,
    now,
    mailRetryDelaysMs,
  }: { logs?: NodeJS.WritableStream; now?: () => number; mailRetryDelaysMs?: number[] } = {},
): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-test-'));
  const config = makeConfig({
    dataDir,
    port: 0,
    compactIntervalMs: 0,
    retentionIntervalMs: 0,
    demo: 'off',
    adminPassword: TEST_PASSWORD,
    ...overrides,
  });
  const app = await buildApp(config, {
    logger: logs ? { level: 'info', stream: logs } : false,
    now,
    mailRetryDelaysMs,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const token = await actAsOwner(url);
  return {
    app,
    url,
    dataDir,
    config,
    token,
    close: async () => {
      forgetHub(url);
      await app.close();
    },
  };
}

export const DEMO_BRANDS = [
  { id: 'acme', name: 'Acme', own: true },
  { id: 'globex', name: 'Globex', own: false },
  { id: 'initech', name: 'Initech', own: false },
];

/** Creates (or updates) a workspace through the public API. */
export async function putWorkspace(
  url: string,
  id: string,
  body: { name?: string; timezone?: string; brands?: { id: string; name: string; own: boolean }[] } = {},
): Promise<Response> {
  const response = await fetch(`${url}/api/v1/workspaces/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: body.name ?? id,
      timezone: body.timezone ?? 'UTC',
      brands: body.brands ?? DEMO_BRANDS,
    }),
  });
  if (response.status >= 300)
    throw new Error(`PUT workspace ${id}: ${response.status} ${await response.text()}`);
  return response;
}

export interface EventRow {
  ts: string | number;
  brand: string;
  touchpoint: string;
  source: string;
  metric: string;
  value: number;
}

export async function postEvents(
  url: string,
  workspace: string,
  body: string | Uint8Array,
  contentType: string,
  options: { idempotencyKey?: string; query?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  return fetch(`${url}/api/v1/workspaces/${workspace}/events${options.query ? `?${options.query}` : ''}`, {
    method: 'POST',
    headers,
    body,
  });
}

export const toNdjson = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export function toCsv(rows: EventRow[]): string {
  const header = 'ts,brand,touchpoint,source,metric,value';
  return (
    [header, ...rows.map((r) => [r.ts, r.brand, r.touchpoint, r.source, r.metric, r.value].join(','))].join(
      '\n',
    ) + '\n'
  );
}

/** GET /series with these query parameters; the test fails unless it answers 200. */
export async function getSeries(
  url: string,
  workspace: string,
  params: Record<string, string>,
): Promise<SeriesRow[]> {
  const response = await fetch(`${url}/api/v1/workspaces/${workspace}/series?${new URLSearchParams(params)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: SeriesRow[] }).rows;
}

/** What /series shows for a counter bucket holding these values. */
export const counterRow = (bucket: string, values: number[]): SeriesRow => ({
  bucket,
  sum: values.reduce((s, v) => s + v, 0),
  count: values.length,
  min: Math.min(...values),
  max: Math.max(...values),
  last: null,
});

/** A visit of acme's site, `minute` minutes after 10 March 2026 10:00Z. */
export const visitAt = (minute: number, value = 1, over: Partial<EventRow> = {}): EventRow => ({
  ts: new Date(Date.parse('2026-03-10T10:00:00Z') + minute * 60_000).toISOString(),
  brand: 'acme',
  touchpoint: 'site',
  source: 'web',
  metric: 'visits',
  value,
  ...over,
});

/** One event, 10 March 2026 10:00Z unless told otherwise. */
export const event = (
  brand: string,
  touchpoint: string,
  source: string,
  metric: string,
  value: number,
  ts = '2026-03-10T10:00:00Z',
): EventRow => ({ ts, brand, touchpoint, source, metric, value });

/** A whole-request error: its status and code, and a non-empty message and hint. */
export async function expectError(
  response: Response,
  status: number,
  code: string,
): Promise<ErrorBody['error']> {
  const body = (await response.json()) as ErrorBody;
  expect({ status: response.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(typeof body.error.hint).toBe('string');
  expect(body.error.hint.length).toBeGreaterThan(0);
  return body.error;
}
