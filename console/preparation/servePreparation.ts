import type { Etcd3 } from 'etcd3';
import type { HomePaths } from '../../common/homePaths.ts';
import { createLogger } from '../../common/log.ts';
import { LibraryStore } from '../../data/library/libraryStore.ts';
import { readinessCounts } from '../../data/library/photoReadiness.ts';
import { PreparationBusyError, PreparationRunner } from '../../data/preparation/preparationRunner.ts';
import type { WorkQueue } from '../imageServer/workQueue.ts';
import { LibraryHub } from '../state/libraryHub.ts';
import { displaySizes, publishOnReady } from './preparationHooks.ts';
import { shownPhotos } from '../../data/preparation/preparationPlan.ts';
import type { Library } from '../../data/library/librarySchema.ts';

const log = createLogger('preparation');

/** While another process (a `prepare` an import started) holds the queue, serve asks again this often. */
const RETRY_BUSY_MS = 15_000;

/**
 * `serve` keeps the library's preparation queue: at start, and whenever the
 * library file changes with photos still preparing or with other photos
 * shown (their renditions are due: a display was given an album, a shown
 * album gained photos), seen through the folder watch the console's
 * LibraryHub keeps; no polling of the library. Each photo's work
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

  // A newly shown album (or photos added to a shown one) needs renditions even when nothing is preparing.
  let shown = shownSignature(hub.library);
  const stopWatching = hub.onChange((change) => {
    const nowShown = shownSignature(change.library);
    const shownChanged = nowShown !== shown;
    shown = nowShown;
    if (readinessCounts(change.library).preparing > 0 || shownChanged) ensure();
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

/** What the rendition pass would prepare, in brief: which photos are shown (their count and a hash of their names). */
function shownSignature(library: Library): string {
  let hash = 0;
  let count = 0;
  for (const name of shownPhotos(library)) {
    count++;
    for (let i = 0; i < name.length; i++) hash = (Math.imul(hash, 31) + name.charCodeAt(i)) | 0;
  }
  return `${count}:${hash}`;
}
