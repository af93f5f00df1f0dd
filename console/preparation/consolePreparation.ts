import type { Etcd3 } from 'etcd3';
import { availableParallelism } from 'node:os';
import type { HomePaths } from '../../common/homePaths.ts';
import { createLogger } from '../../common/log.ts';
import { LibraryStore } from '../../data/library/libraryStore.ts';
import { PreparationBusyError, preparePending } from '../../data/preparation/preparationRunner.ts';
import { displaySizes, publishOnReady } from './preparationHooks.ts';

const log = createLogger('preparation');

/**
 * After an import from the console: its photos are prepared in this process,
 * in the background, leaving a core to the console; a `serve` (or another
 * runner) already keeping the queue takes them instead. A console that quits
 * first leaves them preparing for the next runner. Returns at once.
 */
export function prepareInBackground(client: Etcd3, paths: HomePaths): void {
  void preparePending(new LibraryStore(paths.store), paths, {
    concurrency: Math.max(1, availableParallelism() - 1),
    sizes: () => displaySizes(client),
    onBatch: publishOnReady(client),
  }).catch((error: unknown) => {
    if (error instanceof PreparationBusyError) return;
    log.error(`cannot prepare the imported photos: ${(error as Error).message.split('\n')[0]}`);
  });
}
