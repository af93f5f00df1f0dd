import type { Etcd3 } from 'etcd3';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GlobalConfig } from '../../common/config.ts';
import { connectEtcd } from '../../common/etcd/etcdClient.ts';
import { createLogger } from '../../common/log.ts';
import { reasonOf } from '../../common/userError.ts';
import type { Library } from '../../data/library/librarySchema.ts';
import type { LibraryStore } from '../../data/library/libraryStore.ts';
import { readinessCounts } from '../../data/library/photoReadiness.ts';
import { sizesInUse } from '../../data/preparation/preparationPlan.ts';
import type { PreparationBatch } from '../../data/preparation/preparationRunner.ts';
import type { Size } from '../../data/renditions/sizeLadder.ts';
import { publishShownAlbums } from '../displays/albumPublisher.ts';
import { readEtcdDisplays } from '../displays/displayDirectory.ts';

const log = createLogger('preparation');

/** The screen sizes the displays announced (what they will ask the image server for); 1080p when none did. */
export async function displaySizes(client: Etcd3): Promise<Size[]> {
  const { announcements } = await readEtcdDisplays(client);
  return sizesInUse([...announcements.values()].map((announcement) => announcement.screen));
}

/** Live album membership: a batch that made photos of a shown album ready publishes the shown albums again (under the library lock the runner holds). */
export function publishOnReady(client: Etcd3, updated?: Set<string>): (batch: PreparationBatch) => Promise<void> {
  return async (batch) => {
    if (!batch.shownReady) return;
    const written = await publishShownAlbums(client, batch.library);
    for (const id of written) updated?.add(id);
    if (written.length > 0) log.info('displays given newly ready photos', { displays: written.length, ready: batch.ready.length });
  };
}

/** Whether any display or group in the library could show photos: only then is etcd worth contacting. */
export function libraryHasDisplays(library: Library): boolean {
  return library.displays.length > 0 || (library.groups ?? []).some((group) => group.displayIds.length > 0);
}

/**
 * etcd for a CLI preparation run (`prepare`, `import --wait`): the display
 * sizes and live publishing, when the library has displays. Without etcd the
 * photos are still prepared, at 1080p, and the warning says what is missed.
 */
export async function etcdForPreparation(config: GlobalConfig, library: Library, warn: (line: string) => void): Promise<Etcd3 | null> {
  if (!libraryHasDisplays(library)) return null;
  try {
    return await connectEtcd(config.etcd);
  } catch (error) {
    warn(`cannot reach etcd (${reasonOf(error)}): preparing renditions for 1080p screens, and displays get the new photos at the next import or display change`);
    return null;
  }
}

/**
 * The detached queue's niceness: it runs beside the import and takes only
 * what the import leaves. Measured with 240 12 MP photos: 19 against 10 gave
 * the import 2.8-3.0 s against 2.9-3.2 s, all ready 9.6-9.7 s against 9.8-9.9 s.
 */
export const PREPARE_NICENESS = 19;

/**
 * Starts `photoframe prepare` as a detached, niced process of this very
 * program (bundled or from the sources: the same node, loader flags and
 * script), so the import returns while its photos are prepared. It does
 * not keep this process alive (ref() it to wait for it).
 */
export function startDetachedPrepare(config: GlobalConfig): ChildProcess | null {
  const script = process.argv[1];
  if (!script) return null;
  const env: NodeJS.ProcessEnv = { ...process.env, PHOTOFRAME_HOME: config.home, PHOTOFRAME_ETCD: config.etcd.endpoints.join(',') };
  if (config.etcd.tls) {
    env.PHOTOFRAME_ETCD_CA = config.etcd.tls.ca;
    env.PHOTOFRAME_ETCD_CERT = config.etcd.tls.cert;
    env.PHOTOFRAME_ETCD_KEY = config.etcd.tls.key;
  }
  // Its report and any failure go to a log in the home: nobody reads a detached process's terminal.
  let logFd: number | 'ignore' = 'ignore';
  try {
    logFd = openSync(join(config.home, 'prepare.log'), 'a', 0o600);
  } catch {
    // Without a log it still runs; the library records every outcome anyway.
  }
  try {
    const child = spawn('nice', ['-n', String(PREPARE_NICENESS), process.execPath, ...process.execArgv, script, 'prepare'], { detached: true, stdio: ['ignore', logFd, logFd], env });
    child.on('error', (error) => log.warn(`cannot start photoframe prepare: ${error.message}`));
    child.unref();
    return child;
  } finally {
    if (typeof logFd === 'number') closeSync(logFd);
  }
}

/**
 * Resolves once none of `names` (every photo when not given) is preparing:
 * for `import --wait` while another process (serve) runs the queue; or,
 * with `stillRunning`, once that process is gone with work left. Told by a
 * watch on the library's folder, never by polling.
 */
export async function waitUntilPrepared(
  store: LibraryStore,
  names?: readonly string[],
  onCounts?: (counts: { preparing: number; ready: number; failed: number }) => void,
  stillRunning?: () => Promise<boolean>,
): Promise<'prepared' | 'runner gone'> {
  await mkdir(dirname(store.path), { recursive: true });
  return new Promise<'prepared' | 'runner gone'>((resolve, reject) => {
    let checking = false;
    let again = false;
    const check = async () => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const counts = readinessCounts(await store.read(), names);
          onCounts?.(counts);
          if (counts.preparing === 0) {
            watcher.close();
            resolve('prepared');
            return;
          }
          // The runner's lock is refreshed every few seconds, which this folder watch sees: a runner killed is noticed.
          if (stillRunning && !(await stillRunning())) {
            watcher.close();
            resolve('runner gone');
            return;
          }
        } while (again);
      } catch (error) {
        watcher.close();
        reject(error);
      } finally {
        checking = false;
      }
    };
    const watcher = watch(dirname(store.path), () => void check());
    void check();
  });
}
