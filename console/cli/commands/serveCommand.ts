import { once } from 'node:events';
import { removeStaleTempDirs } from '../../../common/staleTempFiles.ts';
import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { trimTrailingSlashes } from '../../../common/text/trimTrailingSlashes.ts';
import { createLogger } from '../../../common/log.ts';
import { UserError } from '../../../common/userError.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { createImageServer } from '../../imageServer/imageServer.ts';
import { LEGACY_DOWNLOAD_PREFIX, legacyViewerRoutes } from '../../imageServer/legacyViewerRoutes.ts';
import { advertisedUrl, publishImageServer } from '../../imageServer/publishImageServer.ts';
import { loadOrCreateServerToken } from '../../imageServer/serverToken.ts';
import { serveSshConsole } from '../../ssh/serveSshConsole.ts';
import { portOption, stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';
import { DEFAULT_HTTP_PORT } from '../commandList.ts';

const log = createLogger('serve');

export async function runServe({ config, values }: CommandContext): Promise<number | void> {
  const port = portOption(values, 'http-port', DEFAULT_HTTP_PORT);
  const host = stringOption(values, 'host') ?? '0.0.0.0';
  const publicUrl = stringOption(values, 'public-url');
  const sshPort = values['ssh-port'] === undefined ? null : portOption(values, 'ssh-port', 2222);
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new UserError(`--public-url "${publicUrl}" is not an http(s) URL, e.g. http://192.168.1.10:${DEFAULT_HTTP_PORT}`);
  }
  const paths = homePaths(config.home);
  const client = await connectEtcd(config.etcd);
  const token = await loadOrCreateServerToken(paths.serverToken);
  const legacy = values['legacy-viewers'] === true;
  if (legacy) {
    process.stderr.write(
      `warning: --legacy-viewers is on: anyone who can reach this port can register as a display and download photos by name without a token (POST /register, GET ${LEGACY_DOWNLOAD_PREFIX}<name>)\n`,
    );
  }
  const extraRoutes = legacy ? legacyViewerRoutes({ paths, store: new LibraryStore(paths.store), client }) : undefined;
  // HEIC scratch folders of a server or import killed mid-decode hold copies of photos: cleared before serving.
  await removeStaleTempDirs(paths.tmp);
  const server = createImageServer({ paths, token, extraRoutes });
  try {
    server.listen(port, host);
    await once(server, 'listening');
  } catch (error) {
    client.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError(`port ${port} on ${host} is in use; choose another with --http-port`);
    if (code === 'EADDRNOTAVAIL') throw new UserError(`--host ${host} is not an address of this machine`);
    throw error;
  }
  const url = trimTrailingSlashes(publicUrl ?? advertisedUrl(host, port));
  await publishImageServer(client, { url, token });
  process.stdout.write(`image server listening on ${host}:${port}, published to etcd as ${url}\n`);
  const ssh =
    sshPort === null
      ? null
      : await serveSshConsole({
          client,
          paths,
          etcdLabel: config.etcdEndpoints.join(','),
          port: sshPort,
          host,
          authorizedKeysPath: stringOption(values, 'authorized-keys') ?? paths.authorizedKeys,
          say: (line) => process.stdout.write(`${line}\n`),
        });

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info(`stopping on ${signal}`);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await ssh?.close();
  client.close();
}
