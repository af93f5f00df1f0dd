import { open, readdir, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FileOnce } from '../../common/fileOnce.ts';
import { removeStaleTempFiles } from '../../common/staleTempFiles.ts';
import { createLogger } from '../../common/log.ts';

const log = createLogger('rendition-cache');

/**
 * Which photos' renditions are kept out of eviction, by the rendition file's
 * stem (the photo's name without its extension): `serve` keeps those of
 * photos in albums a display or group shows, the ones its preparation queue
 * makes ahead of the displays' first requests.
 */
export type KeptRendition = (stem: string) => boolean;

/**
 * Renditions on disk with a bound on their total size: the least recently
 * served are deleted first. The order lives in memory (a Map keeps insertion
 * order; a hit moves the entry to the end) and starts from the files' times,
 * which a hit refreshes, so a restart keeps roughly the same order.
 *
 * Renditions of kept photos (shown ones) are neither counted against the
 * bound nor evicted, so a big shown library's prepared renditions survive a
 * restart; they become evictable once no display shows their album.
 */
export class RenditionCache {
  private readonly entries = new Map<string, number>();
  private total = 0;
  private readonly files = new FileOnce();
  private readonly indexed: Promise<void>;

  constructor(
    private readonly dir: string,
    readonly maxBytes: number,
    private readonly kept: KeptRendition = () => false,
  ) {
    this.indexed = this.indexExisting();
  }

  /** Bytes of evictable (not kept) renditions held now; never above maxBytes once a call to `open` has returned. */
  get totalBytes(): number {
    let total = 0;
    for (const [path, size] of this.entries) if (!this.isKept(path)) total += size;
    return total;
  }

  private isKept(path: string): boolean {
    return this.kept(basename(path, '.jpg'));
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
   * Oldest first, kept ones skipped. The newest entry goes last, only when it
   * alone is above the bound; its caller already holds it open, so the
   * response still completes.
   */
  private async evict(): Promise<void> {
    if (this.total <= this.maxBytes) return;
    // What is kept changes with the albums shown, so it is asked here, not remembered.
    let evictable = this.totalBytes;
    for (const [path, size] of this.entries) {
      if (evictable <= this.maxBytes) break;
      if (this.isKept(path)) continue;
      evictable -= size;
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
