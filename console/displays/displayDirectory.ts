import type { Etcd3 } from 'etcd3';
import { decodeAnnouncement, type Announcement } from '../../common/protocol/codecs/announcementCodec.ts';
import { ANNOUNCE_PREFIX, ONLINE_PREFIX, displayIdFromAnnounceKey, displayIdFromOnlineKey } from '../../common/protocol/systemKeys.ts';
import { findAlbum } from '../../data/library/albums.ts';
import type { DisplayRecord, Library } from '../../data/library/librarySchema.ts';

/** A display as the console shows it: what the library knows merged with what etcd says. */
export interface DisplayListing {
  id: string;
  name: string;
  hostname: string | null;
  album: string | null;
  online: boolean;
  /** In the library (assigned at least once) rather than only announced. */
  managed: boolean;
  lastStartedAt: string | null;
  screen: Announcement['screen'];
}

export interface EtcdDisplayView {
  announcements: Map<string, Announcement>;
  online: Set<string>;
}

export async function readEtcdDisplays(client: Etcd3): Promise<EtcdDisplayView> {
  const [announced, online] = await Promise.all([
    client.getAll().prefix(ANNOUNCE_PREFIX).strings(),
    client.getAll().prefix(ONLINE_PREFIX).keys(),
  ]);
  const announcements = new Map<string, Announcement>();
  for (const [key, value] of Object.entries(announced)) {
    const id = displayIdFromAnnounceKey(key);
    const decoded = decodeAnnouncement(value);
    if (id && decoded.ok) announcements.set(id, decoded.value);
  }
  return {
    announcements,
    online: new Set(online.map(displayIdFromOnlineKey).filter((id): id is string => id !== null)),
  };
}

/**
 * One display's listing: its library record (if it has one) merged with its
 * announcement; null when neither the library nor etcd knows it.
 */
export function displayListing(library: Library, record: DisplayRecord | undefined, etcd: EtcdDisplayView, id: string): DisplayListing | null {
  const announcement = etcd.announcements.get(id);
  if (record) {
    return {
      id,
      name: record.name,
      hostname: announcement?.hostname ?? record.hostname,
      album: record.albumId ? (findAlbum(library, record.albumId)?.name ?? null) : null,
      online: etcd.online.has(id),
      managed: true,
      lastStartedAt: announcement?.started_at ?? null,
      screen: announcement?.screen ?? null,
    };
  }
  if (!announcement) return null;
  return {
    id,
    name: announcement.hostname || id,
    hostname: announcement.hostname,
    album: null,
    online: etcd.online.has(id),
    managed: false,
    lastStartedAt: announcement.started_at,
    screen: announcement.screen,
  };
}

/** The library's records by id (the last of two with one id, as the lists have always shown it). */
export function displayRecordsById(library: Library): Map<string, DisplayRecord> {
  return new Map(library.displays.map((display) => [display.id, display]));
}

// One collator for every comparison: the same order as localeCompare with no arguments, without its per-call set-up.
const collator = new Intl.Collator();

/** The lists' order: by name, then id. */
export function compareListings(a: DisplayListing, b: DisplayListing): number {
  return collator.compare(a.name, b.name) || collator.compare(a.id, b.id);
}

export function listDisplays(library: Library, etcd: EtcdDisplayView): DisplayListing[] {
  const records = displayRecordsById(library);
  const listings: DisplayListing[] = [];
  for (const [id, record] of records) listings.push(displayListing(library, record, etcd, id)!);
  for (const id of etcd.announcements.keys()) if (!records.has(id)) listings.push(displayListing(library, undefined, etcd, id)!);
  return listings.sort(compareListings);
}
