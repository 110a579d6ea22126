// Websocket clients of the live hub for the benchmarks: each from its own loopback address (as
// that many screens would be; a client holds 16 sockets at most), recording every delta's arrival
// time and asOf (the commit time of the last ingest it includes).
import WebSocket from 'ws';
import type { ServerMessage } from '../../shared/schemas/live.js';
import { bearer, ownerToken } from '../helpers/sign-in.js';

export interface LiveClients {
  sockets: WebSocket[];
  arrivals: { at: number; asOf: number }[][];
}

export async function openLiveClients(
  hubUrl: string,
  count: number,
  subscription: (client: number) => object,
): Promise<LiveClients> {
  const clients: LiveClients = { sockets: [], arrivals: [] };
  for (let c = 0; c < count; c++) {
    const ws = new WebSocket(`${hubUrl.replace('http', 'ws')}/api/v1/live`, {
      localAddress: `127.0.0.${2 + c}`,
      headers: bearer(ownerToken(hubUrl)!),
    });
    const seen: { at: number; asOf: number }[] = [];
    clients.arrivals.push(seen);
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as ServerMessage;
      if ((m.type === 'delta' || m.type === 'snapshot') && m.asOf)
        seen.push({ at: Date.now(), asOf: Date.parse(m.asOf) });
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify(subscription(c)));
    clients.sockets.push(ws);
  }
  return clients;
}

/** An ingest request's answer: when it came, and the commit stamp it carries (its `asOf`). */
export interface Ack {
  at: number;
  asOf: number;
}

export const ackOf = async (response: Response): Promise<Ack> => {
  const { asOf } = (await response.json()) as { asOf?: string };
  if (!asOf) throw new Error('the ingest answer has no asOf');
  return { at: Date.now(), asOf: Date.parse(asOf) };
};

/**
 * Per (acknowledged request, client): the time from the answer until the first delta holding its
 * commit (asOf at or after the answer's) arrived; none when it came first.
 */
export function freshness(
  acks: readonly Ack[],
  arrivals: readonly { at: number; asOf: number }[][],
  clients: readonly number[] = arrivals.map((_, c) => c),
): number[] {
  const samples: number[] = [];
  for (const ack of acks) {
    for (const c of clients) {
      const hit = arrivals[c]!.find((a) => a.asOf >= ack.asOf);
      if (hit) samples.push(Math.max(0, hit.at - ack.at));
    }
  }
  return samples;
}
