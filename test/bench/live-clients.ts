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

/** Per (acknowledged request, client): the time until a delta at least as new arrived. */
export function freshness(
  acks: readonly number[],
  arrivals: readonly { at: number; asOf: number }[][],
  clients: readonly number[] = arrivals.map((_, c) => c),
): number[] {
  const samples: number[] = [];
  for (const ack of acks) {
    for (const c of clients) {
      // The commit happens just before the answer: 2 ms of slack for the reply on loopback.
      const hit = arrivals[c]!.find((a) => a.asOf >= ack - 2);
      if (hit) samples.push(Math.max(0, hit.at - ack));
    }
  }
  return samples;
}
