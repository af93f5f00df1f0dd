import { createServer, type Server } from 'node:net';

/**
 * A TCP port on loopback that was free a moment ago. Another process could take
 * it before we bind, so callers that start servers retry on EADDRINUSE.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return (await freePorts(1, host))[0]!;
}

/**
 * `count` different free ports: each is held open until all are found, so
 * the OS cannot hand the same one out twice (probing one after another did,
 * and a cluster was planned with one port for two members).
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
    }
    return servers.map((server) => {
      const address = server.address();
      if (!address || typeof address !== 'object') throw new Error('cannot find a free port: the OS gave no address');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
