import type { Etcd3 } from 'etcd3';
import { splitAmong } from '../../data/library/groupSplit.ts';
import { groupsOf, type AlbumRecord, type GroupRecord, type Library } from '../../data/library/librarySchema.ts';
import { albumPhotos } from '../../data/library/smartRules.ts';
import { etcdWriteLimitsFromEnv, type EtcdWriteLimits } from '../../common/etcd/etcdWriteLimits.ts';
import { displayKey } from '../../common/protocol/displayKeys.ts';
import { decodeImages } from '../../common/protocol/codecs/imagesCodec.ts';
import { encodeTopic } from '../../common/protocol/topicRegistry.ts';
import type { DisplayWrites, FanoutPlan } from './fanoutPlan.ts';
import { readKeys, writeFanout } from './fanoutWriter.ts';

/** Whether any display or group shows the album, i.e. whether a change to it must reach etcd. */
export function albumIsShown(library: Library, albumId: string): boolean {
  return library.displays.some((d) => d.albumId === albumId) || groupsOf(library).some((g) => g.albumId === albumId && g.displayIds.length > 0);
}

/**
 * Album membership is live, as in the original: when an album's photos
 * change, every display showing it gets the new list (a smart album's
 * current matches; a viewer keeps its current photo when it is still in the
 * list), and every group showing it is dealt it again. All of it goes out as
 * one fan-out (fanoutWriter.ts): the keys read in a few range reads, the
 * changes written in batched transactions. A display whose list is already
 * right is not written. Returns the displays whose list changed.
 */
export async function publishAlbum(client: Etcd3, library: Library, album: AlbumRecord, limits: EtcdWriteLimits = etcdWriteLimitsFromEnv(process.env)): Promise<string[]> {
  const photos = albumPhotos(library, album);
  const displays = library.displays.filter((display) => display.albumId === album.id).map((display) => display.id);
  const groups = groupsOf(library).filter((group) => group.albumId === album.id && group.displayIds.length > 0);
  const current = await readAlbumKeys(client, [...displays, ...groups.flatMap((group) => group.displayIds)], photos, limits);
  // A group's share wins over a display's own album, as it did when the group was written after it.
  const desired = new Map<string, DisplayWrites>(displays.map((id) => [id, albumWrites(id, album, photos)]));
  for (const group of groups) for (const writes of groupWrites(group, album, photos, current)) desired.set(writes.displayId, writes);
  return imagesWritten(await writeFanout(client, [...desired.values()], limits, current));
}

/**
 * A group (the original's frameset) shares one album. Split (the default):
 * each member gets its own part, the parts differing in size by at most one
 * and no photo on two members. Same: every member gets the whole album.
 * Returns the displays whose list changed.
 */
export async function publishGroup(
  client: Etcd3,
  library: Library,
  group: GroupRecord,
  random: () => number = Math.random,
  limits: EtcdWriteLimits = etcdWriteLimitsFromEnv(process.env),
): Promise<string[]> {
  const album = group.albumId === null ? undefined : library.albums.find((a) => a.id === group.albumId);
  if (!album) return [];
  const photos = albumPhotos(library, album);
  const current = await readAlbumKeys(client, group.displayIds, photos, limits);
  return imagesWritten(await writeFanout(client, groupWrites(group, album, photos, current, random), limits, current));
}

/** What each member of the group should hold: its share (split) or the whole album (same). */
function groupWrites(group: GroupRecord, album: AlbumRecord, photos: readonly string[], current: ReadonlyMap<string, string>, random: () => number = Math.random): DisplayWrites[] {
  if ((group.mode ?? 'split') === 'same') return group.displayIds.map((id) => albumWrites(id, album, photos));
  // Members that already hold a fair split of these very photos keep it: dealing again would only
  // reorder their lists (a needless write an original viewer may act on) and report a change that is none.
  const held = currentParts(current, group.displayIds);
  const parts = isFairSplit(held, photos) ? held : splitAmong(photos, group.displayIds, random);
  return [...parts].map(([id, part]) => albumWrites(id, album, part));
}

/** A display given an album: the album key, then the image list last, as the original server's order wants. */
function albumWrites(displayId: string, album: AlbumRecord, photos: readonly string[]): DisplayWrites {
  return { displayId, writes: [encodeTopic(displayId, 'album', { id: album.id, name: album.name }), encodeTopic(displayId, 'images', [...photos])] };
}

/** The album and images keys of these displays as etcd holds them, in a few batched reads. */
function readAlbumKeys(client: Etcd3, displayIds: readonly string[], photos: readonly string[], limits: EtcdWriteLimits): Promise<Map<string, string>> {
  // A member's list is at most the album's: sized so, a batch's answer stays within a request's size.
  const listBytes = Buffer.byteLength(encodeTopic('x', 'images', [...photos]).value);
  return readKeys(
    client,
    displayIds.flatMap((id) => [
      { key: displayKey(id, 'album'), expectBytes: 256 },
      { key: displayKey(id, 'images'), expectBytes: listBytes },
    ]),
    limits,
  );
}

function imagesWritten(plan: FanoutPlan): string[] {
  return [...plan.changed].filter(([id, keys]) => keys.includes(displayKey(id, 'images'))).map(([id]) => id);
}

/** Each member's image list as etcd holds it; a missing or unreadable list counts as none. */
function currentParts(current: ReadonlyMap<string, string>, displayIds: readonly string[]): Map<string, string[]> {
  const parts = new Map<string, string[]>();
  for (const id of displayIds) {
    const raw = current.get(displayKey(id, 'images'));
    const decoded = raw === undefined ? null : decodeImages(raw);
    parts.set(id, decoded?.ok ? [...decoded.value] : []);
  }
  return parts;
}

/** Whether the parts hold every photo exactly once between them, and differ in size by at most one. */
export function isFairSplit(parts: ReadonlyMap<string, readonly string[]>, photos: readonly string[]): boolean {
  const wanted = new Set(photos);
  const seen = new Set<string>();
  const sizes: number[] = [];
  for (const part of parts.values()) {
    for (const photo of part) {
      if (!wanted.has(photo) || seen.has(photo)) return false;
      seen.add(photo);
    }
    sizes.push(part.length);
  }
  return seen.size === wanted.size && (sizes.length === 0 || Math.max(...sizes) - Math.min(...sizes) <= 1);
}

/**
 * Every album some display or group shows, published again: after an import
 * any of them may have changed (the album imported into, and smart albums
 * whose rules match the new photos). Only lists that changed are written.
 * Call it with the library under its lock. Returns the displays written.
 */
export async function publishShownAlbums(client: Etcd3, library: Library): Promise<string[]> {
  const written = new Set<string>();
  for (const album of library.albums) {
    if (!albumIsShown(library, album.id)) continue;
    for (const id of await publishAlbum(client, library, album)) written.add(id);
  }
  return [...written];
}
