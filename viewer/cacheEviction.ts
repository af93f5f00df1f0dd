/**
 * Which cached photos to delete so the cache fits its budget: at most
 * `maxBytes` in all, and at least `minFreeBytes` left free on the disk. Pure,
 * so the rules are tested without a disk to fill.
 *
 * Least recently used go first. Photos in the current list go only after
 * every other photo, and only to bring the cache within `maxBytes`: they are
 * what the display will show next, also when the network is away, so they are
 * not given up to win back free space that something else on the disk used.
 * Pinned paths (the one being handed out, downloads in flight, the photo on
 * screen) are never evicted: deleting them would break the caller using them.
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

/** A Set, or a display's list (which may be 100,000 names packed in a Buffer). */
export interface NameLookup {
  has(name: string): boolean;
}

export interface EvictionGuards {
  /** Names in the display's current list. */
  current: NameLookup;
  /** Paths that must stay whatever the budget says. */
  pinned: ReadonlySet<string>;
}

export function chooseEvictions(entries: readonly CachedEntry[], freeBytes: number, budget: CacheBudget, guards: EvictionGuards): CachedEntry[] {
  let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  let free = freeBytes;
  const { current, pinned } = guards;
  // Asked once per entry, not once per comparison: a lookup in a packed list costs more than a Set's.
  const inList = new Map(entries.map((entry) => [entry.path, current.has(entry.name)]));
  const listed = (entry: CachedEntry) => inList.get(entry.path)!;
  const order = entries
    .filter((entry) => !pinned.has(entry.path))
    .sort((a, b) => Number(listed(a)) - Number(listed(b)) || a.lastUsedMs - b.lastUsedMs || a.path.localeCompare(b.path));
  const evicted: CachedEntry[] = [];
  for (const entry of order) {
    const overSize = total > budget.maxBytes;
    const lowOnDisk = free < budget.minFreeBytes;
    if (!overSize && !(lowOnDisk && !listed(entry))) break;
    evicted.push(entry);
    total -= entry.bytes;
    free += entry.bytes;
  }
  return evicted;
}
