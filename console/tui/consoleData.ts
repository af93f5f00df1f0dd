import type { Etcd3, Watcher } from 'etcd3';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { HomePaths } from '../../common/homePaths.ts';
import type { Library } from '../../data/library/librarySchema.ts';
import { LibraryStore } from '../../data/library/libraryStore.ts';
import { listDisplays, readEtcdDisplays, type DisplayListing } from '../displays/displayDirectory.ts';

export interface ConsoleSnapshot {
  displays: DisplayListing[];
  albums: { name: string; photos: number }[];
  photoCount: number;
}

/**
 * What the console shows, kept current without polling: etcd pushes display
 * announcements and presence, the filesystem tells us when the library file changes.
 */
export class ConsoleData {
  private etcdWatcher: Watcher | null = null;
  private fileWatcher: FSWatcher | null = null;
  private readonly store: LibraryStore;

  constructor(
    private readonly client: Etcd3,
    private readonly paths: HomePaths,
  ) {
    this.store = new LibraryStore(paths.store);
  }

  async load(): Promise<ConsoleSnapshot> {
    const [library, etcd] = await Promise.all([this.store.read(), readEtcdDisplays(this.client)]);
    return snapshotOf(library, listDisplays(library, etcd));
  }

  async subscribe(onChange: () => void): Promise<void> {
    this.etcdWatcher = await this.client.watch().prefix('/photoframe/').create();
    this.etcdWatcher.on('put', onChange).on('delete', onChange);
    // Watch the folder, not the file: atomic writes replace the file, which ends a file watch.
    const libraryFile = basename(this.paths.store);
    await mkdir(dirname(this.paths.store), { recursive: true });
    this.fileWatcher = watch(dirname(this.paths.store), (_event, name) => {
      if (name === libraryFile) onChange();
    });
    // A watch that fails (folder removed) only ends live library updates; etcd updates go on.
    this.fileWatcher.on('error', () => this.fileWatcher?.close());
  }

  async close(): Promise<void> {
    this.fileWatcher?.close();
    await this.etcdWatcher?.cancel();
  }
}

function snapshotOf(library: Library, displays: DisplayListing[]): ConsoleSnapshot {
  return {
    displays,
    albums: library.albums.map((a) => ({ name: a.name, photos: a.photos.length })),
    photoCount: Object.keys(library.photos).length,
  };
}
