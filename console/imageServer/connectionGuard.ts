import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections one client address may hold; more are closed at once. */
  maxPerAddress: number;
}

/**
 * Caps connections per client address, so one host opening slow connections
 * (slowloris) uses up a few of them, not the process's file descriptors; the
 * server's header and idle timeouts then close those few.
 */
export function capConnectionsPerAddress(server: Server, limits: ConnectionLimits): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxPerAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
