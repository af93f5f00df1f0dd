import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ScanProblem {
  path: string;
  reason: string;
}

/**
 * Every regular file below the given paths, depth first, in a stable order.
 * Hidden files and folders (".DS_Store", ".thumbnails") are not photos and are
 * passed over silently; unreadable folders are reported.
 */
export async function scanForFiles(roots: readonly string[]): Promise<{ files: string[]; problems: ScanProblem[] }> {
  const files: string[] = [];
  const problems: ScanProblem[] = [];
  const visit = async (path: string, isRoot: boolean): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      problems.push({ path, reason: isRoot ? 'no such file or folder' : (error as Error).message });
      return;
    }
    if (info.isFile()) {
      files.push(path);
      return;
    }
    if (!info.isDirectory()) return;
    let entries: string[];
    try {
      entries = await readdir(path);
    } catch (error) {
      problems.push({ path, reason: `cannot read folder: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
      return;
    }
    entries.sort();
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      await visit(join(path, entry), false);
    }
  };
  for (const root of roots) await visit(root, true);
  return { files, problems };
}
