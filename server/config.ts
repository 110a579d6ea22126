import path from 'node:path';
import { parseArgs } from 'node:util';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** ':memory:' is refused on purpose: acknowledged data must survive a restart. */
  dbFile: string;
  logLevel: string;
  maxBodyMb: number;
  /** Bound of the writer queue, in rows (admitted requests included): past it ingest answers 429. */
  ingestQueueRows: number;
  /** MB of request bodies read and held at once across all uploads: past it ingest answers 429 before reading (0: the larger of 192 and 2 × MAX_BODY_MB). */
  ingestInflightMb: number;
  /** An upload slower than this many bytes a second (over each BODY_RATE_WINDOW_MS) is cut off with 408. */
  minBodyBytesPerSecond: number;
  bodyRateWindowMs: number;
  /** A request (headers and body) must arrive within this many ms. */
  requestTimeoutMs: number;
  /** Host names (besides loopback, this machine's names and addresses, HOST and PUBLIC_URL) the hub answers to; `*`: any. */
  allowedHosts: string;
  /** The URL people reach the hub at (behind a proxy, say): its host name is allowed. */
  publicUrl: string;
  /** Most rows merged into one group-commit transaction. */
  maxCommitRows: number;
  rawRetentionDays: number;
  idempotencyDays: number;
  /** Oldest accepted event time (ISO 8601). */
  tsMin: string;
  /** How far into the future an event time may lie, in ms. */
  tsMaxAheadMs: number;
  /** How often partial rollup rows are merged, in ms (0 disables the background job). */
  compactIntervalMs: number;
  /** How often raw-retention and idempotency-key purges run, in ms (0 disables). */
  retentionIntervalMs: number;
  /** DuckDB's memory limit (e.g. "4GB"); empty: DuckDB's default, 80% of RAM. */
  duckdbMemoryLimit: string;
  /** DuckDB's worker threads (0: one per core). */
  duckdbThreads: number;
  /** How often the rolling engine recomputes subscribed values, in ms (100 at least). */
  tickMs: number;
  /** Past this many bytes unsent to a live client, it gets no deltas until it drains (then a snapshot). */
  liveBacklogBytes: number;
  /** `auto`: an empty base gets the demo market, streamed through the ingest API; `off`: never. */
  demo: string;
  /** Events per second the demo market streams once backfilled. */
  demoRate: number;
  /** Days of history the demo market backfills. */
  demoDays: number;
}

interface Option {
  key: keyof Config;
  env: string;
  flag: string;
  kind: 'int' | 'string';
  fallback: number | string;
}

