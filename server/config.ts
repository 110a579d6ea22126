import path from 'node:path';
import { parseArgs } from 'node:util';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

// Every setting is one property of one schema: its type and bounds, its default, its environment
// variable and CLI flag, and the words the docs show for it. Reading, checking, the error a bad
// value gets and the option list the docs are checked against all come from that one place.

/** Pino's levels. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

interface Source {
  env: string;
  flag: string;
  description: string;
}

const Int = (source: Source, fallback: number, minimum = 0) =>
  Type.Integer({ ...source, default: fallback, minimum });
const Text = (source: Source, fallback: string) => Type.String({ ...source, default: fallback });

const ConfigSchema = Type.Object({
  port: Int({ env: 'PORT', flag: 'port', description: 'HTTP port' }, 8080),
  host: Text({ env: 'HOST', flag: 'host', description: 'interface to listen on' }, '127.0.0.1'),
  dataDir: Text(
    { env: 'DATA_DIR', flag: 'data-dir', description: 'folder of the DuckDB file `convergence.duckdb`' },
    './data',
  ),
  logLevel: Type.Enum(LOG_LEVELS, {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    description: 'pino level',
    default: 'info',
  }),
  maxBodyMb: Int({ env: 'MAX_BODY_MB', flag: 'max-body-mb', description: 'largest ingest body' }, 64),
  ingestQueueRows: Int(
    {
      env: 'INGEST_QUEUE_ROWS',
      flag: 'ingest-queue-rows',
      description:
        'rows queued for the writer (admitted uploads included); past it ingest answers 429 before reading',
    },
    4_500_000,
  ),
  // 0 is "not set": the budget then follows MAX_BODY_MB (see settle).
  ingestInflightMb: Int(
    {
      env: 'INGEST_INFLIGHT_MB',
      flag: 'ingest-inflight-mb',
      description:
        'MB of bodies read and held at once across all uploads (at least `MAX_BODY_MB`); past it 429 before reading; 0: the larger of 192 and 2 × `MAX_BODY_MB`',
    },
    0,
  ),
  minBodyBytesPerSecond: Int(
    {
      env: 'MIN_BODY_BYTES_PER_SECOND',
      flag: 'min-body-bytes-per-second',
      description: 'an upload slower than this over a window is cut off (408)',
    },
    16_384,
  ),
  bodyRateWindowMs: Int(
    { env: 'BODY_RATE_WINDOW_MS', flag: 'body-rate-window-ms', description: 'the window of that rate' },
    10_000,
  ),
  requestTimeoutMs: Int(
    {
      env: 'REQUEST_TIMEOUT_MS',
      flag: 'request-timeout-ms',
      description: 'a request (headers and body) must arrive within this; headers within 15 s',
    },
    120_000,
  ),
  allowedHosts: Text(
    {
      env: 'ALLOWED_HOSTS',
      flag: 'allowed-hosts',
      description: 'extra host names the hub answers to (comma-separated; `*`: any)',
    },
    '',
  ),
  publicUrl: Type.Refine(
    Text(
      {
        env: 'PUBLIC_URL',
        flag: 'public-url',
        description: 'the URL people reach the hub at; its host name is allowed',
      },
      '',
    ),
    (url) => url === '' || URL.canParse(url),
    // Worded so since before the flags were named in errors; scripts may match it.
    (url) => `PUBLIC_URL must be a URL such as https://hub.example.com, got "${url}" (--public-url)`,
  ),
  trustProxy: Text(
    {
      env: 'TRUST_PROXY',
      flag: 'trust-proxy',
      description:
        'addresses of reverse proxies whose `X-Forwarded-For`/`-Proto` are believed (comma-separated IPs or CIDRs, `loopback`)',
    },
    '',
  ),
  smtpUrl: Text(
    {
      env: 'SMTP_URL',
      flag: 'smtp-url',
      description:
        'where scheduled reports are sent, e.g. smtp://user:pass@mail.example.com:587 (smtps:// for TLS); empty: reports are not sent',
    },
    '',
  ),
  mailFrom: Text(
    { env: 'MAIL_FROM', flag: 'mail-from', description: 'the From of report mails' },
    'Convergence <reports@localhost>',
  ),
  reportCatchUpHours: Int(
    {
      env: 'REPORT_CATCH_UP_HOURS',
      flag: 'report-catch-up-hours',
      description: 'a run missed while the hub was down is sent once on start if it is no older than this',
    },
    6,
  ),
  adminEmail: Text(
    {
      env: 'CONVERGENCE_ADMIN_EMAIL',
      flag: 'admin-email',
      description: 'the owner created at the first start (when no one can sign in yet)',
    },
    'admin@localhost',
  ),
  adminPassword: Text(
    {
      env: 'CONVERGENCE_ADMIN_PASSWORD',
      flag: 'admin-password',
      description:
        "the owner's password at the first start (12 characters at least); empty: a random one, printed once",
    },
    '',
  ),
  sessionIdleDays: Int(
    {
      env: 'SESSION_IDLE_DAYS',
      flag: 'session-idle-days',
      description: 'a session unused this long ends (an open live screen keeps it in use)',
    },
    7,
    1,
  ),
  sessionMaxDays: Int(
    {
      env: 'SESSION_MAX_DAYS',
      flag: 'session-max-days',
      description: 'a session ends this long after sign-in, however used',
    },
    30,
    1,
  ),
  metricsPublic: Type.Enum(['auto', 'on', 'off'], {
    env: 'METRICS_PUBLIC',
    flag: 'metrics-public',
    description: '`/metrics` without credentials: `auto` (on when bound to a loopback address), `on`, `off`',
    default: 'auto',
  }),
  docsPublic: Type.Enum(['auto', 'on', 'off'], {
    env: 'DOCS_PUBLIC',
    flag: 'docs-public',
    description:
      '`/docs` and `/openapi.json` without credentials: `auto` (on when bound to a loopback address), `on`, `off`',
    default: 'auto',
  }),
  keyIngestPerMinute: Int(
    {
      env: 'KEY_INGEST_PER_MINUTE',
      flag: 'key-ingest-per-minute',
      description: 'ingest requests a minute per key, past which 429 (0: no limit)',
    },
    0,
  ),
  anomalyLevel: Type.Enum(['80', '90', '95', '99'], {
    env: 'ANOMALY_LEVEL',
    flag: 'anomaly-level',
    description: 'an hour outside this % band of its forecast is an anomaly (99: fewer, larger ones)',
    default: '95',
  }),
  anomalyPendingHours: Int(
    {
      env: 'ANOMALY_PENDING_HOURS',
      flag: 'anomaly-pending-hours',
      description: 'consecutive hours outside the band before an anomaly alert',
    },
    1,
    1,
  ),
  anomalyCooldownHours: Int(
    {
      env: 'ANOMALY_COOLDOWN_HOURS',
      flag: 'anomaly-cooldown-hours',
      description: 'after an anomaly alert, none for the same KPI and brand for this long',
    },
    6,
  ),
  maxCommitRows: Int(
    {
      env: 'MAX_COMMIT_ROWS',
      flag: 'max-commit-rows',
      description: 'most rows merged into one group commit',
    },
    250_000,
  ),
  rawRetentionDays: Int(
    {
      env: 'RAW_RETENTION_DAYS',
      flag: 'raw-retention-days',
      description: 'raw events older than this are purged (rollups stay)',
    },
    400,
  ),
  idempotencyDays: Int(
    {
      env: 'IDEMPOTENCY_DAYS',
      flag: 'idempotency-days',
      description: 'how long an `Idempotency-Key` is remembered',
    },
    7,
  ),
  tsMin: Type.Refine(
    Text(
      { env: 'TS_MIN', flag: 'ts-min', description: 'oldest accepted event time' },
      '2000-01-01T00:00:00Z',
    ),
    (ts) => !Number.isNaN(Date.parse(ts)),
    (ts) => `TS_MIN (--ts-min) must be an ISO 8601 date such as 2000-01-01T00:00:00Z, got "${ts}"`,
  ),
  tsMaxAheadMs: Int(
    {
      env: 'TS_MAX_AHEAD_MS',
      flag: 'ts-max-ahead-ms',
      description: 'how far in the future an event time may be',
    },
    86_400_000,
  ),
  compactIntervalMs: Int(
    {
      env: 'COMPACT_INTERVAL_MS',
      flag: 'compact-interval-ms',
      description: 'how often partial rollup rows are merged (0: never)',
    },
    30_000,
  ),
  retentionIntervalMs: Int(
    {
      env: 'RETENTION_INTERVAL_MS',
      flag: 'retention-interval-ms',
      description: 'how often the retention purge runs (0: never)',
    },
    3_600_000,
  ),
  duckdbMemoryLimit: Text(
    {
      env: 'DUCKDB_MEMORY_LIMIT',
      flag: 'duckdb-memory-limit',
      description: "DuckDB's memory limit, e.g. `4GB`; empty: DuckDB's default, 80% of RAM",
    },
    '',
  ),
  duckdbThreads: Int(
    {
      env: 'DUCKDB_THREADS',
      flag: 'duckdb-threads',
      description: "DuckDB's worker threads (0: one per core)",
    },
    0,
  ),
  tickMs: Int(
    { env: 'TICK_MS', flag: 'tick-ms', description: 'rolling-engine tick (100 at least)' },
    1000,
    100,
  ),
  alertRuleIntervalMs: Int(
    {
      env: 'ALERT_RULE_INTERVAL_MS',
      flag: 'alert-rule-interval-ms',
      description: 'how often the alert rules are evaluated (100 at least)',
    },
    60_000,
    100,
  ),
  objectiveCheckMs: Int(
    {
      env: 'OBJECTIVE_CHECK_MS',
      flag: 'objective-check-ms',
      description:
        'how often objectives are checked for an “objective at risk” alert, and at start (0: never)',
    },
    300_000,
  ),
  liveBacklogBytes: Int(
    {
      env: 'LIVE_BACKLOG_BYTES',
      flag: 'live-backlog-bytes',
      description: 'unsent bytes past which a live client gets no deltas',
    },
    256 * 1024,
  ),
  demo: Type.Enum(['auto', 'off'], {
    env: 'DEMO',
    flag: 'demo',
    description: '`auto`: an empty base gets the demo market; `off`',
    default: 'auto',
  }),
  demoRate: Int({ env: 'DEMO_RATE', flag: 'demo-rate', description: 'demo live events per second' }, 20),
  demoDays: Int(
    { env: 'DEMO_DAYS', flag: 'demo-days', description: 'days of history the demo market backfills' },
    90,
  ),
});

type Settings = Static<typeof ConfigSchema>;
export type Config = Settings & {
  /** The DuckDB file, in DATA_DIR; ':memory:' is refused on purpose: acknowledged data must survive a restart. */
  dbFile: string;
};

