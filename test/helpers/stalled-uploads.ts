// A hostile uploader, run as its own process (node --import tsx): opens CONNECTIONS sockets to
// the hub, each declaring DECLARED bytes of NDJSON, sends SEND bytes of it as fast as it can and
// then stalls (or, with TRICKLE=1 for the first socket, sends a byte a second). Prints one JSON
// line per event: {"event":"answer","i","status","code","retryAfter","sentBytes"} when the hub
// answers, {"event":"closed","i","sentBytes"} when the hub closes the socket, and
// {"event":"sent","i","sentBytes"} when a socket has sent all it meant to.
import net from 'node:net';

const env = process.env;
const port = Number(env.PORT);
const workspace = env.WORKSPACE ?? 'limits';
const connections = Number(env.CONNECTIONS ?? 16);
const declared = Number(env.DECLARED ?? 60 * 1024 * 1024);
const send = Number(env.SEND ?? 55 * 1024 * 1024);
const trickle = env.TRICKLE === '1';
// A producer's key or session (the hub checks it before reading a byte of the body).
const token = env.TOKEN ?? '';

const line = `${JSON.stringify({ ts: '2026-03-10T10:00:00Z', brand: 'acme', touchpoint: 'site', source: 'web', metric: 'visits', value: 1 })}\n`;
const block = Buffer.from(line.repeat(Math.ceil((256 * 1024) / line.length)));
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

for (let i = 0; i < connections; i++) {
  const socket = net.connect(port, '127.0.0.1');
  let sent = 0;
  let answered = false;
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    if (answered) return;
    text += chunk.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end === -1) return;
    answered = true;
    const head = text.slice(0, end);
    const status = Number(head.split(' ')[1]);
    const retryAfter = /\r\nretry-after: *(\S+)/i.exec(head)?.[1] ?? null;
    const body = text.slice(end + 4);
    const code = /"code":"([a-z_]+)"/.exec(body)?.[1] ?? null;
    say({ event: 'answer', i, status, code, retryAfter, sentBytes: sent });
  });
  socket.on('close', () => say({ event: 'closed', i, sentBytes: sent }));
  socket.on('error', () => undefined);
  socket.on('connect', () => {
    socket.write(
      `POST /api/v1/workspaces/${workspace}/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${declared}\r\n\r\n`,
    );
    if (trickle && i === 0) {
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write('{');
        sent += 1;
      }, 1000);
      return;
    }
    const pump = () => {
      while (sent < send && !answered && !socket.destroyed) {
        const n = Math.min(block.length, send - sent);
        sent += n;
        if (!socket.write(block.subarray(0, n))) return void socket.once('drain', pump);
      }
      if (sent >= send) say({ event: 'sent', i, sentBytes: sent });
    };
    pump();
  });
}
