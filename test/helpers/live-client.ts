// A real `ws` client of GET /api/v1/live for the tests: it records every message and can wait for
// one matching a predicate.
import WebSocket from 'ws';
import type { ServerMessage } from '../../shared/schemas/live.js';
import { bearer, ownerToken } from './sign-in.js';

/** The owner's credentials for the hub at `url`, as the tests' fetch() sends them. */
const ownerHeaders = (url: string): Record<string, string> => {
  const token = ownerToken(url);
  return token ? bearer(token) : {};
};

export class LiveClient {
  readonly messages: ServerMessage[] = [];
  private waiters: { test: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as ServerMessage;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.test(m) ? (w.resolve(m), false) : true));
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** An open socket to the hub at `url`, bound to `localAddress` if given (one simulated client per loopback address). */
  static async open(
    url: string,
    localAddress?: string,
    headers: Record<string, string> = ownerHeaders(url),
  ): Promise<LiveClient> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/live`, {
      headers,
      ...(localAddress ? { localAddress } : {}),
    });
    const client = new LiveClient(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return client;
  }

  /** Sends a message (a string as is: the tests of malformed frames). */
  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (already received or to come) matching `test`. */
  next<T extends ServerMessage>(test: (m: ServerMessage) => boolean, timeoutMs = 30_000): Promise<T> {
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching message; got ${JSON.stringify(this.messages.slice(-5))}`)),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
      });
    });
  }

  /** Messages for one subscription id, in order. */
  of(id: string): ServerMessage[] {
    return this.messages.filter((m) => 'id' in m && m.id === id);
  }

  /** Resolves once the server has read everything sent before (it handles a socket's messages in order). */
  async sync(): Promise<void> {
    const from = this.messages.length;
    this.send({ type: 'ping' });
    await this.next((m) => m.type === 'pong' && this.messages.indexOf(m) >= from);
  }

  count(type: ServerMessage['type']): number {
    return this.messages.filter((m) => m.type === type).length;
  }

  close(): Promise<unknown> {
    this.ws.close();
    return this.closed;
  }
}
