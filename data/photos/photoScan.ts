import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { textOfPathBytes } from './pathText.ts';

export interface ScannedFile {
  /** What fs calls get: the raw bytes, so names that are not UTF-8 still open. */
  fsPath: Buffer;
  /** The path as text for the library and reports (stray bytes escaped as `\xNN`). */
  path: string;
  size: number;
  mtimeMs: number;
  /** Where to open it: the real path when the walk reached it through a link, so it can be opened without following one. */
  openPath: Buffer;
  /** Which file the walk saw; the import reads only that one. */
  dev: number;
  ino: number;
}

export interface ScanProblem {
  path: string;
  reason: string;
}

export interface ScanOptions {
  /** Follow symbolic links whose target lies outside the given roots (off by default). */
  followLinksOutside?: boolean;
  /** Called as files are found, with the count so far: a walk of 100,000 files takes a while. */
  onFound?: (files: number) => void;
}

const SLASH = Buffer.from('/');

/**
 * Every regular file below the given paths, depth first, in a stable order,
 * with its size and modification time from the walk itself.
 *
 * A user's folder is hostile input: links may loop (`a -> .`) or climb out
 * (`up -> ..`), so each real folder (device + inode) is entered once and links
 * leading outside the roots are reported, not followed. FIFOs, sockets and
 * devices are reported and never opened (opening a FIFO blocks). Hidden files
 * and folders (".DS_Store", ".thumbnails") are passed over silently.
 */
export async function scanForFiles(roots: readonly string[], options: ScanOptions = {}): Promise<{ files: ScannedFile[]; problems: ScanProblem[] }> {
  const files: ScannedFile[] = [];
  const problems: ScanProblem[] = [];
  const seen = new Set<string>();
  const realRoots = await realRootsOf(roots);
  const insideRoots = (real: Buffer) => isInside(real, realRoots);
  const report = (path: Buffer, reason: string) => problems.push({ path: textOfPathBytes(path), reason });

  const visit = async (path: Buffer, info: Stats, linkTarget: Buffer | null): Promise<void> => {
    const identity = `${info.dev}:${info.ino}`;
    if (info.isFile()) {
      // The same file reached twice (a hard link, a link to a file) is one file.
      if (seen.has(identity)) return;
      seen.add(identity);
      files.push({ fsPath: path, path: textOfPathBytes(path), size: info.size, mtimeMs: info.mtimeMs, openPath: linkTarget ?? path, dev: info.dev, ino: info.ino });
      options.onFound?.(files.length);
      return;
    }
    if (!info.isDirectory()) {
      report(path, `is ${specialKind(info)}, not a photo; skipped`);
      return;
    }
    if (seen.has(identity)) return;
    seen.add(identity);
    let entries: Dirent<Buffer>[];
    try {
      entries = await readdir(path, { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      report(path, `cannot read folder: ${errorCode(error)}`);
      return;
    }
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const entry of entries) {
      if (entry.name[0] === 0x2e) continue;
      const child = Buffer.concat(path.at(-1) === 0x2f ? [path, entry.name] : [path, SLASH, entry.name]);
      let childInfo: Stats;
      let target: Buffer | null = null;
      try {
        if (entry.isSymbolicLink()) {
          target = await realpath(child, { encoding: 'buffer' });
          if (!options.followLinksOutside && !insideRoots(target)) {
            report(child, `is a link to ${textOfPathBytes(target)}, outside the imported folders; skipped`);
            continue;
          }
          childInfo = await stat(child);
        } else {
          childInfo = await lstat(child);
        }
      } catch (error) {
        report(child, entry.isSymbolicLink() ? `is a broken link (${errorCode(error)}); skipped` : `cannot read (${errorCode(error)})`);
        continue;
      }
      await visit(child, childInfo, target);
    }
  };

  for (const root of roots) {
    // Absolute, so a rerun from another folder still recognises the files it has.
    const path = Buffer.from(resolve(root));
    let info: Stats;
    try {
      info = await stat(path);
    } catch {
      report(path, 'no such file or folder');
      continue;
    }
    // A root given as a link to a file: open its real path, as for links met inside.
    const real = info.isFile() ? await realpath(path, { encoding: 'buffer' }).catch(() => path) : null;
    await visit(path, info, real);
  }
  return { files, problems };
}

/** Whether a real path is one of the real roots or below one. */
export function isInside(real: Buffer, realRoots: readonly Buffer[]): boolean {
  return realRoots.some((root) => real.equals(root) || (real.length > root.length && real.subarray(0, root.length).equals(root) && (root.at(-1) === 0x2f || real[root.length] === 0x2f)));
}

/** The real paths of the roots that exist, as the walk compares them. */
export async function realRootsOf(roots: readonly string[]): Promise<Buffer[]> {
  const real: Buffer[] = [];
  for (const root of roots) {
    const path = await realpath(root, { encoding: 'buffer' }).catch(() => null);
    if (path) real.push(path);
  }
  return real;
}

function specialKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
