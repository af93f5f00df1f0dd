import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../common/atomicFile.ts';

/**
 * The last values the viewer accepted from etcd, as their raw wire strings.
 * Kept so that after a reboot without network the display resumes from its
 * cache; the strings go through the same codecs as live values.
 */
export interface OfflineState {
  values: Record<string, string>;
  savedAt: string;
}

export async function loadOfflineState(path: string): Promise<OfflineState | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<OfflineState>;
    if (typeof parsed.values !== 'object' || parsed.values === null) return null;
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed.values)) if (typeof value === 'string') values[key] = value;
    return { values, savedAt: typeof parsed.savedAt === 'string' ? parsed.savedAt : '' };
  } catch {
    // Missing or damaged: start as a new display would.
    return null;
  }
}

export async function saveOfflineState(path: string, values: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, JSON.stringify({ values, savedAt: new Date().toISOString() }));
}
