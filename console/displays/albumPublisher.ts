import type { Etcd3 } from 'etcd3';
import { splitAmong } from '../../data/library/groupSplit.ts';
import { groupsOf, type AlbumRecord, type GroupRecord, type Library } from '../../data/library/librarySchema.ts';
import { albumPhotos } from '../../data/library/smartRules.ts';
import { displayablePhotos } from '../../data/library/photoReadiness.ts';
import { etcdWriteLimitsFromEnv, type EtcdWriteLimits } from '../../common/etcd/etcdWriteLimits.ts';
import { displayKey } from '../../common/protocol/displayKeys.ts';
import { encodeTopic } from '../../common/protocol/topicRegistry.ts';
import { UserError } from '../../common/userError.ts';
import type { ManifestStore } from '../manifests/manifestStore.ts';
import { wholeListOf } from './displayLists.ts';
import { imagesWriting, type ImagesWriting } from './displayWrites.ts';
import type { DisplayWrites, FanoutPlan, KeyWrite } from './fanoutPlan.ts';
import { readKeys, writeFanout } from './fanoutWriter.ts';
import { clearGroupClock, putGroupClock, readGroupClocks, wantedGroupClock } from './groupClock.ts';
import { imagesWire, imagesWireOf, listWire, type ListWire } from './imagesWire.ts';

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
  // Photos still preparing (or failed) stay out until the preparation queue marks them ready and publishes again.
  const photos = displayablePhotos(library, albumPhotos(library, album));
  const displays = library.displays.filter((display) => display.albumId === album.id).map((display) => display.id);
  const groups = groupsOf(library).filter((group) => group.albumId === album.id && group.displayIds.length > 0);
  const lists = new AlbumLists(imagesWriting());
  const current = await readAlbumKeys(client, [...displays, ...groups.flatMap((group) => group.displayIds)], photos, limits, lists.writing);
  // A group's share wins over a display's own album, as it did when the group was written after it.
  const desired = new Map<string, DisplayWrites>(displays.map((id) => [id, lists.albumWrites(id, album, photos)]));
  for (const group of groups) {
    await alignGroupClock(client, group, limits);
    for (const writes of await groupWrites(group, album, photos, current, lists)) desired.set(writes.displayId, writes);
  }
  await lists.saveManifests();
  return listsWritten(await writeFanout(client, [...desired.values()], limits, current));
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
  const photos = displayablePhotos(library, albumPhotos(library, album));
  const lists = new AlbumLists(imagesWriting());
  // The schedule is aligned while the lists are read (different keys): both are done before any list is written.
  const [current] = await Promise.all([readAlbumKeys(client, group.displayIds, photos, limits, lists.writing), alignGroupClock(client, group, limits)]);
  const desired = await groupWrites(group, album, photos, current, lists, random);
  await lists.saveManifests();
  return listsWritten(await writeFanout(client, desired, limits, current));
}

/**
 * Gives these displays the album (`display set A B … album=…`, the albums
 * view's "another album first"): its key, then the list, through one
 * fan-out, so many displays cost a few transactions and a display already
 * showing it is not written. Returns the displays whose list changed.
 */
export async function giveAlbum(
  client: Etcd3,
  displayIds: readonly string[],
  album: AlbumRecord,
  photos: readonly string[],
  limits: EtcdWriteLimits = etcdWriteLimitsFromEnv(process.env),
): Promise<string[]> {
  const ids = [...new Set(displayIds)];
  const lists = new AlbumLists(imagesWriting());
  const current = await readAlbumKeys(client, ids, photos, limits, lists.writing);
  const desired = ids.map((id) => lists.albumWrites(id, album, photos));
  await lists.saveManifests();
  return listsWritten(await writeFanout(client, desired, limits, current));
}

// What a leaving display's list is read as: a member's share is typically this or less; a larger one only makes a batch's answer larger.
const LEAVING_LIST_EXPECT_BYTES = 16 * 1024;

/**
 * Displays that left a group keep nothing of its album: each gets an empty
 * `images` and loses any manifest key after it, as putImages(id, []) did one
 * display at a time, now in one fan-out (a group of 1,000 leaving costs what
 * one joining does). A display whose list is empty already is not written.
 * Returns the displays whose list changed.
 */
export async function clearLists(client: Etcd3, displayIds: readonly string[], limits: EtcdWriteLimits = etcdWriteLimitsFromEnv(process.env)): Promise<string[]> {
  const ids = [...new Set(displayIds)];
  if (ids.length === 0) return [];
  const writing = imagesWriting();
  const desired: DisplayWrites[] = ids.map((id) => {
    const wire = imagesWire(id, [], writing.limits);
    if (wire.kind !== 'plain') throw new Error('an empty list always fits one etcd value');
    return { displayId: id, writes: [wire.images, { key: wire.manifestKey, value: null }] };
  });
  const current = await readKeys(
    client,
    ids.flatMap((id) => [
      { key: displayKey(id, 'images_manifest'), expectBytes: 256 },
      { key: displayKey(id, 'images'), expectBytes: LEAVING_LIST_EXPECT_BYTES },
    ]),
    limits,
  );
  return listsWritten(await writeFanout(client, desired, limits, current));
}

