import { readFile, stat } from 'node:fs/promises';
import { Low, type Adapter } from 'lowdb';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import { trackChanges } from './changeTracker.ts';
import { emptyLibrary, migrateLibrary, SPLIT_SINCE_VERSION, type Library } from './librarySchema.ts';
import { withFileLock } from './fileLock.ts';
import { LibraryCorruptError } from './libraryCorruptError.ts';

/** Where the photos of a library file live since schema 3: `library.json` → `library.photos.json`. */
export function photosFileOf(path: string): string {
  return `${path.replace(/\.json$/, '')}.photos.json`;
}

/**
 * Two files: the library file (version, albums, displays: small, indented,
 * rewritten on every change) and the photos file (compact; at 100,000 photos
 * tens of MB), rewritten only when a change touched a photo. The photos file
 * is written first, so a crash between the two leaves photos that no album
 * names yet, never an album naming a photo that is not there. The library
 * file records how many photos the photos file held when it was written
 * (`photoCount`), so a photos file that went missing is an error rather than
 * an empty library that the next import would make permanent.
 *
 * lowdb's own JSONFile renames a temp file but never fsyncs; we want a write
 * that returned to survive a power cut, and a corrupt file to be reported,
 * never silently replaced by an empty library.
 */
class SplitJsonAdapter implements Adapter<Library> {
  /** Set by the store before each write: whether the photos file must be written too. */
  photosChanged = true;
  /** A file from before the split still holds its photos; the next write must create the photos file. */
  photosFileStale = false;

  constructor(private readonly path: string) {}

  /**
   * What identifies the files' current content: every write renames a new
   * file into place, so the inode changes with each one.
   */
  async stamp(): Promise<string> {
    const of = async (path: string) => {
      const info = await stat(path).catch(() => null);
      return info ? `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}` : '-';
    };
    return `${await of(this.path)}|${await of(photosFileOf(this.path))}`;
  }

  async read(): Promise<Library | null> {
    const main = await readJson(this.path, 'library');
    if (main === null) return null;
    const raw = main as { version?: unknown; photos?: unknown };
    this.photosFileStale = !(typeof raw.version === 'number' && raw.version >= SPLIT_SINCE_VERSION);
    // Before the split the photos are inside the library file, and any photos file is a leftover of an interrupted migration.
    let missing: string | null = null;
    if (!this.photosFileStale) {
      const photosPath = photosFileOf(this.path);
      const photos = await readJson(photosPath, 'library photos');
      const recorded = (main as { photoCount?: unknown }).photoCount;
      // Files written before the count was recorded may also have lost theirs: only a recorded 0 means "no photos yet".
      if (photos === null && recorded !== 0) {
        const held = typeof recorded === 'number' ? `its ${recorded} photo records` : 'its photo records';
        missing = `library ${this.path} is missing ${photosPath}, which holds ${held}; restore it from a backup (nothing was changed)`;
      }
      raw.photos = photos ?? {};
    }
    // A file from a newer release is refused for that reason first: its photos may live elsewhere.
    const library = migrateLibrary(raw, this.path);
    if (missing) throw new LibraryCorruptError(missing);
    return library;
  }

  async write(data: Library): Promise<void> {
    if (this.photosChanged || this.photosFileStale) await writeFileAtomic(photosFileOf(this.path), `${JSON.stringify(data.photos)}\n`);
    this.photosFileStale = false;
    const { photos, ...rest } = data;
    // Written second: a crash between the two writes leaves an older count beside newer photos, so only a missing file is judged by it.
    await writeFileAtomic(this.path, `${JSON.stringify({ ...rest, photoCount: Object.keys(photos).length }, null, 2)}\n`);
  }
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} ${path} is not valid JSON (${(error as Error).message}); restore it from a backup`);
  }
}

type Change<T> = (library: Library) => T | Promise<T>;

interface QueuedChange {
  change: Change<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** One change of a coalesced batch threw: the batch is redone one change at a time. */
class BatchChangeFailed extends Error {}

export class LibraryStore {
  private readonly adapter: SplitJsonAdapter;
  private readonly db: Low<Library>;
  private queue: QueuedChange[] = [];
  private lastRead: { stamp: string; library: Library } | null = null;
  private draining = false;

  constructor(readonly path: string) {
    this.adapter = new SplitJsonAdapter(path);
    this.db = new Low(this.adapter, emptyLibrary());
  }

  /**
   * The library as on disk now; other processes may have written since the
   * last read. Parsed again only when the files changed: at 100,000 photos a
   * parse takes about a second, and the console reads on every refresh.
   * Treat the result as read-only: a later read may hand out the same object.
   */
  async read(): Promise<Library> {
    const stamp = await this.adapter.stamp();
    if (this.lastRead?.stamp === stamp) return this.lastRead.library;
    await this.db.read();
    this.lastRead = { stamp, library: this.db.data };
    return this.db.data;
  }

  /**
   * Read, change and write under the cross-process lock. If `change` throws,
   * nothing of it is written. Changes asked for while a write is in progress
   * are coalesced: applied in order to one read and saved by one write.
   */
  update<T>(change: Change<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ change, resolve: resolve as (value: unknown) => void, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          const results = await this.applyLocked(batch.map((queued) => queued.change));
          batch.forEach((queued, i) => queued.resolve(results[i]));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error instanceof BatchChangeFailed ? error.cause : error);
            continue;
          }
          // Each alone, so only the change that threw is lost.
          for (const queued of batch) {
            await this.applyLocked([queued.change]).then(
              ([result]) => queued.resolve(result),
              (failure: unknown) => queued.reject(failure instanceof BatchChangeFailed ? failure.cause : failure),
            );
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private applyLocked(changes: Change<unknown>[]): Promise<unknown[]> {
    return withFileLock(this.path, async () => {
      // A fresh parse each time: no clone needed, and what `read` handed out is never changed underneath its holder.
      const fresh = (await this.adapter.read()) ?? emptyLibrary();
      const photos = trackChanges(fresh.photos);
      const draft: Library = { ...fresh, photos: photos.proxy };
      const results: unknown[] = [];
      for (const change of changes) {
        try {
          results.push(await change(draft));
        } catch (error) {
          throw new BatchChangeFailed('a change failed', { cause: error });
        }
      }
      const replaced = draft.photos !== photos.proxy;
      this.adapter.photosChanged = replaced || photos.changed();
      this.db.data = { ...draft, photos: replaced ? draft.photos : fresh.photos };
      await this.db.write();
      return results;
    });
  }
}
