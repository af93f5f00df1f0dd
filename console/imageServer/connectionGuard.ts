import { isIPv6 } from 'node:net';
import type { Server } from 'node:net';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections one client (an IPv4 address, an IPv6 /64) may hold; more are closed at once. */
  maxPerAddress: number;
  /** Connections that have not finished sending their first request's headers, from all clients together. */
  maxWaitingForHeaders: number;
}

/**
 * Guards the server's file descriptors against slow-header attacks
 * (slowloris). Per client, a cap on open connections. Across clients, a cap
 * on connections still waiting for their headers: at the cap the oldest such
 * connection is closed to make room, rather than the newcomer refused, so an
 * attack from many addresses cannot hold every slot; a real client sends its
 * headers within milliseconds and is then no longer at risk. The header and
 * idle timeouts close whatever remains.
 */
export function guardConnections(server: Server, limits: ConnectionLimits): void {
  const perClient = new Map<string, number>();
  // A Map iterates in insertion order: the first entry is the oldest still waiting. Keyed by the
  // remote end, because over HTTPS a request's socket is the TLS socket wrapping the one connected.
  const waiting = new Map<string, Socket>();
  const endOf = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;
  server.on('request', (req) => waiting.delete(endOf(req.socket)));
  server.on('connection', (socket: Socket) => {
    const client = clientOf(socket.remoteAddress);
    const count = (perClient.get(client) ?? 0) + 1;
    if (count > limits.maxPerAddress) {
      socket.destroy();
      return;
    }
    perClient.set(client, count);
    if (waiting.size >= limits.maxWaitingForHeaders) {
      const [oldestEnd, oldest] = waiting.entries().next().value as [string, Socket];
      waiting.delete(oldestEnd);
      oldest.destroy();
    }
    const end = endOf(socket);
    waiting.set(end, socket);
    socket.once('close', () => {
      if (waiting.get(end) === socket) waiting.delete(end);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left <= 0) perClient.delete(client);
      else perClient.set(client, left);
    });
  });
}

/**
 * Who a connection counts against: an IPv4 address, or an IPv6 /64 (one
 * host is usually given a whole /64, so per-address would be no cap at all).
 * IPv4-mapped IPv6 addresses count as their IPv4 address.
 */
export function clientOf(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, `::` filled in, without a zone. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const fill = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...fill, ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}
