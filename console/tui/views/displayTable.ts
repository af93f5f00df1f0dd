import { groupsOf, type DisplayRecord, type Library } from '../../../data/library/librarySchema.ts';
import { compareListings, displayListing, displayRecordsById, type DisplayListing, type EtcdDisplayView } from '../../displays/displayDirectory.ts';

/** A display in the table: what orders and filters it. What its viewer reports is read only when its row is drawn. */
export interface DisplayEntry extends DisplayListing {
  /** The group it belongs to, whose album it shows a share of. */
  group: string | null;
  version: string | null;
  /** What `/` matches: name, id and album, lower-cased once. */
  haystack: string;
}

/** What a sync changed: the list itself (a display came, went or was renamed; the library changed), or only some entries. */
export interface TableChange {
  reordered: boolean;
  /** Displays whose keys changed in etcd since the last sync (their entries are up to date in place). */
  changed: ReadonlySet<string>;
}

/**
 * The displays view's model, kept between redraws the way k9s keeps its
 * tables: every display in order, and the ones the filter lets through. A
 * change from etcd updates the entries of the displays it touched, in place;
 * the whole list is made again only when the library changes or a display
 * comes, goes or changes its name. A fleet of 1,000 writes ~1,000 status keys
 * a second; rebuilding 1,000 rows for each paced redraw (and for every key
 * typed) made the garbage and the work that kept keystrokes waiting
 * (bench/fleetBench.ts). Rows are drawn from entries only while on screen
 * (ListWidget), so what a viewer reports costs nothing until its row shows.
 */
export class DisplayTable {
  private library: Library | null = null;
  private records = new Map<string, DisplayRecord>();
  private groupOf = new Map<string, string>();
  private all: DisplayEntry[] = [];
  private byId = new Map<string, DisplayEntry>();
  private shown: DisplayEntry[] = [];
  private needle = '';
  private readonly pending = new Set<string>();
  /** How many times the whole list was made, for tests. */
  rebuilds = 0;

  constructor(private readonly etcd: EtcdDisplayView) {}

  /** etcd changed these displays' keys (EtcdDisplays.onChange); the next sync looks at them. */
  noteChanged(ids: Iterable<string>): void {
    for (const id of ids) this.pending.add(id);
  }

  /** Every display. */
  get total(): number {
    return this.all.length;
  }

  /** The displays the filter lets through, in order. */
  get rows(): readonly DisplayEntry[] {
    return this.shown;
  }

  entry(id: string): DisplayEntry | undefined {
    return this.byId.get(id);
  }

  /** Brings the entries up to date with `library` and with what etcd changed since the last sync. */
  sync(library: Library): TableChange {
    const changed = new Set(this.pending);
    this.pending.clear();
    if (library !== this.library) {
      this.rebuild(library);
      return { reordered: true, changed };
    }
    for (const id of changed) {
      const before = this.byId.get(id);
      const now = displayListing(library, this.records.get(id), this.etcd, id);
      if (!before && !now) continue;
      if (!before || !now || before.name !== now.name) {
        this.rebuild(library);
        return { reordered: true, changed };
      }
      // The name and album, so the order and what the filter matches, are as they were.
      Object.assign(before, now, { version: this.etcd.announcements.get(id)?.version || null });
    }
    return { reordered: false, changed };
  }

  /**
   * The `/` filter. Typing on narrows what it let through already (every
   * entry that matches the longer text matched the shorter one); anything
   * else filters the whole list again.
   */
  setFilter(text: string): boolean {
    const needle = text.toLowerCase();
    if (needle === this.needle) return false;
    const from = needle.startsWith(this.needle) ? this.shown : this.all;
    this.needle = needle;
    this.shown = needle ? from.filter((entry) => entry.haystack.includes(needle)) : this.all;
    return true;
  }

  private rebuild(library: Library): void {
    this.rebuilds++;
    this.library = library;
    this.records = displayRecordsById(library);
    // Once per rebuild, not once per display: a group of 1,000 asked 1,000 times cost the view ~10 ms each time.
    this.groupOf = new Map();
    for (const group of groupsOf(library)) for (const id of group.displayIds) if (!this.groupOf.has(id)) this.groupOf.set(id, group.name);
    const entries: DisplayEntry[] = [];
    const add = (record: DisplayRecord | undefined, id: string) => {
      const listing = displayListing(library, record, this.etcd, id);
      if (!listing) return;
      entries.push({
        ...listing,
        group: this.groupOf.get(id) ?? null,
        version: this.etcd.announcements.get(id)?.version || null,
        haystack: `${listing.name} ${listing.id} ${listing.album ?? ''}`.toLowerCase(),
      });
    };
    for (const [id, record] of this.records) add(record, id);
    for (const id of this.etcd.announcements.keys()) if (!this.records.has(id)) add(undefined, id);
    this.all = entries.sort(compareListings);
    this.byId = new Map(entries.map((entry) => [entry.id, entry]));
    this.shown = this.needle ? this.all.filter((entry) => entry.haystack.includes(this.needle)) : this.all;
  }
}
