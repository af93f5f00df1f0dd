/**
 * A child process running only the image server (no etcd), so a test can
 * give it a small file-descriptor limit and options the CLI does not expose.
 * argv[2]: JSON { home, token, options }. Prints `listening <port>`.
 */
import { once } from 'node:events';
import { homePaths } from '../../common/homePaths.ts';
import { createImageServer } from '../../console/imageServer/imageServer.ts';

const { home, token, options } = JSON.parse(process.argv[2]!) as { home: string; token: string; options: Record<string, number> };
const server = createImageServer({ paths: homePaths(home), token, ...options });
server.listen(0, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
process.once('SIGTERM', () => process.exit(0));
