import { open, readdir, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FileOnce } from '../../common/fileOnce.ts';
import { removeStaleTempFiles } from '../../common/staleTempFiles.ts';
import { createLogger } from '../../common/log.ts';

const log = createLogger('rendition-cache');

/**
 * Renditions on disk with a bound on their total size: the least recently
 * served are deleted first. The order lives in memory (a Map keeps insertion
 * order; a hit moves the entry to the end) and starts from the files' times,
 * which a hit refreshes, so a restart keeps roughly the same order.
 */
export class RenditionCache {
  private readonly entries = new Map<string, number>();
  private total = 0;
  private readonly files = new FileOnce();
  private readonly indexed: Promise<void>;

  constructor(
    private readonly dir: string,
    readonly maxBytes: number,
  ) {
    this.indexed = this.indexExisting();
  }

  /** Bytes held now; never above maxBytes once a call to `open` has returned. */
  get totalBytes(): number {
    return this.total;
  }

  /**
   * An open handle on the rendition at `path`, produced first if missing.
   * A handle, not a path: eviction may unlink the file while it is still
   * being sent, and an open file outlives its name.
   */
  async open(path: string, produce: () => Promise<Uint8Array>): Promise<FileHandle> {
    await this.indexed;
    if (this.entries.has(path)) {
      const handle = await open(path, 'r').catch(() => null);
      if (handle) {
        this.touch(path);
        return handle;
      }
      this.forget(path);
    }
    await this.files.ensure(path, produce);
    const handle = await open(path, 'r');
    if (!this.entries.has(path)) {
      const { size } = await handle.stat();
      this.entries.set(path, size);
      this.total += size;
      await this.evict();
    }
    return handle;
  }

  private touch(path: string): void {
    const size = this.entries.get(path)!;
    this.entries.delete(path);
    this.entries.set(path, size);
    const now = new Date();
    void utimes(path, now, now).catch(() => {});
  }

  private forget(path: string): void {
    this.total -= this.entries.get(path) ?? 0;
    this.entries.delete(path);
  }

  /**
   * Oldest first. The newest entry goes last, only when it alone is above the
   * bound; its caller already holds it open, so the response still completes.
   */
  private async evict(): Promise<void> {
    for (const [path] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.forget(path);
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') log.warn('cannot evict rendition', { path, error: error.message });
      });
    }
  }

  /** Renditions live at `dir/WxH/name.jpg`. */
  private async indexExisting(): Promise<void> {
    const found: { path: string; size: number; time: number }[] = [];
    for (const sizeDir of await readdir(this.dir).catch(() => [] as string[])) {
      // A server killed mid-write left these; nobody else writes renditions.
      await removeStaleTempFiles(join(this.dir, sizeDir));
      for (const name of await readdir(join(this.dir, sizeDir)).catch(() => [] as string[])) {
        if (name.startsWith('.')) continue;
        const path = join(this.dir, sizeDir, name);
        const info = await stat(path).catch(() => null);
        if (info?.isFile()) found.push({ path, size: info.size, time: info.mtimeMs });
      }
    }
    found.sort((a, b) => a.time - b.time);
    for (const { path, size } of found) {
      this.entries.set(path, size);
      this.total += size;
    }
    await this.evict();
  }
}
