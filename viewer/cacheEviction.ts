/**
 * Which cached photos to delete so the cache fits its budget: at most
 * `maxBytes` in all, and at least `minFreeBytes` left free on the disk. Pure,
 * so the rules are tested without a disk to fill.
 *
 * Least recently used go first; photos in the current list go only after
 * every other photo, because they are what the display will show next, also
 * when the network is away.
 */
export interface CachedEntry {
  path: string;
  name: string;
  bytes: number;
  lastUsedMs: number;
}

export interface CacheBudget {
  maxBytes: number;
  minFreeBytes: number;
}

export function chooseEvictions(entries: readonly CachedEntry[], freeBytes: number, budget: CacheBudget, current: ReadonlySet<string>): CachedEntry[] {
  let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  let free = freeBytes;
  const order = [...entries].sort(
    (a, b) => Number(current.has(a.name)) - Number(current.has(b.name)) || a.lastUsedMs - b.lastUsedMs || a.path.localeCompare(b.path),
  );
  const evicted: CachedEntry[] = [];
  for (const entry of order) {
    if (total <= budget.maxBytes && free >= budget.minFreeBytes) break;
    evicted.push(entry);
    total -= entry.bytes;
    free += entry.bytes;
  }
  return evicted;
}
