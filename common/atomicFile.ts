import { open, rename, mkdir, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a file so that readers see either the old or the new content, never a
 * torn one, and so that the new content survives a power cut once this returns:
 * write a sibling temp file, fsync it, rename over the target, fsync the folder.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await fillFileAtomic(path, (handle) => handle.writeFile(data), mode);
}

/**
 * The same, for content that is produced into the file rather than held in
 * memory (a download streamed to disk): `fill` writes into the temp file and
 * may inspect it by path; if it throws, the temp file is removed and the
 * target is left as it was.
 */
export async function fillFileAtomic(
  path: string,
  fill: (handle: FileHandle, tempPath: string) => Promise<void>,
  mode = 0o644,
  options: AtomicFillOptions = {},
): Promise<void> {
  const durable = options.durable ?? true;
  const dir = dirname(path);
  const temp = tempPathBeside(path);
  let handle: FileHandle;
  try {
    handle = await open(temp, 'w', mode);
  } catch (error) {
    // The folder is made only when missing: one syscall fewer per file for an import of thousands.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dir, { recursive: true });
    handle = await open(temp, 'w', mode);
  }
  try {
    await fill(handle, temp);
    if (durable) await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    await options.beforeRename?.();
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  if (durable) await syncDir(dir);
}

/**
 * A temp name beside `path` for a file that will be renamed to it:
 * `.<name>.<pid>.<hex>.tmp`, the form removeStaleTempFiles knows, so what a
 * killed writer leaves is removed by the next start.
 */
export function tempPathBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export interface AtomicFillOptions {
  /**
   * false: atomic but not yet durable (no fsync of the file or its folder);
   * the caller makes it durable later, as the import does in batches.
   */
  durable?: boolean;
  /** Resolves before the file takes its name (a journal entry that must come first). */
  beforeRename?: () => Promise<void>;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
