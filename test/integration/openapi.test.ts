import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

interface Media {
  schema?: Record<string, unknown>;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, Media>;
  headers?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  responses: Record<string, ResponseObject>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

const ERROR_BODY = '#/components/schemas/ErrorBody';
const ARROW = 'application/vnd.apache.arrow.stream';
/** Error responses with a body of their own, and why. */
const OWN_ERROR_BODIES: Record<string, string> = {
  'GET /readyz 503': 'a probe reads `status`, as in its 200',
  'GET /api/v1/reports/unsubscribe 404': 'a page for the person who clicked a link in a mail',
  'POST /api/v1/reports/unsubscribe 404': 'a page for the person who clicked a link in a mail',
};

let server: TestServer;
let doc: Document;

beforeAll(async () => {
  server = await startServer();
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  doc = (await response.json()) as Document;
});
afterAll(async () => {
  await server.close();
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      operation,
    })),
  );

const operation = (method: string, path: string): Operation => {
  const found = doc.paths[path]?.[method];
  expect(found, `${method.toUpperCase()} ${path} in /openapi.json`).toBeDefined();
  return found!;
};

/** The `type` tags of a union of message schemas (TypeBox literals become one-value enums). */
function messageTypes(schema: Record<string, unknown>): string[] {
  const members = (schema.anyOf ?? schema.oneOf) as Record<string, unknown>[] | undefined;
  if (members) return members.flatMap(messageTypes);
  const type = (schema.properties as Record<string, { const?: string; enum?: string[] }> | undefined)?.type;
  return type?.const !== undefined ? [type.const] : (type?.enum ?? []);
}

describe('the OpenAPI document', () => {
  it('describes every operation: summary, description, operationId and tags', () => {
    const all = operations();
    // The API has 31 HTTP operations and the websocket.
    expect(all.length).toBeGreaterThanOrEqual(32);
    const lacking = all
      .filter(
        ({ operation: o }) =>
          !o.summary?.trim() || !o.description?.trim() || !o.operationId?.trim() || !o.tags?.length,
      )
      .map((o) => o.name);
    expect(lacking).toEqual([]);
    const ids = all.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names every response: no "Default Response" is left', () => {
    const unnamed = operations().flatMap(({ name, operation: o }) =>
      Object.entries(o.responses)
        .filter(([, r]) => !r.description?.trim() || r.description === 'Default Response')
        .map(([status]) => `${name} ${status}`),
    );
    expect(unnamed).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain('Default Response');
  });

  it('answers every error with a reference to the shared ErrorBody', () => {
    expect(doc.components.schemas.ErrorBody).toMatchObject({
      type: 'object',
      required: ['error'],
      properties: { error: { required: ['code', 'message', 'hint'] } },
    });
    const errors = operations().flatMap(({ name, operation: o }) =>
      Object.entries(o.responses)
        .filter(([status]) => Number(status) >= 400)
        .map(([status, r]) => ({ name: `${name} ${status}`, r })),
    );
    expect(errors.length).toBeGreaterThan(50);
    const other = errors
      .filter(
        ({ name, r }) =>
          !(name in OWN_ERROR_BODIES) && r.content?.['application/json']?.schema?.$ref !== ERROR_BODY,
      )
      .map((e) => e.name);
    expect(other).toEqual([]);
  });

  it('documents the ingest refusals, with Retry-After where a retry is the cure', () => {
    const ingest = operation('post', '/api/v1/workspaces/{workspace}/events');
    expect(Object.keys(ingest.responses)).toEqual(
      expect.arrayContaining(['200', '400', '404', '413', '415', '422', '429', '503']),
    );
    expect(ingest.responses['429']!.headers).toHaveProperty('retry-after');
    expect(ingest.responses['503']!.headers).toHaveProperty('retry-after');
    expect(ingest.responses['200']!.headers).toHaveProperty('idempotent-replayed');
    const body = (ingest as Operation & { requestBody?: { content: Record<string, Media> } }).requestBody;
    expect(Object.keys(body?.content ?? {}).sort()).toEqual(
      ['application/json', 'application/x-ndjson', 'text/csv', ARROW].sort(),
    );
  });

  it('gives the media types of answers that are not JSON, or not only JSON', () => {
    for (const path of [
      '/api/v1/workspaces/{workspace}/series',
      '/api/v1/workspaces/{workspace}/kpis/{kpi}/series',
    ]) {
      const content = operation('get', path).responses['200']!.content ?? {};
      expect(Object.keys(content).sort(), path).toEqual(['application/json', ARROW]);
      expect(content['application/json']!.schema).toHaveProperty('properties');
    }
    expect(Object.keys(operation('get', '/metrics').responses['200']!.content ?? {})).toEqual(['text/plain']);
  });

  it('says that /kpis/{kpi}/series takes a named window like the benchmark', () => {
    const series = operation('get', '/api/v1/workspaces/{workspace}/kpis/{kpi}/series');
    expect(series.description).toMatch(/window=/);
    expect(
      (series as Operation & { parameters?: { name: string }[] }).parameters?.map((p) => p.name),
    ).toContain('window');
  });

  it('documents the websocket: its 101 and the client messages in the components', () => {
    const live = operation('get', '/api/v1/live');
    expect(live.responses['101']?.description).toMatch(/Switching Protocols/);
    expect(live.description).toMatch(/LiveClientMessage/);
    expect(live.tags).toEqual(['live']);
    const client = doc.components.schemas.LiveClientMessage;
    expect(client).toBeDefined();
    expect(new Set(messageTypes(client!))).toEqual(new Set(['subscribe', 'unsubscribe', 'ping']));
    expect(live.description).toMatch(/LiveServerMessage/);
    const server = doc.components.schemas.LiveServerMessage;
    expect(new Set(messageTypes(server!))).toEqual(
      new Set(['welcome', 'snapshot', 'delta', 'error', 'pong', 'heartbeat']),
    );
    for (const topic of ['tiles', 'benchmark', 'series', 'quality', 'alerts']) {
      expect(doc.components.schemas[`LiveTopicData_${topic}`], topic).toBeDefined();
    }
  });
});

describe('/docs', () => {
  it('answers 200 with the Swagger UI page', async () => {
    const response = await fetch(`${server.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/swagger/i);
  });
});
