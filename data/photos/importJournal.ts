import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import { processIsAlive } from '../../common/staleTempFiles.ts';

const JOURNAL_NAME = /^import\.(\d+)\.json$/;

/**
 * The photo files one import has written (or is about to write) whose
 * records are not committed yet, kept on disk under the home as
 * `import.<pid>.json`. It is what makes clearing up after a killed import
 * safe: only names a dead writer's journal lists may be removed, so a live
 * import that is merely slow or suspended never loses its photos, and a
 * library file that reads wrong never turns every photo into an "orphan".
 */
export class ImportJournal {
  private readonly names = new Set<string>();
  private queued: Promise<void> | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  static forThisProcess(home: string): ImportJournal {
    return new ImportJournal(join(home, `import.${process.pid}.json`));
  }

  /** Resolves once the name is on disk: call before writing the photo. */
  add(names: Iterable<string>): Promise<void> {
    for (const name of names) this.names.add(name);
    return this.flush();
  }

  /** Names whose records are committed: the journal stays as small as the uncommitted work. */
  forget(names: Iterable<string>): Promise<void> {
    for (const name of names) this.names.delete(name);
    return this.flush();
  }

  pending(): string[] {
    return [...this.names];
  }

  async remove(): Promise<void> {
    await this.chain;
    await unlink(this.path).catch(() => {});
  }

  /**
   * Writes are coalesced: names added while a write is in flight go out
   * together in the next one, so a busy import costs one journal write per
   * write it waits for, not one per photo.
   */
  private flush(): Promise<void> {
    if (this.queued) return this.queued;
    const write = this.chain.then(() => {
      this.queued = null;
      return writeFileAtomic(this.path, `${JSON.stringify({ pid: process.pid, names: [...this.names] })}\n`);
    });
    this.queued = write;
    this.chain = write.catch(() => {});
    return write;
  }
}

/**
 * The journals left by imports whose process is gone, with the names they
 * list. A live writer's journal (even one stopped with SIGSTOP) is never
 * returned.
 */
export async function deadJournals(home: string): Promise<{ path: string; names: string[] }[]> {
  const found: { path: string; names: string[] }[] = [];
  for (const entry of await readdir(home).catch(() => [] as string[])) {
    const match = JOURNAL_NAME.exec(entry);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || processIsAlive(pid)) continue;
    const path = join(home, entry);
    let names: string[] = [];
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { names?: unknown };
      if (Array.isArray(parsed.names)) names = parsed.names.filter((name): name is string => typeof name === 'string' && isPlainName(name));
    } catch {
      // Journals are written atomically, so a torn one cannot happen; an unreadable one names nothing we may delete.
    }
    found.push({ path, names });
  }
  return found;
}

/** A journal is data from disk: never let it name a path outside the photos folder. */
function isPlainName(name: string): boolean {
  return name.length > 0 && !name.startsWith('.') && !name.includes('/') && !name.includes('\0');
}
