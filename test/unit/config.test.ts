import { describe, expect, it } from 'vitest';
import { CONFIG_OPTIONS, ConfigError, makeConfig, readConfig } from '../../server/config.js';

describe('config', () => {
  it('has the documented defaults', () => {
    const config = readConfig([], {});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: './data',
      logLevel: 'info',
      maxBodyMb: 64,
      rawRetentionDays: 400,
      idempotencyDays: 7,
    });
    expect(config.dbFile).toBe('data/convergence.duckdb');
  });

  it('reads the environment, and flags win over it', () => {
    const config = readConfig(['--port', '9001', '--data-dir', '/srv/hub'], {
      PORT: '9000',
      LOG_LEVEL: 'warn',
      INGEST_QUEUE_ROWS: '5000',
    });
    expect(config).toMatchObject({
      port: 9001,
      logLevel: 'warn',
      ingestQueueRows: 5000,
      dataDir: '/srv/hub',
    });
    expect(config.dbFile).toBe('/srv/hub/convergence.duckdb');
  });

  it('names the variable and the value it cannot use', () => {
    expect(() => readConfig([], { PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => readConfig([], { PORT: 'eighty' })).toThrow(
      /PORT \(--port\) must be a non-negative integer, got "eighty"/,
    );
    expect(() => readConfig([], { TS_MIN: 'yesterday' })).toThrow(/TS_MIN/);
    expect(() => readConfig(['--no-such-flag', '1'], {})).toThrow(/no-such-flag/);
  });

  it('sizes the upload budget from the body limit unless told, and refuses one no body could fit', () => {
    expect(readConfig([], {}).ingestInflightMb).toBe(192);
    expect(readConfig([], { MAX_BODY_MB: '256' }).ingestInflightMb).toBe(512);
    expect(readConfig([], { INGEST_INFLIGHT_MB: '300' }).ingestInflightMb).toBe(300);
    expect(() => readConfig([], { MAX_BODY_MB: '128', INGEST_INFLIGHT_MB: '100' })).toThrow(
      /INGEST_INFLIGHT_MB \(100\) must be at least MAX_BODY_MB \(128\)/,
    );
    expect(() => readConfig([], { PUBLIC_URL: 'hub.example.com' })).toThrow(/PUBLIC_URL must be a URL/);
  });
});

describe('config through its schema', () => {
  it('lists every setting once, with the default readConfig applies', () => {
    const defaults = readConfig([], {});
    expect(CONFIG_OPTIONS.map((o) => o.name).sort()).toEqual(
      Object.keys(defaults)
        .filter((k) => k !== 'dbFile')
        .sort(),
    );
    expect(new Set(CONFIG_OPTIONS.map((o) => o.env)).size).toBe(CONFIG_OPTIONS.length);
    expect(new Set(CONFIG_OPTIONS.map((o) => o.flag)).size).toBe(CONFIG_OPTIONS.length);
    for (const option of CONFIG_OPTIONS) {
      expect(option.description.length, option.env).toBeGreaterThan(0);
      // INGEST_INFLIGHT_MB's 0 stands for the budget derived from MAX_BODY_MB.
      if (option.name !== 'ingestInflightMb') expect(defaults[option.name], option.env).toBe(option.default);
    }
    expect(CONFIG_OPTIONS.find((o) => o.env === 'DEMO_DAYS')).toEqual({
      name: 'demoDays',
      env: 'DEMO_DAYS',
      flag: 'demo-days',
      default: 90,
      description: 'days of history the demo market backfills',
    });
  });

  it('reads every setting from its variable and from its flag', () => {
    const sample = (option: (typeof CONFIG_OPTIONS)[number]) =>
      option.env === 'LOG_LEVEL'
        ? 'debug'
        : option.env === 'DEMO'
          ? 'off'
          : option.env === 'TS_MIN'
            ? '2010-01-01T00:00:00Z'
            : option.env === 'PUBLIC_URL'
              ? 'https://hub.example.com'
              : option.env === 'METRICS_PUBLIC' || option.env === 'DOCS_PUBLIC'
                ? 'on'
                : option.env === 'ANOMALY_LEVEL'
                  ? '99'
                  : option.env === 'TRUST_PROXY'
                    ? '10.0.0.1'
                    : typeof option.default === 'number'
                      ? String(option.default + 1000)
                      : `${option.default}x`;
    for (const option of CONFIG_OPTIONS) {
      const text = sample(option);
      const expected = typeof option.default === 'number' ? Number(text) : text;
      expect(readConfig([], { [option.env]: text })[option.name], option.env).toBe(expected);
      expect(readConfig([`--${option.flag}`, text], {})[option.name], option.flag).toBe(expected);
    }
  });

  it('an empty value is no value: the default applies, even over the variable when the flag is empty', () => {
    expect(readConfig([], { PORT: '' }).port).toBe(8080);
    expect(readConfig(['--port', ''], { PORT: '9000' }).port).toBe(8080);
    expect(readConfig([], { LOG_LEVEL: '' }).logLevel).toBe('info');
  });

  it('refuses an enum value outside its list, naming the list', () => {
    expect(readConfig([], { LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(readConfig(['--demo', 'off'], {}).demo).toBe('off');
    expect(() => readConfig([], { LOG_LEVEL: 'loud' })).toThrow(
      'LOG_LEVEL (--log-level) must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud"',
    );
    expect(() => readConfig(['--demo', 'on'], {})).toThrow(
      'DEMO (--demo) must be one of "auto", "off", got "on"',
    );
  });

  it('refuses a number that is not written as a whole number, rather than rounding it', () => {
    expect(() => readConfig([], { PORT: '1.5' })).toThrow(
      'PORT (--port) must be a non-negative integer, got "1.5"',
    );
    expect(() => readConfig([], { DEMO_RATE: 'true' })).toThrow(
      'DEMO_RATE (--demo-rate) must be a non-negative integer, got "true"',
    );
    expect(() => readConfig([], { PORT: '-1' })).toThrow(
      /PORT \(--port\) must be a non-negative integer, got "-1"/,
    );
    // What Number() reads exactly is taken, as before the schema.
    expect(readConfig([], { PORT: ' 9000 ' }).port).toBe(9000);
  });

  it('states the range of a bounded setting, and names every bad setting at once', () => {
    expect(() => readConfig([], { TICK_MS: '50' })).toThrow(
      'TICK_MS (--tick-ms) must be an integer of at least 100, got "50"',
    );
    expect(readConfig([], { TICK_MS: '100' }).tickMs).toBe(100);
    const both = () => readConfig(['--tick-ms', '5'], { PORT: 'x' });
    expect(both).toThrow(/PORT \(--port\).*; TICK_MS \(--tick-ms\)/);
  });

  it('makeConfig checks what tests give it against the same schema', () => {
    expect(() => makeConfig({ tickMs: 50 })).toThrow(
      'TICK_MS (--tick-ms) must be an integer of at least 100, got 50',
    );
    expect(() => makeConfig({ tsMin: 'yesterday' })).toThrow(/TS_MIN \(--ts-min\) must be an ISO 8601 date/);
    expect(makeConfig({ dataDir: '/srv/hub' }).dbFile).toBe('/srv/hub/convergence.duckdb');
    expect(makeConfig({ dataDir: '/srv/hub', dbFile: '/elsewhere.duckdb' }).dbFile).toBe('/elsewhere.duckdb');
  });
});
