import { readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** writeFileAtomic's temp names: `.<name>.<pid>.<hex>.tmp`. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/;

/**
 * Removes the temp files in `dir` that writeFileAtomic left when its process
 * was killed between writing and renaming. A temp file whose writer is still
 * running is left alone, so this is safe beside live writers.
 */
export async function removeStaleTempFiles(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!isOrphanedTempFile(name)) continue;
    await unlink(join(dir, name)).catch(() => {});
    removed++;
  }
  return removed;
}

/** A writeFileAtomic temp file whose writer is no longer running. */
export function isOrphanedTempFile(name: string): boolean {
  const match = TEMP_NAME.exec(name);
  return match !== null && !processIsAlive(Number(match[1]));
}

/** Scratch folders named `<what>-<pid>-<random>` (mkdtemp under the home's tmp). */
const TEMP_DIR_NAME = /^[a-z]+-(\d+)-[A-Za-z0-9]+$/;

/** The same for scratch folders: those of dead processes are removed whole. */
export async function removeStaleTempDirs(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const match = TEMP_DIR_NAME.exec(name);
    if (!match || processIsAlive(Number(match[1]))) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is only someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
