import type { Etcd3 } from 'etcd3';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { removeStaleTempDirs } from '../../../common/staleTempFiles.ts';
import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { assessEtcdVersion, rbacWarning } from '../../../common/etcd/etcdVersionRisks.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { trimTrailingSlashes } from '../../../common/text/trimTrailingSlashes.ts';
import { createLogger } from '../../../common/log.ts';
import { UserError } from '../../../common/userError.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { DisplayAccess } from '../../imageServer/displayAccess.ts';
import { pruneManifests } from '../../manifests/manifestPrune.ts';
import { ManifestShelf, ManifestStore } from '../../manifests/manifestStore.ts';
import { createImageServer, renditionWorkQueue } from '../../imageServer/imageServer.ts';
import { servePreparation } from '../../preparation/servePreparation.ts';
import { shownRenditions } from '../../preparation/shownRenditions.ts';
import { LibraryHub } from '../../state/libraryHub.ts';
import { loadImageServerIdentity } from '../../imageServer/imageServerCertificate.ts';
import { LEGACY_DOWNLOAD_PREFIX, legacyViewerRoutes } from '../../imageServer/legacyViewerRoutes.ts';
import { advertisedUrl, publishImageServer } from '../../imageServer/publishImageServer.ts';
import { loadOrCreateServerToken } from '../../imageServer/serverToken.ts';
import { serveSshConsole } from '../../ssh/serveSshConsole.ts';
import { portOption, stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';
import { DEFAULT_HTTP_PORT } from '../commandList.ts';

const log = createLogger('serve');

/**
 * The image server: HTTPS with client certificates when etcd is TLS (the
 * default), so each display is known by its certificate and gets only its
 * own photos; plain HTTP with the bearer token when etcd is an explicit
 * http:// one, exactly as before.
 */
export async function runServe({ config, values }: CommandContext): Promise<number | void> {
  const secure = config.etcd.tls !== null;
  const scheme = secure ? 'https' : 'http';
  const port = portOption(values, 'http-port', DEFAULT_HTTP_PORT);
  const host = stringOption(values, 'host') ?? '0.0.0.0';
  const publicUrl = stringOption(values, 'public-url');
  const sshPort = values['ssh-port'] === undefined ? null : portOption(values, 'ssh-port', 2222);
  const legacy = values['legacy-viewers'] === true;
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new UserError(`--public-url "${publicUrl}" is not an http(s) URL, e.g. ${scheme}://192.168.1.10:${DEFAULT_HTTP_PORT}`);
  }
  if (secure && publicUrl !== undefined && !publicUrl.startsWith('https://')) {
    throw new UserError(`--public-url "${publicUrl}" must be https://: with a TLS etcd the image server speaks HTTPS (an http:// etcd is the plain mode)`);
  }
  if (values['legacy-http-port'] !== undefined && !(secure && legacy)) {
    throw new UserError('--legacy-http-port is for --legacy-viewers with a TLS etcd; in plain mode original viewers use --http-port');
  }
  const legacyPort = secure && legacy ? portOption(values, 'legacy-http-port', port + 1) : null;
  if (legacyPort === port) throw new UserError(`--legacy-http-port ${legacyPort} is the HTTPS port; choose another`);

  const paths = homePaths(config.home);
  const client = await connectEtcd(config.etcd);
  if (config.etcd.tls) await warnAboutEtcdVersion(client);
  const url = trimTrailingSlashes(publicUrl ?? advertisedUrl(host, port, scheme));
  let access: DisplayAccess | null = null;
  const servers: Server[] = [];
  // Display requests and the preparation queue share it: a display's request goes first.
  const workQueue = renditionWorkQueue();
  // The prepared renditions of shown photos stay out of the cache's bound and eviction (what the queue makes ahead).
  const hub = await LibraryHub.forStore(paths.store);
  const releaseHub = hub.retain();
  const keptRenditions = shownRenditions(hub);
  try {
    if (legacy) {
      const where = legacyPort === null ? 'this port' : `plain-HTTP port ${legacyPort} (the displays' HTTPS port is unaffected)`;
      process.stderr.write(
        `warning: --legacy-viewers is on: anyone who can reach ${where} can register as a display and download photos by name without a token (POST /register, GET ${LEGACY_DOWNLOAD_PREFIX}<name>)\n`,
      );
    }
    const routes = legacy ? legacyViewerRoutes({ paths, store: new LibraryStore(paths.store), client }) : undefined;
    // HEIC scratch folders of a server or import killed mid-decode hold copies of photos: cleared before serving.
    await removeStaleTempDirs(paths.tmp);
    let published: { url: string; token?: string; ca_sha256?: string };
    if (secure) {
      const identity = await loadImageServerIdentity(config.home, new URL(url).hostname);
      access = await DisplayAccess.open(client, { manifests: new ManifestShelf(new ManifestStore(paths.manifests)) });
      servers.push(await listen(createImageServer({ paths, https: { cert: identity.cert, key: identity.key, ca: identity.ca, access }, workQueue, keptRenditions }), port, host, '--http-port'));
      if (legacyPort !== null) {
        servers.push(await listen(createImageServer({ paths, serveImages: false, extraRoutes: routes }), legacyPort, host, '--legacy-http-port'));
      }
      published = { url, ca_sha256: identity.caSha256 };
    } else {
      const token = await loadOrCreateServerToken(paths.serverToken);
      servers.push(await listen(createImageServer({ paths, token, extraRoutes: routes, workQueue, keptRenditions }), port, host, '--http-port'));
      published = { url, token };
    }
    await publishImageServer(client, published);
  } catch (error) {
    for (const server of servers) server.close();
    await access?.close();
    releaseHub();
    client.close();
    throw error;
  }
  process.stdout.write(`image server listening on ${host}:${port} (${secure ? 'HTTPS, display certificates' : 'plain HTTP, bearer token'}), published to etcd as ${url}\n`);
  if (legacyPort !== null) process.stdout.write(`original viewers: plain HTTP on ${host}:${legacyPort} (POST /register, GET ${LEGACY_DOWNLOAD_PREFIX}<name>)\n`);
  const ssh =
    sshPort === null
      ? null
      : await serveSshConsole({
          client,
          paths,
          etcdLabel: config.etcd.endpoints.join(','),
          port: sshPort,
          host,
          authorizedKeysPath: stringOption(values, 'authorized-keys') ?? paths.authorizedKeys,
          say: (line) => process.stdout.write(`${line}\n`),
        });

  // Photos imported without their thumbnails, checks and renditions get them here, behind display requests.
  const preparation = await servePreparation(paths, client, workQueue);

  // Manifests no display names any more, once at start and then hourly.
  const manifests = new ManifestStore(paths.manifests);
  const prune = () =>
    void pruneManifests(client, manifests).then(
      (deleted) => deleted.length > 0 && log.info('removed manifests no display names', { count: deleted.length }),
      (error: Error) => log.warn(`cannot prune manifests: ${error.message.split('\n')[0]}`),
    );
  prune();
  const pruning = setInterval(prune, 60 * 60_000).unref();

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info(`stopping on ${signal}`);
      let open = servers.length;
      for (const server of servers) {
        server.close(() => {
          if (--open === 0) resolve();
        });
        server.closeAllConnections();
      }
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  clearInterval(pruning);
  await preparation.close();
  releaseHub();
  await ssh?.close();
  await access?.close();
  client.close();
}

async function listen(server: Server, port: number, host: string, option: string): Promise<Server> {
  try {
    server.listen(port, host);
    await once(server, 'listening');
    return server;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError(`port ${port} on ${host} is in use; choose another with ${option}`);
    if (code === 'EADDRNOTAVAIL') throw new UserError(`--host ${host} is not an address of this machine`);
    throw error;
  }
}

/** Once at start: the roles that keep a display to its own keys are only as good as the etcd enforcing them. */
async function warnAboutEtcdVersion(client: Etcd3): Promise<void> {
  const status = await client.maintenance.status().catch(() => null);
  const warning = status ? rbacWarning(assessEtcdVersion(status.version)) : null;
  if (warning) process.stderr.write(`warning: ${warning}\n`);
}