const OPTIONS: Option[] = [
  { key: 'port', env: 'PORT', flag: 'port', kind: 'int', fallback: 8080 },
  { key: 'host', env: 'HOST', flag: 'host', kind: 'string', fallback: '127.0.0.1' },
  { key: 'dataDir', env: 'DATA_DIR', flag: 'data-dir', kind: 'string', fallback: './data' },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: 'log-level', kind: 'string', fallback: 'info' },
  { key: 'maxBodyMb', env: 'MAX_BODY_MB', flag: 'max-body-mb', kind: 'int', fallback: 64 },
  {
    key: 'ingestQueueRows',
    env: 'INGEST_QUEUE_ROWS',
    flag: 'ingest-queue-rows',
    kind: 'int',
    fallback: 4_500_000,
  },
  {
    key: 'ingestInflightMb',
    env: 'INGEST_INFLIGHT_MB',
    flag: 'ingest-inflight-mb',
    kind: 'int',
    // 0: the larger of 192 and twice MAX_BODY_MB (see makeConfig).
    fallback: 0,
  },
  {
    key: 'minBodyBytesPerSecond',
    env: 'MIN_BODY_BYTES_PER_SECOND',
    flag: 'min-body-bytes-per-second',
    kind: 'int',
    fallback: 16_384,
  },
  {
    key: 'bodyRateWindowMs',
    env: 'BODY_RATE_WINDOW_MS',
    flag: 'body-rate-window-ms',
    kind: 'int',
    fallback: 10_000,
  },
  {
    key: 'requestTimeoutMs',
    env: 'REQUEST_TIMEOUT_MS',
    flag: 'request-timeout-ms',
    kind: 'int',
    fallback: 120_000,
  },
  { key: 'allowedHosts', env: 'ALLOWED_HOSTS', flag: 'allowed-hosts', kind: 'string', fallback: '' },
  { key: 'publicUrl', env: 'PUBLIC_URL', flag: 'public-url', kind: 'string', fallback: '' },
  { key: 'maxCommitRows', env: 'MAX_COMMIT_ROWS', flag: 'max-commit-rows', kind: 'int', fallback: 250_000 },
  {
    key: 'rawRetentionDays',
    env: 'RAW_RETENTION_DAYS',
    flag: 'raw-retention-days',
    kind: 'int',
    fallback: 400,
  },
  { key: 'idempotencyDays', env: 'IDEMPOTENCY_DAYS', flag: 'idempotency-days', kind: 'int', fallback: 7 },
  { key: 'tsMin', env: 'TS_MIN', flag: 'ts-min', kind: 'string', fallback: '2000-01-01T00:00:00Z' },
  { key: 'tsMaxAheadMs', env: 'TS_MAX_AHEAD_MS', flag: 'ts-max-ahead-ms', kind: 'int', fallback: 86_400_000 },
  {
    key: 'compactIntervalMs',
    env: 'COMPACT_INTERVAL_MS',
    flag: 'compact-interval-ms',
    kind: 'int',
    fallback: 30_000,
  },
  {
    key: 'retentionIntervalMs',
    env: 'RETENTION_INTERVAL_MS',
    flag: 'retention-interval-ms',
    kind: 'int',
    fallback: 3_600_000,
  },
  {
    key: 'duckdbMemoryLimit',
    env: 'DUCKDB_MEMORY_LIMIT',
    flag: 'duckdb-memory-limit',
    kind: 'string',
    fallback: '',
  },
  { key: 'duckdbThreads', env: 'DUCKDB_THREADS', flag: 'duckdb-threads', kind: 'int', fallback: 0 },
  { key: 'tickMs', env: 'TICK_MS', flag: 'tick-ms', kind: 'int', fallback: 1000 },
  {
    key: 'liveBacklogBytes',
    env: 'LIVE_BACKLOG_BYTES',
    flag: 'live-backlog-bytes',
    kind: 'int',
    fallback: 256 * 1024,
  },
  { key: 'demo', env: 'DEMO', flag: 'demo', kind: 'string', fallback: 'auto' },
  { key: 'demoRate', env: 'DEMO_RATE', flag: 'demo-rate', kind: 'int', fallback: 20 },
  { key: 'demoDays', env: 'DEMO_DAYS', flag: 'demo-days', kind: 'int', fallback: 90 },
];

export class ConfigError extends Error {}

/** Reads config from CLI flags first, then the environment, then defaults. */
export function readConfig(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: 'string' as const }])),
    strict: true,
  });
  const raw: Record<string, number | string> = {};
  for (const option of OPTIONS) {
    const given = (values[option.flag] as string | undefined) ?? env[option.env];
    if (given === undefined || given === '') {
      raw[option.key] = option.fallback;
      continue;
    }
    if (option.kind === 'int') {
      const n = Number(given);
      if (!Number.isInteger(n) || n < 0) {
        throw new ConfigError(
          `${option.env} (--${option.flag}) must be a non-negative integer, got "${given}"`,
        );
      }
      raw[option.key] = n;
    } else {
      raw[option.key] = given;
    }
  }
  return makeConfig(raw as Partial<Config>);
}

/** Fills defaults and derived fields; tests build configs with this. */
export function makeConfig(partial: Partial<Config>): Config {
  const defaults = Object.fromEntries(OPTIONS.map((o) => [o.key, o.fallback])) as unknown as Config;
  const merged = { ...defaults, ...partial };
  if (Number.isNaN(Date.parse(merged.tsMin))) {
    throw new ConfigError(`TS_MIN must be an ISO 8601 date, got "${merged.tsMin}"`);
  }
  if (merged.ingestInflightMb === 0) merged.ingestInflightMb = Math.max(192, 2 * merged.maxBodyMb);
  if (merged.ingestInflightMb < merged.maxBodyMb) {
    throw new ConfigError(
      `INGEST_INFLIGHT_MB (${merged.ingestInflightMb}) must be at least MAX_BODY_MB (${merged.maxBodyMb}), or no body of the largest size could ever be read`,
    );
  }
  if (merged.publicUrl !== '' && !URL.canParse(merged.publicUrl)) {
    throw new ConfigError(
      `PUBLIC_URL must be a URL such as https://hub.example.com, got "${merged.publicUrl}"`,
    );
  }
  if (merged.tickMs < 100) throw new ConfigError(`TICK_MS must be at least 100, got ${merged.tickMs}`);
  if (merged.demo !== 'auto' && merged.demo !== 'off') {
    throw new ConfigError(`DEMO must be "auto" or "off", got "${merged.demo}"`);
  }
  return { ...merged, dbFile: partial.dbFile ?? path.join(merged.dataDir, 'convergence.duckdb') };
}
