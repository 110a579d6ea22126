import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ErrorBody } from '../../shared/schemas/errors.js';
import type { IngestResult } from '../../shared/schemas/ingest.js';
import type { QuarantinePage } from '../../shared/schemas/quarantine.js';
import { type ChildHub, killAllHubs, REPO_ROOT, startChildHub } from '../helpers/child.js';
import { bearer, ownerToken } from '../helpers/sign-in.js';
import {
  type TestServer,
  postEvents,
  putWorkspace,
  startServer,
  toNdjson,
  visitAt,
} from '../helpers/server.js';

// Bounded memory and time whatever a client does: unfinished and trickling uploads, more uploads
// than the hub can hold, huge quarantined rows, foreign host names, a request that never ends.

const NDJSON = 'application/x-ndjson';

/** Sends `head` on a raw socket and resolves with the status line and body of the first answer. */
function rawAnswer(port: number, head: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length - end - 4 < length) return;
      socket.destroy();
      resolve({
        status: Number(text.split(' ')[1]),
        headers: text.slice(0, end),
        body: text.slice(end + 4, end + 4 + length),
      });
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed without an answer: ${text.slice(0, 200)}`)));
  });
}

function vmRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

interface UploadEvent {
  event: 'answer' | 'closed' | 'sent';
  i: number;
  status?: number;
  code?: string | null;
  retryAfter?: string | null;
  sentBytes: number;
}

describe('uploads that never finish, from another process', () => {
  let hub: ChildHub;
  beforeAll(async () => {
    hub = await startChildHub(fs.mkdtempSync(path.join(os.tmpdir(), 'convergence-limits-')), {
      MAX_BODY_MB: '64',
      INGEST_INFLIGHT_MB: '128',
      MIN_BODY_BYTES_PER_SECOND: '65536',
      BODY_RATE_WINDOW_MS: '3000',
    });
    await putWorkspace(hub.url, 'limits');
  });
  afterAll(async () => {
    await killAllHubs();
  });

  it('16 stalled 60 MB uploads: two are read, the rest refused with 429 before their body, the stalled ones cut off; memory stays bounded', async () => {
    const port = Number(new URL(hub.url).port);
    const uploader = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/stalled-uploads.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        CONNECTIONS: '16',
        TRICKLE: '1',
        TOKEN: ownerToken(hub.url),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const events: UploadEvent[] = [];
    let buffered = '';
    uploader.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line) events.push(JSON.parse(line) as UploadEvent);
    });
    let peakRss = vmRssMb(hub.child.pid!);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, vmRssMb(hub.child.pid!))), 50);
    try {
      // Every socket ends: answered and closed, within a few rate windows.
      for (let waited = 0; events.filter((e) => e.event === 'closed').length < 16; waited += 100) {
        if (waited > 45_000) throw new Error(`uploads still open: ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      clearInterval(sampler);
      uploader.kill('SIGKILL');
    }
    const answers = events.filter((e) => e.event === 'answer');
    const busy = answers.filter((e) => e.status === 429);
    const slow = answers.filter((e) => e.status === 408);
    // 128 MB of budget holds two 60 MB bodies; the trickler declares 60 MB too.
    expect(busy.length, JSON.stringify(events)).toBeGreaterThanOrEqual(13);
    expect(busy.length + slow.length, JSON.stringify(events)).toBe(16);
    expect(slow.every((e) => e.code === 'body_too_slow')).toBe(true);
    for (const refused of busy) {
      expect(refused.code).toBe('ingest_busy');
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // The refusals came before the bodies were read: the hub held at most the admitted ones.
    expect(peakRss).toBeLessThan(700);

    // The budget is free again: a normal request goes through.
    const ok = await postEvents(hub.url, 'limits', toNdjson([visitAt(0)]), NDJSON);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as IngestResult).accepted).toBe(1);
  });
});

