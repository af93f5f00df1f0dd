import { createServer } from 'node:net';

/**
 * A TCP port on loopback that was free a moment ago. Another process could take
 * it before we bind, so callers that start servers retry on EADDRINUSE.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('cannot find a free port: the OS gave no address'));
      });
    });
  });
}
