import type { SwaggerOptions, SwaggerTransform } from '@fastify/swagger';
import { Type, type TSchema } from 'typebox';
import { ErrorBody } from '../../shared/schemas/errors.js';
import { ARROW_STREAM } from './arrow-reply.js';

// What /openapi.json and /docs say. Route schemas carry each operation's words; this file holds the
// helpers they write responses with and the one transform that turns them into OpenAPI.

const ERROR_BODY_REF = '#/components/schemas/ErrorBody';

/** A response and what it means: its description becomes the OpenAPI response's. */
export const answer = <T extends TSchema>(schema: T, description: string) => ({ ...schema, description });

/** An error response: the shared ErrorBody, and when the API gives it. */
export const failure = (when: string, headers?: Record<string, TSchema>) =>
  headers ? { ...ErrorBody, description: when, headers } : { ...ErrorBody, description: when };

/** A response without a body (204, 101). */
export const empty = (description: string) => Type.Null({ description });

/** Seconds to wait before sending the same request again (429 and 503 answers). */
export const RETRY_AFTER = { 'retry-after': Type.String({ description: 'seconds to wait before a retry' }) };

/** Chart data as JSON, or as an Arrow IPC stream when the request's Accept names it. */
export const jsonOrArrow = <T extends TSchema>(json: T, description: string, arrow: string) => ({
  description,
  content: {
    'application/json': { schema: json },
    [ARROW_STREAM]: { schema: Type.String({ format: 'binary', description: arrow }) },
  },
});

const isErrorBody = (schema: unknown): schema is { description?: string; headers?: unknown } =>
  typeof schema === 'object' && schema !== null && (schema as { $id?: unknown }).$id === 'ErrorBody';

/**
 * Error responses become references to the one ErrorBody of the components; a response's
 * description moves to `x-response-description`, which @fastify/swagger reads as the OpenAPI
 * response description without copying it into the schema as well.
 */
function documentResponses(response: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(response).map(([status, schema]) => {
      if (isErrorBody(schema)) {
        const { description, headers } = schema;
        return [status, { $ref: ERROR_BODY_REF, description, ...(headers ? { headers } : {}) }];
      }
      if (typeof schema !== 'object' || schema === null || !('description' in schema))
        return [status, schema];
      const { description, ...rest } = schema as { description: string };
      return [status, { ...rest, 'x-response-description': description }];
    }),
  );
}

/** Every route goes through here on its way into /openapi.json (the route itself is untouched). */
export const documentRoute: SwaggerTransform = ({ schema, url, route }) => {
  if (!schema) return { schema, url };
  const response = schema.response as Record<string, unknown> | undefined;
  return {
    url,
    schema: {
      ...schema,
      ...(response ? { response: documentResponses(response) } : {}),
      // @fastify/websocket hides its routes; one that documents its 101 (its protocol) is shown.
      ...(route.websocket && response?.['101'] ? { hide: false } : {}),
      // Probes and sign-in need no credentials (see auth/guard.ts).
      ...(!url.startsWith('/api/') || route.config?.access === 'public' ? { security: [] } : {}),
    },
  };
};

/**
 * A route's request body, per media type, as documentation only: for a route that reads its body
 * itself (ingest), where a `body` schema would have Fastify validate what its parser returns.
 */
export const withDocumentedBody =
  (body: { content: Record<string, { schema: TSchema }> }): SwaggerTransform =>
  (args) =>
    documentRoute({ ...args, schema: { ...args.schema, body } });

const TAGS = [
  {
    name: 'workspaces',
    description: 'A workspace is one market: its own brand, its competitors, its time zone.',
  },
  {
    name: 'vocabulary',
    description: 'Touchpoints, sources and metrics ingest accepts, shared and per workspace.',
  },
  {
    name: 'ingest',
    description: 'Sending touchpoint events (JSON, NDJSON, CSV, Arrow) and correcting them.',
  },
  { name: 'quarantine', description: 'Rows ingest rejected, kept as sent, to fix and replay.' },
  { name: 'rollups', description: 'Raw metrics over time (sums, counts, min, max, last) per bucket.' },
  {
    name: 'kpis',
    description: 'KPIs, the benchmark across the competitive set, and the Digital Performance Index.',
  },
  { name: 'objectives', description: 'Targets for a KPI over a period, and how far along they are.' },
  { name: 'wall', description: 'The layout of the live wall.' },
  {
    name: 'alerts',
    description:
      'Alerts (silent sources, bursts of rejected rows, anomalies, objectives at risk, rules) and the alert rules that raise them.',
  },
  { name: 'live', description: 'The websocket that pushes tiles, benchmarks, series, quality and alerts.' },
  { name: 'ops', description: 'Probes and metrics for whoever runs the hub.' },
  { name: 'auth', description: 'Signing in and out: people with a password, screens with a read key.' },
  { name: 'people', description: 'Members and their roles, keys, and the audit log of a workspace.' },
  { name: 'reports', description: 'Scheduled e-mail reports: their schedule, recipients and content.' },
];

const DESCRIPTION = [
  'Live data hub for brand and marketing teams: ingest touchpoint events, read rollups, KPIs, benchmarks and objectives, and follow them live over a websocket.',
  '',
  'Every error has one shape, `ErrorBody`: `{ "error": { "code", "message", "hint" } }`, a stable code, what went wrong and how to fix it. Besides the errors each operation lists, any request can get:',
  '- 400 `invalid_request`: a parameter, query or body field does not match this description (the message names it);',
  '- 414 `url_too_long`, 431 `headers_too_large`, 408 `request_timeout`;',
  '- 421 `host_not_allowed`: the Host header is not a name the hub answers to (ALLOWED_HOSTS, PUBLIC_URL);',
  '- 401 `unauthenticated`: no valid session cookie or bearer (a session token, or a key); 404 `unknown_workspace` for a workspace the caller cannot see, as for one that does not exist; 403 `forbidden` when the role or the key’s scope does not allow the operation, `cross_site_request` for a write carried by the cookie from another site’s page;',
  '- 500 `internal_error`: a fault of the hub, with a request id to report.',
  '',
  'Ids (workspaces, brands, KPIs, metrics, sources) have at most 64 characters; lists in query strings are comma-separated.',
].join('\n');

/**
 * The options of @fastify/swagger. `schemas` are the components the routes do not name themselves
 * (the websocket's messages).
 */
export function swaggerOptions(schemas: Record<string, TSchema>): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Convergence API', version: '1', description: DESCRIPTION },
      tags: TAGS,
      components: {
        schemas: { ErrorBody, ...schemas },
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A session token (POST /api/v1/auth/login) or a key (cvk_…)',
          },
          cookie: { type: 'apiKey', in: 'cookie', name: 'convergence_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: documentRoute,
  };
}
