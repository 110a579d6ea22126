// Crash safety: the hub runs as a child process and is SIGKILLed while several clients stream
// batches into it (and the compactor runs every 100 ms). After each restart on the same data dir:
//   - every batch answered 200 is stored exactly once (its rows, no more, no fewer);
//   - every other batch is stored entirely or not at all (a batch is one transaction);
//   - retrying every batch with its Idempotency-Key and the same bytes answers 200 with the same
//     result, Idempotent-Replayed exactly when the batch was already stored (always for the
//     acknowledged ones), after which every batch is stored exactly once.
// Each batch has its own source and its own minute, so one query per grain counts every batch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../server/db/database.js';
import { DEMO_BRANDS, postEvents, putWorkspace } from '../helpers/server.js';
import { killAllHubs, killHub, startChildHub, type ChildHub } from '../helpers/child.js';
import { CONTENT_TYPES, TS_STYLES, encode, type Format, type WireRow } from './support/wire.js';
import { mulberry32 as prng } from '../../shared/random.js';

const CYCLES = 3;
const LOOPS = 6;
const MAX_BATCHES = 5_000;
const WS = 'crash';
const BASE_MS = Date.parse('2026-06-01T00:00:00Z');
const WINDOW = 'from=2026-06-01T00:00:00Z&to=2026-06-10T00:00:00Z';
const HUB_ENV = { COMPACT_INTERVAL_MS: '100' };
const FORMATS: readonly Format[] = ['json', 'ndjson', 'csv', 'arrow'];

const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000_007);
const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

interface IngestAnswer {
  accepted: number;
  rejected: number;
  errors: unknown[];
}

interface Batch {
  id: number;
  cycle: number;
  key: string;
  source: string;
  /** the batch's rows all fall in this minute, which no other batch uses */
  minuteMs: number;
  n: number;
  format: Format;
  bytes: Uint8Array;
  /** the answer, once one came back with 200 */
  acked: IngestAnswer | null;
}

