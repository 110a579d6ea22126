import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

// A request refused before its body is read: a large body is not worth reading to the end only to
// keep the connection, so the connection goes. But closing a socket while the client is still
// sending makes the kernel answer with a reset, and the client may lose the answer it had not read
// yet (the 429 that says when to retry). So the hub half-closes and lingers, discarding what
// still arrives, for a moment before it lets the socket go: what nginx calls a lingering close.

/** Past this, an unread body is not worth keeping the connection for. */
const KEEP_ALIVE_BODY_BYTES = 64 * 1024;
const LINGER_MS = 2_000;

export const unreadBodyIsLarge = (headers: IncomingHttpHeaders) =>
  headers.expect?.toLowerCase() !== '100-continue' &&
  (headers['transfer-encoding'] !== undefined ||
    Number(headers['content-length'] ?? 0) > KEEP_ALIVE_BODY_BYTES);

/** The answer closes the connection (without a reset) when the body left unread is large. */
export function closeIfBodyIsLarge(request: FastifyRequest, reply: FastifyReply): void {
  if (!unreadBodyIsLarge(request.headers)) return;
  reply.header('connection', 'close');
  linger(request.raw);
}

function linger(request: IncomingMessage): void {
  const socket = request.socket;
  // Node's server calls destroySoon once an answer marked `connection: close` is written.
  socket.destroySoon = function lingeringClose(this: typeof socket) {
    this.end();
    request.resume();
    this.resume();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('end', () => this.destroy());
    this.once('close', () => clearTimeout(timer));
  };
}
