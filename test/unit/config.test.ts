import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../server/config.js';

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