/**
 * A same group's members share a schedule (group_clock), written before their
 * lists so a member never takes the whole album on its own timer; a split
 * group's members keep their own time.
 */
async function alignGroupClock(client: Etcd3, group: GroupRecord, limits: EtcdWriteLimits): Promise<void> {
  if ((group.mode ?? 'split') !== 'same') return clearGroupClock(client, group.displayIds);
  // Read once, in batched transactions: both what the clock should be and which members lack it follow from it.
  const held = await readGroupClocks(client, group.displayIds, limits);
  await putGroupClock(client, group.displayIds, await wantedGroupClock(client, group, Date.now(), held, limits), held);
}

/** What each member of the group should hold: its share (split) or the whole album (same). */
async function groupWrites(
  group: GroupRecord,
  album: AlbumRecord,
  photos: readonly string[],
  current: ReadonlyMap<string, string>,
  lists: AlbumLists,
  random: () => number = Math.random,
): Promise<DisplayWrites[]> {
  if ((group.mode ?? 'split') === 'same') return group.displayIds.map((id) => lists.albumWrites(id, album, photos));
  // Members that already hold a fair split of these very photos keep it: dealing again would only
  // reorder their lists (a needless write an original viewer may act on) and report a change that is none.
  const held = await currentParts(current, group.displayIds, lists.writing.store);
  const parts = isFairSplit(held, photos) ? held : splitAmong(photos, group.displayIds, random);
  return [...parts].map(([id, part]) => lists.albumWrites(id, album, part));
}

/**
 * The writes that give displays an album, through imagesWire: a list that
 * fits one etcd value as it always was (and any manifest key deleted after
 * it); a larger one as a manifest, named before the sample in `images`. The
 * manifests are kept here until saved, once each, before any transaction
 * names them.
 */
class AlbumLists {
  private readonly manifests = new Map<string, () => Promise<void>>();
  /** Per list given out: a `same` group hands every member the one array, encoded once. */
  private readonly wires = new Map<readonly string[], ListWire>();

  constructor(readonly writing: ImagesWriting) {}

  /** The album key, then the list: `images_manifest` before `images`, which goes last (or before the manifest's delete). */
  albumWrites(displayId: string, album: AlbumRecord, photos: readonly string[]): DisplayWrites {
    const albumRef = encodeTopic(displayId, 'album', { id: album.id, name: album.name });
    let list = this.wires.get(photos);
    if (!list) this.wires.set(photos, (list = listWire(photos, this.writing.limits)));
    const wire = imagesWireOf(displayId, list);
    let writes: KeyWrite[];
    if (wire.kind === 'plain') {
      writes = [albumRef, wire.images, { key: wire.manifestKey, value: null }];
    } else {
      const store = this.writing.store;
      if (!store) throw new UserError(`cannot give display ${displayId} a list of ${wire.ref.count} photos: it needs a manifest, and no manifest folder is set`);
      this.manifests.set(wire.ref.sha256, () => store.save(wire.body, wire.ref));
      writes = [albumRef, wire.manifest, wire.images];
    }
    return { displayId, writes };
  }

  async saveManifests(): Promise<void> {
    for (const save of this.manifests.values()) await save();
  }
}

/** The album and images keys of these displays as etcd holds them, in a few batched reads. */
function readAlbumKeys(client: Etcd3, displayIds: readonly string[], photos: readonly string[], limits: EtcdWriteLimits, writing: ImagesWriting): Promise<Map<string, string>> {
  // A member's list is at most the album's, and never past the inline bound (beyond it, `images` is a sample):
  // sized so, a batch's answer stays within a request's size.
  const listBytes = Math.min(Buffer.byteLength(encodeTopic('x', 'images', [...photos]).value), writing.limits.maxInlineBytes);
  return readKeys(
    client,
    displayIds.flatMap((id) => [
      { key: displayKey(id, 'album'), expectBytes: 256 },
      { key: displayKey(id, 'images_manifest'), expectBytes: 256 },
      { key: displayKey(id, 'images'), expectBytes: listBytes },
    ]),
    limits,
  );
}

/** The displays whose list changed: its `images`, or the manifest that holds it. */
function listsWritten(plan: FanoutPlan): string[] {
  return [...plan.changed].filter(([id, keys]) => keys.includes(displayKey(id, 'images')) || keys.includes(displayKey(id, 'images_manifest'))).map(([id]) => id);
}

/** Each member's whole list as etcd holds it (a large one from its manifest); a missing or unreadable list counts as none. */
async function currentParts(current: ReadonlyMap<string, string>, displayIds: readonly string[], store: ManifestStore | null): Promise<Map<string, string[]>> {
  const parts = new Map<string, string[]>();
  for (const id of displayIds) {
    parts.set(id, await wholeListOf(current.get(displayKey(id, 'images_manifest')) ?? null, current.get(displayKey(id, 'images')) ?? null, store));
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
