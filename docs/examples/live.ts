// A live client: subscribes to the Acme tile of mentions over the last hour, ingests one mention,
// and prints the three messages that show it move (welcome, snapshot, delta), one JSON per line.
//   npx tsx docs/examples/live.ts http://localhost:8080
// In a browser the same works with the page's own WebSocket.
import WebSocket from 'ws';
import type { ServerMessage } from '../../shared/schemas/live.js';

const hub = process.argv[2] ?? 'http://localhost:8080';

// A relative window moves once a minute: start early in a minute, so that it holds still while the
// example runs and the delta carries the new mention only.
const second = new Date().getSeconds();
if (second >= 45) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));

// A script signs in with a bearer (a session token, or a read key); a page has its session cookie.
const auth = { authorization: `Bearer ${process.env.TOKEN ?? ''}` };
const ws = new WebSocket(`${hub.replace(/^http/, 'ws')}/api/v1/live`, { headers: auth });
const timeout = setTimeout(() => {
  process.stderr.write('no delta within 10 s\n');
  process.exit(1);
}, 10_000);

ws.on('message', async (frame) => {
  const message = JSON.parse(frame.toString()) as ServerMessage;
  if (message.type === 'heartbeat') return;
  process.stdout.write(`${JSON.stringify(message)}\n`);
  if (message.type === 'welcome') {
    ws.send(
      JSON.stringify({
        type: 'subscribe',
        id: 'acme-tiles',
        topic: 'tiles',
        params: { workspace: 'acme-example', kpis: ['mentions'], window: '1h' },
      }),
    );
  } else if (message.type === 'snapshot') {
    // One mention, now: the next tick (TICK_MS, 1 s) pushes what it changed.
    const event = { ts: Date.now(), brand: 'acme', touchpoint: 'social', source: 'x', metric: 'mentions' };
    const answer = await fetch(`${hub}/api/v1/workspaces/acme-example/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify([{ ...event, value: 1 }]),
    });
    if (!answer.ok) throw new Error(`ingest answered ${answer.status}: ${await answer.text()}`);
  } else if (message.type === 'delta' || message.type === 'error') {
    clearTimeout(timeout);
    ws.close();
  }
});
