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
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'w', mode);
  try {
    await fill(handle, temp);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
