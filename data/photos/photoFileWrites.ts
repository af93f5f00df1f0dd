import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Photo files the import copied in, made durable in batches. Each file is
 * copied under a temp name (copyWalkedFile) and renamed into place here
 * (readers never see a torn file), but not fsynced there and then: two
 * fsyncs per photo (the file and its folder) cost more than reading and
 * hashing it. Instead `syncAll` fsyncs every file placed since, in parallel,
 * and each folder once, before the import commits their records: a record
 * never names a photo that a power cut could take back. A kill -9 loses
 * nothing either way: what was written is in the page cache.
 */
export class PhotoFileWrites {
  private unsynced = new Set<string>();
  /**
   * Files are also fsynced one at a time as they are placed, behind the
   * import: the disk writes them out while the import reads and hashes the
   * next ones, instead of all at once when the batch commits (measured: the
   * whole difference to `cp` on 240 photos was that final wave). One at a
   * time, so reads never wait for the libuv threads fsyncs hold.
   */
  private early: Promise<void> = Promise.resolve();
  /** Folders with new names in them: fsynced at every syncAll, whether their files were synced early or not. */
  private dirtyDirs = new Set<string>();
  private earlyQueued = 0;

  /** Renames the filled `temp` to `path` (atomic, not yet durable) once `beforeRename` resolves. */
  async place(temp: string, path: string, beforeRename: () => Promise<void>): Promise<void> {
    await beforeRename();
    await rename(temp, path);
    this.unsynced.add(path);
    this.dirtyDirs.add(dirname(path));
    if (this.earlyQueued < 8) {
      this.earlyQueued++;
      this.early = this.early.then(async () => {
        this.earlyQueued--;
        if (!this.unsynced.has(path)) return;
        // A failure here is no verdict: syncAll tries the file again before any record names it.
        if (await fsyncPath(path, 'r').then(() => true, () => false)) this.unsynced.delete(path);
      });
    }
  }

  /** A path made otherwise (a link renamed into place) whose folder entry must be durable with the rest. */
  note(path: string, fileToo: boolean): void {
    if (fileToo) this.unsynced.add(path);
    else this.unsynced.add(`${dirname(path)}/`);
  }

  /** Makes every file written so far durable, with the folders that name them. */
  async syncAll(): Promise<void> {
    await this.early;
    const paths = [...this.unsynced];
    this.unsynced = new Set();
    const dirs = this.dirtyDirs;
    this.dirtyDirs = new Set();
    const files: string[] = [];
    for (const path of paths) {
      if (path.endsWith('/')) dirs.add(path.slice(0, -1));
      else {
        files.push(path);
        dirs.add(dirname(path));
      }
    }
    try {
      // A handful at a time: each fsync holds a libuv thread that reads and sharp's header reads also need.
      await forEachLimited(files, 2, (path) => fsyncPath(path, 'r'));
      for (const dir of dirs) await fsyncPath(dir, 'r');
    } catch (error) {
      // Not durable yet: a later sync must try them again.
      for (const path of paths) this.unsynced.add(path);
      for (const dir of dirs) this.dirtyDirs.add(dir);
      throw error;
    }
  }
}

async function fsyncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
