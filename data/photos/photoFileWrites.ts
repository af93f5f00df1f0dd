import { open, mkdir, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * Photo files written by the import, made durable in batches. Each file is
 * written under a temp name and renamed into place at once (readers never
 * see a torn file), but not fsynced one by one: two fsyncs per photo (the
 * file and its folder) cost more than reading and hashing it. Instead
 * `syncAll` fsyncs every file written since, in parallel, and each folder
 * once, before the import commits their records: a record never names a
 * photo that a power cut could take back. A kill -9 loses nothing either
 * way: what was written is in the page cache.
 */
export class PhotoFileWrites {
  private unsynced = new Set<string>();

  /** Writes `content` at `path` atomically, not yet durably; `beforeRename` must resolve before the file takes its name. */
  async write(path: string, content: Uint8Array, beforeRename: () => Promise<void> = async () => {}): Promise<void> {
    const dir = dirname(path);
    const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    let handle;
    try {
      handle = await open(temp, 'w', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dir, { recursive: true });
      handle = await open(temp, 'w', 0o644);
    }
    try {
      await handle.writeFile(content);
    } catch (error) {
      await handle.close();
      await unlink(temp).catch(() => {});
      throw error;
    }
    await handle.close();
    try {
      await beforeRename();
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    this.unsynced.add(path);
  }

  /** A path made otherwise (a link renamed into place) whose folder entry must be durable with the rest. */
  note(path: string, fileToo: boolean): void {
    if (fileToo) this.unsynced.add(path);
    else this.unsynced.add(`${dirname(path)}/`);
  }

  /** Makes every file written so far durable, with the folders that name them. */
  async syncAll(): Promise<void> {
    const paths = [...this.unsynced];
    this.unsynced = new Set();
    const dirs = new Set<string>();
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
