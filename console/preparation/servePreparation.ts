import type { Etcd3 } from 'etcd3';
import type { HomePaths } from '../../common/homePaths.ts';
import { createLogger } from '../../common/log.ts';
import { LibraryStore } from '../../data/library/libraryStore.ts';
import { readinessCounts } from '../../data/library/photoReadiness.ts';
import { PreparationBusyError, PreparationRunner } from '../../data/preparation/preparationRunner.ts';
import type { WorkQueue } from '../imageServer/workQueue.ts';
import { LibraryHub } from '../state/libraryHub.ts';
import { displaySizes, publishOnReady } from './preparationHooks.ts';

const log = createLogger('preparation');

/** While another process (a `prepare` an import started) holds the queue, serve asks again this often. */
const RETRY_BUSY_MS = 15_000;

/**
 * `serve` keeps the library's preparation queue: at start, and whenever the
 * library file changes with photos still preparing (the folder watch the
 * console's LibraryHub keeps; no polling of the library). Each photo's work
 * runs in the image server's background lane, so a display's request is
 * never queued behind the backlog; batches that make photos of a shown
 * album ready publish the lists again.
 */
export async function servePreparation(paths: HomePaths, client: Etcd3, queue: WorkQueue): Promise<{ close(): Promise<void> }> {
  const store = new LibraryStore(paths.store);
  const hub = await LibraryHub.forStore(paths.store);
  const release = hub.retain();
  let runner: PreparationRunner | null = null;
  let opening: Promise<void> | null = null;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const ensure = (): void => {
    if (closed) return;
    if (runner) return runner.kick();
    if (opening) return;
    opening = PreparationRunner.open(store, paths, {
      sizes: () => displaySizes(client),
      onBatch: publishOnReady(client),
      schedule: (job) => queue.runBackground(job),
    })
      .then((opened) => {
        if (closed) return void opened.close();
        runner = opened;
        log.info('preparing imported photos in the background');
      })
      .catch((error: unknown) => {
        if (!(error instanceof PreparationBusyError)) log.error(`cannot run the preparation queue: ${(error as Error).message.split('\n')[0]}`);
        clearTimeout(retry);
        retry = setTimeout(() => readinessCounts(hub.library).preparing > 0 && ensure(), RETRY_BUSY_MS);
        retry.unref();
      })
      .finally(() => (opening = null));
  };

  const stopWatching = hub.onChange((change) => {
    if (readinessCounts(change.library).preparing > 0) ensure();
  });
  // Held from the start even with nothing to prepare, so an import sees the queue is kept and starts no second runner.
  ensure();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      stopWatching();
      await opening;
      await runner?.close();
      release();
    },
  };
}
