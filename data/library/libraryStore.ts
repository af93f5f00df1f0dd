import { readFile } from 'node:fs/promises';
import { Low, type Adapter } from 'lowdb';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import { emptyLibrary, migrateLibrary, type Library } from './librarySchema.ts';
import { withFileLock } from './fileLock.ts';

/**
 * lowdb's own JSONFile renames a temp file but never fsyncs; we want a write
 * that returned to survive a power cut, and a corrupt file to be reported,
 * never silently replaced by an empty library.
 */
class DurableJsonAdapter implements Adapter<Library> {
  constructor(private readonly path: string) {}

  async read(): Promise<Library | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`cannot read library ${this.path}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`library ${this.path} is not valid JSON (${(error as Error).message}); restore it from a backup`);
    }
    return migrateLibrary(parsed, this.path);
  }

  async write(data: Library): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(data, null, 2)}\n`);
  }
}

export class LibraryStore {
  private readonly db: Low<Library>;

  constructor(readonly path: string) {
    this.db = new Low(new DurableJsonAdapter(path), emptyLibrary());
  }

  /** A fresh read from disk; other processes may have written since the last one. */
  async read(): Promise<Library> {
    await this.db.read();
    return this.db.data;
  }

  /**
   * Read, change and write under the cross-process lock. If `change` throws,
   * nothing is written.
   */
  async update<T>(change: (library: Library) => T | Promise<T>): Promise<T> {
    return withFileLock(this.path, async () => {
      await this.db.read();
      const draft = structuredClone(this.db.data);
      const result = await change(draft);
      this.db.data = draft;
      await this.db.write();
      return result;
    });
  }
}
