import type { Etcd3 } from 'etcd3';
import type { HomePaths } from '../../common/homePaths.ts';
import { createLogger } from '../../common/log.ts';
import { UserError } from '../../common/userError.ts';
import { openConsoleServices } from '../tui/app/consoleServices.ts';
import { loadOrCreateHostKey } from './hostKey.ts';
import { startSshConsole } from './sshConsoleServer.ts';

const log = createLogger('ssh');

/** `serve --ssh-port`: the console over SSH in the serving process; prints where and with which host key. */
export async function serveSshConsole(options: {
  client: Etcd3;
  paths: HomePaths;
  etcdLabel: string;
  port: number;
  host: string;
  authorizedKeysPath: string;
  say: (line: string) => void;
}): Promise<{ close(): Promise<void> }> {
  const hostKey = await loadOrCreateHostKey(options.paths.sshHostKey);
  const services = await openConsoleServices(options.client, options.paths, options.etcdLabel);
  let server;
  try {
    server = await startSshConsole({ port: options.port, host: options.host, hostKey, authorizedKeysPath: options.authorizedKeysPath, services, log });
  } catch (error) {
    await services.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UserError(`port ${options.port} on ${options.host} is in use; choose another with --ssh-port`);
    throw error;
  }
  options.say(
    `console over SSH on ${options.host}:${server.port} (keys from ${options.authorizedKeysPath}); host key ${hostKey.fingerprint}${hostKey.created ? ' (new)' : ''}`,
  );
  return {
    close: async () => {
      await server.close();
      await services.close();
    },
  };
}