export interface ConfigOption {
  /** The Config key. */
  name: keyof Settings;
  env: string;
  flag: string;
  default: number | string;
  description: string;
}

/** What the schema of one setting holds (the JSON Schema keywords used above, and its source). */
interface Setting extends Source {
  type?: string;
  minimum?: number;
  enum?: string[];
  default: number | string;
}

const setting = (name: string): Setting | undefined =>
  Object.hasOwn(ConfigSchema.properties, name)
    ? (ConfigSchema.properties[name as keyof Settings] as unknown as Setting)
    : undefined;

/** Every setting, in the order the docs list them. */
export const CONFIG_OPTIONS: readonly ConfigOption[] = Object.keys(ConfigSchema.properties).map((name) => {
  const { env, flag, description, default: fallback } = setting(name)!;
  return { name: name as keyof Settings, env, flag, default: fallback, description };
});

export class ConfigError extends Error {}

/** Reads config from CLI flags first, then the environment, then defaults. */
export function readConfig(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(CONFIG_OPTIONS.map((o) => [o.flag, { type: 'string' as const }])),
    strict: true,
  });
  const given: Record<string, string> = {};
  for (const option of CONFIG_OPTIONS) {
    const text = (values[option.flag] as string | undefined) ?? env[option.env];
    // Empty is unset (`PORT= npm start` listens on the default port).
    if (text !== undefined && text !== '') given[option.name] = text;
  }
  return settle(given, given);
}

