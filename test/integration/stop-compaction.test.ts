import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postEvents, putWorkspace, startServer, toNdjson } from '../helpers/server.js';

// A stop does not wait for a compaction of a large backlog (it could outlast the close timeout,
// and the stop then failed): the compaction is interrupted, rolls back, and the next run merges
// the same partial rows; no answer changes.

const rows = (batch: number) =>
  Array.from({ length: 20_000 }, (_, i) => ({
    ts: new Date(Date.parse('2026-03-01T00:00:00Z') + (batch * 20_000 + i) * 60_000).toISOString(),
    brand: ['acme', 'globex', 'initech'][i % 3]!,
    touchpoint: 'site',
    source: 'web',
    metric: 'visits',
    value: (i % 7) + 1,
  }));

describe('stopping during a compaction', () => {
  it('interrupts it: the stop is quick, nothing is lost, the next start merges the partials', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-stop-'));
    let server = await startServer({ dataDir, compactIntervalMs: 0 });
    await putWorkspace(server.url, 'busy');
    for (let batch = 0; batch < 15; batch++) {
      expect(
        (await postEvents(server.url, 'busy', toNdjson(rows(batch)), 'application/x-ndjson')).status,
      ).toBe(200);
    }
    const totals = async () => {
      const query = new URLSearchParams({
        metric: 'visits',
        grain: 'day',
        from: '2026-03-01T00:00:00Z',
        to: '2026-12-01T00:00:00Z',
      });
      const response = await fetch(`${server.url}/api/v1/workspaces/busy/series?${query}`);
      return ((await response.json()) as { rows: { sum: number; count: number }[] }).rows;
    };
    const before = await totals();
    const compaction = server.app.rollups.compact();
    // Under way: the writer is in its transaction (it reads the watermark first).
    await new Promise((resolve) => setTimeout(resolve, 30));
    server.app.rollups.stopCompaction();
    expect(await compaction).toBe(0);
    const partials = () =>
      server.app.db.read(
        async (sql) => (await sql.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM rollup_minute'))!.n,
      );
    const held = await partials();
    await server.close();

    server = await startServer({ dataDir, compactIntervalMs: 0 });
    expect(await totals()).toEqual(before);
    expect(await partials()).toBe(held);
    expect(await server.app.rollups.compact()).toBeGreaterThan(0);
    expect(await totals()).toEqual(before);
    await server.close();
  });

  it('a stop asked between two statements of the merge still rolls it back', async () => {
    // The interrupt reaches only a running statement: one asked while JavaScript is between two
    // of them was lost, and the compaction went on to merge everything (seen under load).
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-stop-'));
    const server = await startServer({ dataDir, compactIntervalMs: 0 });
    await putWorkspace(server.url, 'busy');
    expect((await postEvents(server.url, 'busy', toNdjson(rows(0)), 'application/x-ndjson')).status).toBe(
      200,
    );
    const { rollups, db } = server.app;
    await db.write(async (sql) => {
      const one = sql.one.bind(sql);
      let calls = 0;
      sql.one = (async (...args: Parameters<typeof one>) => {
        const answer = await one(...args);
        // After the watermark and the first table's count: no statement runs at this moment.
        if (++calls === 2) rollups.stopCompaction();
        return answer;
      }) as typeof sql.one;
    });
    const partials = () =>
      db.read(
        async (sql) => (await sql.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM rollup_minute'))!.n,
      );
    const held = await partials();
    expect(await rollups.compact()).toBe(0);
    expect(await partials()).toBe(held);
    await server.close();
  });
});
