import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { emptyLibrary, migrateLibrary, SPLIT_SINCE_VERSION, type Library } from '../../data/library/librarySchema.ts';
import { LibraryStore, photosFileOf } from '../../data/library/libraryStore.ts';

/** Who made a library change and what it was, for the events pane. */
export interface LibraryChange {
  library: Library;
  /** Increases by one for every change this hub has seen. */
  version: number;
  by: string;
  what: string;
}

type Listener = (change: LibraryChange) => void;

const EXTERNAL_SETTLE_MS = 40;

/**
 * The library as every console session of one process sees it. Sessions
 * change it through `update` (the store's cross-process lock, so nothing is
 * lost between processes) and hear each other's changes at once, without a
 * re-read: the hub keeps the very object the store wrote. Only a change by
 * another process (the CLI, an import) makes it read the file again, told by
 * a folder watch, never by an etcd event.
 */
export class LibraryHub {
  private static readonly open = new Map<string, Promise<LibraryHub>>();

  /** One hub per library file per process, shared by all its sessions. */
  static async forStore(path: string): Promise<LibraryHub> {
    let hub = LibraryHub.open.get(path);
    if (!hub) {
      hub = (async () => {
        const created = new LibraryHub(new LibraryStore(path));
        await created.start();
        return created;
      })();
      LibraryHub.open.set(path, hub);
      hub.catch(() => LibraryHub.open.delete(path));
    }
    return hub;
  }

  library: Library = emptyLibrary();
  version = 0;
  private readonly listeners = new Set<Listener>();
  private watcher: FSWatcher | null = null;
  private lastWritten = '';
  private settleTimer: NodeJS.Timeout | undefined;
  private users = 0;

  private constructor(readonly store: LibraryStore) {}

  /** The photos file as it was when `library.photos` was read: whether those photos are still current. */
  private photosStamp = '';

  private async readAll(): Promise<Library> {
    const photosStamp = await stamp(photosFileOf(this.store.path));
    const library = await this.store.read();
    this.photosStamp = photosStamp;
    return library;
  }

  /**
   * When another process changed albums, displays or groups but not the
   * photos (the usual case: the CLI, another console), only the small library
   * file is read; the 100,000 photos the sessions hold are still current.
   */
  private async readWithoutPhotos(): Promise<Library | null> {
    if ((await stamp(photosFileOf(this.store.path))) !== this.photosStamp) return null;
    const raw = JSON.parse(await readFile(this.store.path, 'utf8')) as { version?: unknown };
    // Before the split the photos are inside the library file: read it all the usual way.
    if (typeof raw.version !== 'number' || raw.version < SPLIT_SINCE_VERSION) return null;
    return { ...migrateLibrary({ ...raw, photos: {} }, this.store.path), photos: this.library.photos };
  }

  private async start(): Promise<void> {
    this.library = await this.readAll();
    this.lastWritten = await this.fileStamp();
    await mkdir(dirname(this.store.path), { recursive: true });
    const files = [basename(this.store.path), basename(photosFileOf(this.store.path))];
    // Watch the folder, not the files: atomic writes replace a file, which ends a file watch.
    this.watcher = watch(dirname(this.store.path), (_event, name) => {
      if (name === null || !files.includes(name)) return;
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => void this.rereadIfExternal(), EXTERNAL_SETTLE_MS);
    });
    this.watcher.on('error', () => this.watcher?.close());
  }

  /** Counts users so the last one to leave stops the folder watch. */
  retain(): () => void {
    this.users++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.users === 0) this.close();
    };
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Changes the library under the cross-process lock (the change sees the
   * latest file, so another process's edit is never overwritten) and tells
   * every session. If `change` throws, nothing is written or announced.
   */
  async update<T>(by: string, what: string | ((result: T) => string), change: (library: Library) => T | Promise<T>): Promise<T> {
    let written: Library | null = null;
    const result = await this.store.update(async (library) => {
      const value = await change(library);
      written = library;
      return value;
    });
    this.lastWritten = await this.fileStamp();
    // The store hands changes a draft whose photos are watched through proxies; sessions keep the
    // plain photos they have, unless the photos file changed (then the library is read afresh).
    const photosNow = await stamp(photosFileOf(this.store.path));
    const library = photosNow === this.photosStamp ? { ...written!, photos: this.library.photos } : await this.readAll();
    this.publish(library, by, typeof what === 'function' ? what(result) : what);
    return result;
  }

  close(): void {
    clearTimeout(this.settleTimer);
    this.watcher?.close();
    this.watcher = null;
    LibraryHub.open.delete(this.store.path);
  }

  private publish(library: Library, by: string, what: string): void {
    this.library = library;
    this.version++;
    const change = { library, version: this.version, by, what };
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // A listener is a session's screen; its failure is its own, never another session's.
      }
    }
  }

  private async rereadIfExternal(): Promise<void> {
    const stamp = await this.fileStamp();
    if (stamp === this.lastWritten) return;
    this.lastWritten = stamp;
    try {
      this.publish((await this.readWithoutPhotos()) ?? (await this.readAll()), 'another process', 'library file changed');
    } catch {
      // A half-written or corrupt file from elsewhere: keep what we have; the next change retries.
    }
  }

  private async fileStamp(): Promise<string> {
    return `${await stamp(this.store.path)}|${await stamp(photosFileOf(this.store.path))}`;
  }
}

async function stamp(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