interface Stored {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** n rows of clicks valued 1..n, at distinct instants inside the batch's minute. */
function makeBatch(id: number, cycle: number): Batch {
  const n = 1 + Math.floor(random() * 400);
  const minuteMs = BASE_MS + id * 60_000;
  const source = `c${cycle}-b${id}`;
  const brand = DEMO_BRANDS[id % DEMO_BRANDS.length]!.id;
  const rows: WireRow[] = Array.from({ length: n }, (_, j) => ({
    ts: minuteMs + Math.floor((j * 60_000) / n),
    tsStyle: pick(TS_STYLES),
    offset: Math.floor(random() * 5),
    brand,
    touchpoint: 'search',
    source,
    metric: 'clicks',
    value: j + 1,
  }));
  // Rows out of time order inside the body.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const format = pick(FORMATS);
  return {
    id,
    cycle,
    key: `crash-${SEED}-${id}`,
    source,
    minuteMs,
    n,
    format,
    bytes: encode(rows, format),
    acked: null,
  };
}

const full = (b: Batch): Stored => ({ count: b.n, sum: (b.n * (b.n + 1)) / 2, min: 1, max: b.n });

async function getRows(
  url: string,
): Promise<{ bucket: string; sum: number; count: number; min: number; max: number; last: unknown }[]> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text}`);
  return (JSON.parse(text) as { rows: [] }).rows;
}

/** What each batch has in the hub, from the rollups: null when none of its rows are there. */
async function stored(hub: ChildHub, batches: Batch[]): Promise<Map<number, Stored | null>> {
  const byMinute = new Map(batches.map((b) => [new Date(b.minuteMs).toISOString(), b]));
  const out = new Map<number, Stored | null>(batches.map((b) => [b.id, null]));
  const rows = await getRows(
    `${hub.url}/api/v1/workspaces/${WS}/series?metric=clicks&grain=minute&${WINDOW}`,
  );
  for (const row of rows) {
    const batch = byMinute.get(row.bucket);
    expect(batch, `rows in minute ${row.bucket}, which no batch sent`).toBeDefined();
    expect(row.last).toBeNull();
    out.set(batch!.id, { count: row.count, sum: row.sum, min: row.min, max: row.max });
  }
  // The same count per batch by its own source (a different series filter and the hour grain).
  await inParallel(batches, 16, async (b) => {
    const perSource = await getRows(
      `${hub.url}/api/v1/workspaces/${WS}/series?metric=clicks&source=${b.source}&grain=hour&${WINDOW}`,
    );
    const count = perSource.reduce((sum, r) => sum + r.count, 0);
    expect(count, `batch ${b.id} (source ${b.source}): hour-grain count vs minute-grain count`).toBe(
      out.get(b.id)?.count ?? 0,
    );
  });
  return out;
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const post = (hub: ChildHub, b: Batch) =>
  postEvents(hub.url, WS, b.bytes, CONTENT_TYPES[b.format], { idempotencyKey: b.key });

/**
 * LOOPS clients send fresh batches back to back until the hub dies; the hub is SIGKILLed
 * `killAfterMs` after the first send. Returns the answers that were not 200 (there must be none).
 */
async function streamUntilKilled(hub: ChildHub, batches: Batch[], cycle: number, killAfterMs: number) {
  const unexpected: string[] = [];
  let dead = false;
  let firstAck: () => void = () => undefined;
  const acknowledged = new Promise<void>((resolve) => (firstAck = resolve));
  // On a loaded machine the first commit may be slow: never kill before something was acknowledged.
  const killer = Promise.all([new Promise((resolve) => setTimeout(resolve, killAfterMs)), acknowledged]).then(
    async () => {
      dead = true;
      await killHub(hub);
    },
  );
  const loops = Array.from({ length: LOOPS }, async () => {
    while (!dead && batches.length < MAX_BATCHES) {
      const batch = makeBatch(batches.length, cycle);
      batches.push(batch);
      let response: Response;
      let text: string;
      try {
        response = await post(hub, batch);
        text = await response.text();
      } catch {
        return; // the hub is gone: this batch's fate is unknown
      }
      if (response.status === 200) {
        batch.acked = JSON.parse(text) as IngestAnswer;
        firstAck();
      } else {
        unexpected.push(`batch ${batch.id}: ${response.status} ${text}`);
        firstAck(); // the assertion on `unexpected` reports it
      }
    }
  });
  // Should every client stop on its own (the hub died by itself), stop waiting for an answer.
  void Promise.all(loops).then(firstAck);
  await killer;
  await Promise.all(loops);
  return unexpected;
}

/**
 * Opens a copy of the killed hub's files (the original is left for the hub's own recovery) and
 * checks what the crash left: raw rows, every rollup grain and the idempotency ledger agree
 * batch by batch, no batch is partly there, and every acknowledged batch is there.
 */
async function inspectCopy(batches: Batch[]): Promise<void> {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-crash-copy-'));
  fs.cpSync(dataDir, copy, { recursive: true });
  const db = await Database.open(path.join(copy, 'convergence.duckdb'), { readers: 1 });
  try {
    const bySource = new Map(batches.map((b) => [b.source, b]));
    const read = <T>(query: string) => db.read((sql) => sql.rows<T>(query, { ws: WS }));
    const scope = `JOIN series s ON s.ws = t.ws AND s.id = t.series JOIN workspaces w ON w.key = t.ws WHERE w.id = $ws`;
    const raw = await read<{ source: string; count: number; sum: number }>(
      `SELECT s.source, count(*)::DOUBLE AS count, sum(t.value)::DOUBLE AS sum FROM events t ${scope} GROUP BY ALL ORDER BY 1`,
    );
    for (const r of raw) {
      const b = bySource.get(r.source);
      expect(b, `raw rows of an unknown source ${r.source}`).toBeDefined();
      expect({ count: r.count, sum: r.sum }, `raw rows of batch ${b!.id}`).toEqual({
        count: b!.n,
        sum: full(b!).sum,
      });
    }
    for (const b of batches) {
      if (b.acked)
        expect(
          raw.some((r) => r.source === b.source),
          `acknowledged batch ${b.id} in raw rows`,
        ).toBe(true);
    }
    for (const table of ['rollup_minute', 'rollup_hour', 'rollup_day']) {
      const rolled = await read<{ source: string; count: number; sum: number }>(
        `SELECT s.source, sum(t.count)::DOUBLE AS count, sum(t.sum)::DOUBLE AS sum FROM ${table} t ${scope} GROUP BY ALL ORDER BY 1`,
      );
      expect(rolled, `${table} vs raw rows, per batch, in the files the crash left`).toEqual(raw);
    }
    const ledger = await read<{ key: string; n: number }>(
      `SELECT t.idem_key AS key, count(*)::DOUBLE AS n FROM ingest_ledger t JOIN workspaces w ON w.key = t.ws
       WHERE w.id = $ws GROUP BY ALL ORDER BY 1`,
    );
    const storedKeys = raw.map((r) => ({ key: bySource.get(r.source)!.key, n: 1 }));
    storedKeys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    expect(ledger, 'one ledger entry per stored batch, none for the others').toEqual(storedKeys);
  } finally {
    await db.close();
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** After a restart: stored-exactly-once for acknowledged batches, all-or-nothing for the rest, then retry all. */
async function verifyAndRetry(hub: ChildHub, batches: Batch[]): Promise<void> {
  const before = await stored(hub, batches);
  const unacked = batches.filter((b) => !b.acked);
  console.log(
    `after restart: ${unacked.length} unacknowledged batches, ${unacked.filter((b) => before.get(b.id)).length} of them stored`,
  );
  for (const b of batches) {
    const got = before.get(b.id)!;
    if (b.acked) expect(got, `acknowledged batch ${b.id} (${b.n} rows, ${b.format})`).toEqual(full(b));
    else if (got)
      expect(got, `unacknowledged batch ${b.id} is partly stored (${b.n} rows, ${b.format})`).toEqual(
        full(b),
      );
  }
  await inParallel(batches, 8, async (b) => {
    const response = await post(hub, b);
    const text = await response.text();
    expect(response.status, `retry of batch ${b.id}: ${text}`).toBe(200);
    const answer = JSON.parse(text) as IngestAnswer;
    expect(answer, `retry of batch ${b.id}`).toEqual({
      accepted: b.n,
      rejected: 0,
      errors: [],
      asOf: expect.any(String),
    });
    const replayed = response.headers.get('idempotent-replayed') === 'true';
    const wasStored = before.get(b.id) !== null;
    expect(
      replayed,
      `retry of batch ${b.id} (acknowledged: ${b.acked !== null}, stored before the retry: ${wasStored})`,
    ).toBe(wasStored);
    if (b.acked) expect(answer).toEqual(b.acked);
    b.acked = answer;
  });
  await expectAllStoredOnce(hub, batches);
}

async function expectAllStoredOnce(hub: ChildHub, batches: Batch[]): Promise<void> {
  const after = await stored(hub, batches);
  for (const b of batches) expect(after.get(b.id), `batch ${b.id} after the retries`).toEqual(full(b));
  // The day total across all sources is the sum of the batches.
  const days = await getRows(`${hub.url}/api/v1/workspaces/${WS}/series?metric=clicks&grain=day&${WINDOW}`);
  expect(days.reduce((s, r) => s + r.count, 0)).toBe(batches.reduce((s, b) => s + b.n, 0));
  expect(days.reduce((s, r) => s + r.sum, 0)).toBe(batches.reduce((s, b) => s + full(b).sum, 0));
}

let hub: ChildHub | undefined;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-crash-'));

afterAll(async () => {
  // Also a hub still starting when the test failed or timed out.
  await killAllHubs();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('crash safety of acknowledged ingest', () => {
  it('keeps every acknowledged batch exactly once across SIGKILLs, and retries complete the rest', async () => {
    console.log(`crash test seed ${SEED} (CRASH_SEED=${SEED} rebuilds the same batches)`);
    const batches: Batch[] = [];
    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        hub = await startChildHub(dataDir, HUB_ENV);
        if (cycle === 0) await putWorkspace(hub.url, WS, { timezone: 'Europe/Paris' });
        else await verifyAndRetry(hub, batches);

        const killAfterMs = 300 + Math.floor(random() * 900);
        const first = batches.length;
        const unexpected = await streamUntilKilled(hub, batches, cycle, killAfterMs);
        const sent = batches.slice(first);
        const acked = sent.filter((b) => b.acked).length;
        console.log(
          `cycle ${cycle}: killed after ${killAfterMs} ms; ${sent.length} batches sent, ${acked} acknowledged`,
        );
        expect(unexpected).toEqual([]);
        // The kill landed while data was flowing: some batches were answered, some were in flight.
        expect(acked).toBeGreaterThan(0);
        expect(sent.length - acked).toBeGreaterThanOrEqual(1);
        await inspectCopy(batches);
      }

      hub = await startChildHub(dataDir, HUB_ENV);
      await verifyAndRetry(hub, batches);

      // A graceful stop drains and exits 0; what it leaves behind is intact.
      hub.child.kill('SIGTERM');
      expect(await hub.exited).toEqual({ code: 0, signal: null });
      hub = await startChildHub(dataDir, HUB_ENV);
      await expectAllStoredOnce(hub, batches);
      await killHub(hub);
    } catch (error) {
      if (hub) console.log(`hub output:\n${hub.output.join('')}`);
      throw error;
    }
  }, 180_000);
});