/** Fills defaults and derived fields; tests build configs with this. */
export function makeConfig(partial: Partial<Config>): Config {
  return settle(partial, {});
}

/**
 * Defaults, coercion and checks through the schema, then what no one setting can say alone.
 * `texts` are the settings as written (flags and environment), quoted back in a refusal.
 */
function settle(input: Record<string, unknown>, texts: Record<string, string>): Config {
  const { dbFile, ...given } = input;
  const value = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, structuredClone(given))) as Record<
    string,
    unknown
  >;
  const problems = Value.Errors(ConfigSchema, value).map((error) => {
    const name = error.instancePath.slice(1);
    // A refinement (a date, a URL) words its own refusal.
    return error.keyword === '~refine' || !setting(name) ? error.message : refusal(name, value, texts);
  });
  // Convert reads "1.5" as 1 and "true" as 1: a number must be written as that number.
  for (const [name, text] of Object.entries(texts)) {
    if (setting(name)?.type === 'integer' && Number(text) !== value[name]) {
      problems.push(refusal(name, value, texts));
    }
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)].join('; '));
  const settings = value as Settings;
  if (settings.ingestInflightMb === 0) settings.ingestInflightMb = Math.max(192, 2 * settings.maxBodyMb);
  if (settings.ingestInflightMb < settings.maxBodyMb) {
    throw new ConfigError(
      `INGEST_INFLIGHT_MB (${settings.ingestInflightMb}) must be at least MAX_BODY_MB (${settings.maxBodyMb}), or no body of the largest size could ever be read`,
    );
  }
  return {
    ...settings,
    dbFile: typeof dbFile === 'string' ? dbFile : path.join(settings.dataDir, 'convergence.duckdb'),
  };
}

/** `PORT (--port) must be a non-negative integer, got "eighty"`. */
function refusal(name: string, value: Record<string, unknown>, texts: Record<string, string>): string {
  const schema = setting(name)!;
  const got = texts[name] ?? value[name];
  return `${schema.env} (--${schema.flag}) must be ${accepted(schema)}, got ${JSON.stringify(got)}`;
}

function accepted(schema: Setting): string {
  if (schema.enum) return `one of ${schema.enum.map((v) => `"${v}"`).join(', ')}`;
  if (schema.type === 'integer') {
    return schema.minimum === 0 ? 'a non-negative integer' : `an integer of at least ${schema.minimum}`;
  }
  return `a ${schema.type ?? 'value'}`;
}
