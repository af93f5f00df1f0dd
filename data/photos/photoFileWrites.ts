import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fillFileAtomic } from '../../common/atomicFile.ts';

/**
 * Photo files written by the import, made durable in batches. Each file is
 * written (or copied in the kernel) under a temp name and renamed into place
 * at once (readers never see a torn file), but not fsynced one by one: two fsyncs per photo (the
 * file and its folder) cost more than reading and hashing it. Instead
 * `syncAll` fsyncs every file written since, in parallel, and each folder
 * once, before the import commits their records: a record never names a
 * photo that a power cut could take back. A kill -9 loses nothing either
 * way: what was written is in the page cache.
 */
export class PhotoFileWrites {
  private unsynced = new Set<string>();
  /**
   * Files are also fsynced one at a time as they are written, behind the
   * import: the disk writes them out while the import reads and hashes the
   * next ones, instead of all at once when the batch commits (measured: the
   * whole difference to `cp` on 240 photos was that final wave). One at a
   * time, so reads never wait for the libuv threads fsyncs hold.
   */
  private early: Promise<void> = Promise.resolve();
  /** Folders with new names in them: fsynced at every syncAll, whether their files were synced early or not. */
  private dirtyDirs = new Set<string>();
  private earlyQueued = 0;

  /** Writes `content` at `path` atomically, not yet durably; `beforeRename` must resolve before the file takes its name. */
  async write(path: string, content: Uint8Array, beforeRename: () => Promise<void>): Promise<void> {
    await fillFileAtomic(path, (handle) => writeInChunks(handle, content), 0o644, { durable: false, beforeRename });
    this.written(path);
  }

  /** The same for a copy already made under a temp name in the same folder (copyWalkedFile): renamed to `path`. */
  async place(temp: string, path: string, beforeRename: () => Promise<void>): Promise<void> {
    await beforeRename();
    await rename(temp, path);
    this.written(path);
  }

  private written(path: string): void {
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

/**
 * Where the in-kernel copy is not built. Measured on 12 MP JPEGs (5.8 MB) on
 * this project's 2-core VM: one write() of the whole photo cost 11.8 ms of
 * CPU, the same bytes in 1 MB writes 1.2 ms (64 KB: 2.6 ms).
 */
const WRITE_CHUNK_BYTES = 1024 * 1024;

async function writeInChunks(handle: FileHandle, content: Uint8Array): Promise<void> {
  let at = 0;
  while (at < content.length) {
    const { bytesWritten } = await handle.write(content, at, Math.min(WRITE_CHUNK_BYTES, content.length - at), at);
    at += bytesWritten;
  }
}
