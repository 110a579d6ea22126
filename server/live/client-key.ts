import { isIPv6 } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** An address as a client: IPv4 as is, IPv6 by its /64 (one host's privacy addresses all count as one). */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const address = ip.split('%')[0]!;
  if (!isIPv6(address)) return ip;
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  let prefix = groups(head);
  if (tail !== undefined) {
    // What `::` stands for: the zero groups (an embedded IPv4 address counts as two).
    const after = groups(tail).reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
    prefix = [...prefix, ...Array<string>(8 - prefix.length - after).fill('0'), ...groups(tail)];
  }
  return `${prefix
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Who a socket belongs to, for its share of the hub (subscriptions, sockets, first computations):
 * its remote address for now; the signed-in user or the producer key once there are accounts.
 */
export function clientKey(request: FastifyRequest): string {
  return `ip:${addressKey(request.ip)}`;
}