describe('time limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      requestTimeoutMs: 2_000,
      maxBodyMb: 8,
      ingestInflightMb: 8,
      minBodyBytesPerSecond: 1,
      bodyRateWindowMs: 60_000,
    });
    await putWorkspace(server.url, 'slow');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('headers that never end get a 408 in the API shape, and the connection is closed', async () => {
    const port = Number(new URL(server.url).port);
    const answer = await rawAnswer(
      port,
      `POST /api/v1/workspaces/slow/events HTTP/1.1\r\nHost: 127.0.0.1\r\n`,
    );
    expect(answer.status).toBe(408);
    expect((JSON.parse(answer.body) as ErrorBody).error.code).toBe('request_timeout');
  });

  it('with the budget spent, a large upload is refused with 429 and Retry-After right after its headers', async () => {
    const port = Number(new URL(server.url).port);
    // Holds 6 of the 8 MB: declared, a little sent, then nothing.
    const holder = net.connect(port, '127.0.0.1', () =>
      holder.write(
        `POST /api/v1/workspaces/slow/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ownerToken(`http://127.0.0.1:${port}`)}\r\nContent-Type: ${NDJSON}\r\nContent-Length: ${6 * 1024 * 1024}\r\n\r\n${JSON.stringify(visitAt(0))}\n`,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    try {
      const answer = await rawAnswer(
        port,
        `POST /api/v1/workspaces/slow/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ownerToken(`http://127.0.0.1:${port}`)}\r\nContent-Type: ${NDJSON}\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`,
      );
      expect(answer.status).toBe(429);
      expect((JSON.parse(answer.body) as ErrorBody).error.code).toBe('ingest_busy');
      expect(Number(/retry-after: *(\d+)/i.exec(answer.headers)?.[1])).toBeGreaterThanOrEqual(1);
      // A client that asks first (Expect: 100-continue, as curl does) is told no before sending anything.
      const asked = await rawAnswer(
        port,
        `POST /api/v1/workspaces/slow/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ownerToken(`http://127.0.0.1:${port}`)}\r\nContent-Type: ${NDJSON}\r\nContent-Length: ${4 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`,
      );
      expect(asked.status).toBe(429);
    } finally {
      holder.destroy();
    }
    // With room again, it is asked for its body.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const welcome = await rawAnswer(
      port,
      `POST /api/v1/workspaces/slow/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ownerToken(`http://127.0.0.1:${port}`)}\r\nContent-Type: ${NDJSON}\r\nContent-Length: ${4 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect(welcome.status).toBe(100);
  });

  it('a websocket lives on past REQUEST_TIMEOUT_MS', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/live`, {
      headers: bearer(server.token),
    });
    const messages: string[] = [];
    socket.on('message', (data: Buffer) => messages.push(data.toString()));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    socket.send(JSON.stringify({ type: 'ping' }));
    for (let i = 0; i < 50 && !messages.some((m) => m.includes('"pong"')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(messages.some((m) => m.includes('"pong"'))).toBe(true);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });
});

describe('Retry-After follows the drain and is spread', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ingestQueueRows: 4_000 });
    await putWorkspace(server.url, 'drain');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refused clients are not all told to come back at the same second', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) =>
      toNdjson(Array.from({ length: 2_000 }, (_, r) => visitAt((i * 2_000 + r) % 30_000, i))),
    );
    const answers = await Promise.all(
      bodies.map(async (body, i) => {
        const response = await postEvents(server.url, 'drain', body, NDJSON, { idempotencyKey: `d${i}` });
        await response.arrayBuffer();
        return { status: response.status, retryAfter: response.headers.get('retry-after') };
      }),
    );
    const refused = answers.filter((a) => a.status === 429).map((a) => Number(a.retryAfter));
    expect(refused.length).toBeGreaterThan(10);
    expect(refused.every((s) => Number.isInteger(s) && s >= 1 && s <= 60)).toBe(true);
    expect(new Set(refused).size).toBeGreaterThan(1);
  });
});

describe('hosts and origins', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ allowedHosts: 'hub.example.com' });
  });
  afterAll(async () => {
    await server?.close();
  });
  const withHost = (host: string, extra = '') =>
    rawAnswer(
      Number(new URL(server.url).port),
      `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`,
    );

  it('answers its own names, refuses others with 421 naming the setting', async () => {
    const port = new URL(server.url).port;
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      'HUB.example.com',
      os.hostname(),
    ]) {
      expect({ host, status: (await withHost(host)).status }).toEqual({ host, status: 200 });
    }
    const refused = await withHost('attacker.example:8080');
    expect(refused.status).toBe(421);
    const error = (JSON.parse(refused.body) as ErrorBody).error;
    expect(error.code).toBe('host_not_allowed');
    expect(error.message).toContain('attacker.example');
    expect(error.hint).toContain('ALLOWED_HOSTS');
  });

  it('a websocket from a foreign page is refused; from the hub itself or a script (no Origin), accepted', async () => {
    const url = `${server.url.replace('http', 'ws')}/api/v1/live`;
    const open = (headers: Record<string, string>) =>
      new Promise<number | 'open'>((resolve) => {
        const socket = new WebSocket(url, { headers: { ...bearer(server.token), ...headers } });
        socket.once('open', () => {
          socket.close();
          resolve('open');
        });
        socket.once('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          socket.terminate();
        });
        socket.once('error', () => undefined);
      });
    expect(await open({})).toBe('open');
    expect(await open({ origin: server.url })).toBe('open');
    expect(await open({ origin: 'https://hub.example.com' })).toBe('open');
    expect(await open({ origin: 'https://attacker.example' })).toBe(403);
  });
});

describe('the quarantine keeps little of a huge row, and pages stay small', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    await putWorkspace(server.url, 'held');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('keeps the first 4 KB of a 1 MB rejected row, marked as cut', async () => {
    const huge = { ...visitAt(0, 1, { brand: 'nobody' }), note: 'n'.repeat(1024 * 1024) };
    const response = await postEvents(server.url, 'held', toNdjson([huge]), NDJSON);
    expect(response.status).toBe(200);
    const page = (await (
      await fetch(`${server.url}/api/v1/workspaces/held/quarantine`)
    ).json()) as QuarantinePage;
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]!.cut).toBe(true);
    expect(Buffer.byteLength(page.rows[0]!.rawText)).toBeLessThan(4096 + 64);
    await fetch(`${server.url}/api/v1/workspaces/held/quarantine`, { method: 'DELETE' });
  });

  it('a listing page is at most 4 MB whatever limit asks, and the pages hold every row once', async () => {
    // 1 200 rejected rows of about 3.9 KB each: 4.7 MB of raw text, about twice that as JSON.
    const rows = Array.from({ length: 1_200 }, (_, i) => ({
      ...visitAt(i, 1, { brand: 'nobody' }),
      note: `${i}:`.padEnd(3_700, 'x'),
    }));
    for (let i = 0; i < rows.length; i += 400) {
      expect((await postEvents(server.url, 'held', toNdjson(rows.slice(i, i + 400)), NDJSON)).status).toBe(
        200,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
      const response = await fetch(`${server.url}/api/v1/workspaces/held/quarantine?${query}`);
      const text = await response.text();
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4 * 1024 * 1024 + 16 * 1024);
      const page = JSON.parse(text) as QuarantinePage;
      expect(page.rows.length).toBeLessThan(1_000);
      for (const r of page.rows) seen.push(String((r.raw as { note: string }).note.split(':')[0]));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(rows.map((_, i) => String(i)));

    // Replay reads the same bounded pages: every row released once, none twice.
    await putWorkspace(server.url, 'held', {
      brands: [
        { id: 'acme', name: 'Acme', own: true },
        { id: 'nobody', name: 'Nobody', own: false },
      ],
    });
    const replay = await fetch(`${server.url}/api/v1/workspaces/held/quarantine/replay`, { method: 'POST' });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ replayed: 1_200, stillRejected: 0, counts: {} });
  });
});
