import type { Etcd3 } from 'etcd3';
import { splitAmong } from '../../data/library/groupSplit.ts';
import { groupsOf, type AlbumRecord, type GroupRecord, type Library } from '../../data/library/librarySchema.ts';
import { albumPhotos } from '../../data/library/smartRules.ts';
import { putAlbum } from './displayWrites.ts';
import { currentListOf } from './displayLists.ts';
import { clearGroupClock, putGroupClock, wantedGroupClock } from './groupClock.ts';

/** Whether any display or group shows the album, i.e. whether a change to it must reach etcd. */
export function albumIsShown(library: Library, albumId: string): boolean {
  return library.displays.some((d) => d.albumId === albumId) || groupsOf(library).some((g) => g.albumId === albumId && g.displayIds.length > 0);
}

/**
 * Album membership is live, as in the original: when an album's photos
 * change, every display showing it gets the new list (a smart album's
 * current matches; a viewer keeps its current photo when it is still in the
 * list), and every group showing it is split again. A display whose list is
 * already right is not written. Returns the displays whose list changed.
 */
export async function publishAlbum(client: Etcd3, library: Library, album: AlbumRecord): Promise<string[]> {
  const written: string[] = [];
  const photos = albumPhotos(library, album);
  for (const display of library.displays) {
    if (display.albumId !== album.id) continue;
    if (await putAlbum(client, display.id, { ...album, photos })) written.push(display.id);
  }
  for (const group of groupsOf(library)) if (group.albumId === album.id) written.push(...(await publishGroup(client, library, group)));
  return written;
}

/**
 * A group (the original's frameset) shares one album: each member gets its
 * own part, the parts differing in size by at most one and no photo on two
 * members. Returns the displays whose list changed.
 */
export async function publishGroup(client: Etcd3, library: Library, group: GroupRecord, random: () => number = Math.random): Promise<string[]> {
  const album = group.albumId === null ? undefined : library.albums.find((a) => a.id === group.albumId);
  if (!album) return [];
  const photos = albumPhotos(library, album);
  if ((group.mode ?? 'split') === 'same') {
    // Every member the whole album, on the schedule they share; the clock first, each member's images last.
    await putGroupClock(client, group.displayIds, await wantedGroupClock(client, group));
    const written: string[] = [];
    for (const displayId of group.displayIds) if (await putAlbum(client, displayId, { ...album, photos })) written.push(displayId);
    return written;
  }
  // A split group's members keep their own time.
  await clearGroupClock(client, group.displayIds);
  // Members that already hold a fair split of these very photos keep it: dealing again would only
  // reorder their lists (a needless write an original viewer may act on) and report a change that is none.
  const current = await currentParts(client, group.displayIds);
  const parts = isFairSplit(current, photos) ? current : splitAmong(photos, group.displayIds, random);
  const written: string[] = [];
  // putAlbum writes the album's own list; each member is given the album with its share as the list.
  for (const [displayId, part] of parts) if (await putAlbum(client, displayId, { ...album, photos: part })) written.push(displayId);
  return written;
}

/** Each member's whole list (a large one from its manifest); a missing or unreadable list counts as none. */
async function currentParts(client: Etcd3, displayIds: readonly string[]): Promise<Map<string, string[]>> {
  const parts = new Map<string, string[]>();
  for (const id of displayIds) parts.set(id, await currentListOf(client, id));
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
