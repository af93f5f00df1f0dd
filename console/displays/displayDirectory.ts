import type { Etcd3 } from 'etcd3';
import { decodeAnnouncement, type Announcement } from '../../common/protocol/codecs/announcementCodec.ts';
import { ANNOUNCE_PREFIX, ONLINE_PREFIX, displayIdFromAnnounceKey, displayIdFromOnlineKey } from '../../common/protocol/systemKeys.ts';
import { findAlbum } from '../../data/library/albums.ts';
import type { Library } from '../../data/library/librarySchema.ts';

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

export function listDisplays(library: Library, etcd: EtcdDisplayView): DisplayListing[] {
  const listings = new Map<string, DisplayListing>();
  for (const display of library.displays) {
    const announcement = etcd.announcements.get(display.id);
    listings.set(display.id, {
      id: display.id,
      name: display.name,
      hostname: announcement?.hostname ?? display.hostname,
      album: display.albumId ? (findAlbum(library, display.albumId)?.name ?? null) : null,
      online: etcd.online.has(display.id),
      managed: true,
      lastStartedAt: announcement?.started_at ?? null,
      screen: announcement?.screen ?? null,
    });
  }
  for (const [id, announcement] of etcd.announcements) {
    if (listings.has(id)) continue;
    listings.set(id, {
      id,
      name: announcement.hostname || id,
      hostname: announcement.hostname,
      album: null,
      online: etcd.online.has(id),
      managed: false,
      lastStartedAt: announcement.started_at,
      screen: announcement.screen,
    });
  }
  return [...listings.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
