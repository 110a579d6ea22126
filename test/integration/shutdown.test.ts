import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildHub, killAllHubs, startChildHub } from '../helpers/child.js';
import { postEvents, putWorkspace } from '../helpers/server.js';

let child: ChildHub;

afterAll(killAllHubs);

describe('graceful shutdown', () => {
  it('commits every request it acknowledged before SIGTERM and refuses the rest with 503', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-shutdown-'));
    child = await startChildHub(dataDir);
    expect(child.output.join('')).toMatch(/Convergence hub: http:\/\/127\.0\.0\.1:\d+/);
    await putWorkspace(child.url, 'w');

    // Batch b carries 500 clicks of value b at its own minute, so each batch is countable on its own.
    const batch = (b: number) =>
      JSON.stringify(
        Array.from({ length: 500 }, () => ({
          ts: new Date(Date.UTC(2026, 2, 10, 0, b)).toISOString(),
          brand: 'acme',
          touchpoint: 'search',
          source: 'google',
          metric: 'clicks',
          value: b,
        })),
      );
    const acknowledged = new Set<number>();
    const refused: number[] = [];
    const url = child.url;
    const sending = Array.from({ length: 120 }, async (_, b) => {
      await new Promise((r) => setTimeout(r, b * 5));
      try {
        const response = await postEvents(url, 'w', batch(b), 'application/json');
        if (response.status === 200) acknowledged.add(b);
        else {
          expect(response.status).toBe(503);
          refused.push(b);
        }
      } catch {
        refused.push(b); // the listener was already closed
      }
    });
    await new Promise((r) => setTimeout(r, 250));
    child.child.kill('SIGTERM');
    await Promise.all(sending);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(acknowledged.size).toBeGreaterThan(0);

    child = await startChildHub(dataDir);
    const response = await fetch(
      `${child.url}/api/v1/workspaces/w/series?metric=clicks&grain=minute&from=2026-03-10T00:00:00Z&to=2026-03-10T03:00:00Z`,
    );
    const rows = ((await response.json()) as { rows: { bucket: string; count: number; sum: number }[] }).rows;
    const stored = new Map(
      rows.map((r) => [new Date(r.bucket).getUTCHours() * 60 + new Date(r.bucket).getUTCMinutes(), r]),
    );
    for (const b of acknowledged) expect(stored.get(b)).toMatchObject({ count: 500, sum: 500 * b });
    for (const b of stored.keys()) expect(acknowledged.has(b) || refused.includes(b)).toBe(true);
    child.child.kill('SIGTERM');
    await child.exited;
  });
});
