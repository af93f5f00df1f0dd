import { stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { fillFileAtomic } from './atomicFile.ts';

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Files that, once written, never change (renditions, downloaded photos):
 * `ensure` returns the path, producing and atomically writing the content
 * only if the file is missing. Concurrent calls for the same path share one
 * production, so a burst of requests does the work once.
 */
export class FileOnce {
  private readonly pending = new Map<string, Promise<string>>();

  ensure(path: string, produce: () => Promise<Uint8Array>): Promise<string> {
    return this.ensureFilled(path, async (handle) => handle.writeFile(await produce()));
  }

  /** The same for content streamed into the file; see fillFileAtomic. */
  ensureFilled(path: string, fill: (handle: FileHandle, tempPath: string) => Promise<void>): Promise<string> {
    let job = this.pending.get(path);
    if (!job) {
      job = (async () => {
        if (!(await isFile(path))) await fillFileAtomic(path, fill);
        return path;
      })().finally(() => this.pending.delete(path));
      this.pending.set(path, job);
    }
    return job;
  }
}
