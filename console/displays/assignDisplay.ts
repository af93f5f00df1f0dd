import type { Etcd3 } from 'etcd3';
import { settingFromText, type DisplaySettings } from '../../common/protocol/codecs/settingsCodec.ts';
import { UserError } from '../../common/userError.ts';
import { findAlbum } from '../../data/library/albums.ts';
import { albumPhotos } from '../../data/library/smartRules.ts';
import { displayablePhotos } from '../../data/library/photoReadiness.ts';
import { findDisplay, rememberDisplay } from '../../data/library/displays.ts';
import type { AlbumRecord, Library } from '../../data/library/librarySchema.ts';
import type { LibraryStore } from '../../data/library/libraryStore.ts';
import { readEtcdDisplays } from './displayDirectory.ts';
import { putAlbum, putSettings } from './displayWrites.ts';
import { requireReachableImageServer } from './imageServerCheck.ts';

export interface DisplayChange {
  album?: string;
  settings: Partial<DisplaySettings>;
}

/** Turns `album=Family interval_time=30` into a checked change, or a UserError naming the bad word. */
export function parseDisplayChange(assignments: readonly [string, string][]): DisplayChange {
  const change: DisplayChange = { settings: {} };
  if (assignments.length === 0) {
    throw new UserError('nothing to set: give album=<album> and/or settings such as interval_time=30');
  }
  for (const [key, value] of assignments) {
    if (key === 'album') {
      if (value.trim() === '') throw new UserError('album= is empty: give an album name (see `photoframe albums`)');
      change.album = value;
      continue;
    }
    const parsed = settingFromText(key, value);
    if (!parsed.ok) throw new UserError(parsed.error);
    (change.settings as Record<string, unknown>)[parsed.value[0]] = parsed.value[1];
  }
  return change;
}

export interface AssignmentResult {
  displayId: string;
  displayName: string;
  album: AlbumRecord | null;
  settings: DisplaySettings | null;
}


/**
 * Points a display at an album and/or changes its settings. Everything is
 * checked first; then settings, album and images go to etcd (see
 * writeDisplayKeys); then the library records the assignment.
 */
export async function assignDisplay(client: Etcd3, store: LibraryStore, displayRef: string, change: DisplayChange): Promise<AssignmentResult> {
  const library = await store.read();
  const etcdDisplays = await readEtcdDisplays(client);
  const display = resolveDisplay(library, etcdDisplays.announcements, displayRef);
  let album: AlbumRecord | null = null;
  if (change.album !== undefined) {
    album = findAlbum(library, change.album) ?? null;
    if (!album) {
      const names = library.albums.map((a) => a.name);
      throw new UserError(
        `unknown album "${change.album}"; ${names.length ? `albums are: ${names.join(', ')}` : 'there are no albums yet: import some with `photoframe import DIR --album NAME`'}`,
      );
    }
    await requireReachableImageServer(client);
  }

  const newName = typeof change.settings.name === 'string' && change.settings.name !== '' ? change.settings.name : undefined;
  // The etcd write happens under the library lock, inside the library update: if the
  // library cannot be written (no folder, no space) etcd is not touched either, and
  // if etcd refuses, the library is left as it was.
  let writtenSettings: DisplaySettings | null = null;
  const stored = await store.update(async (lib) => {
    // The album as it is now, under the lock: an import that finished meanwhile must not be undone.
    // A smart album shows its current matches.
    if (album) album = findAlbum(lib, album.id) ?? album;
    writtenSettings = await writeDisplayKeys(client, display, album && { ...album, photos: displayablePhotos(lib, albumPhotos(lib, album)) }, change);
    const record = rememberDisplay(lib, { id: display.id, hostname: display.hostname, name: newName ?? display.name });
    if (album) record.albumId = album.id;
    return record;
  });
  return { displayId: stored.id, displayName: stored.name, album, settings: writtenSettings };
}

/**
 * Settings first (merged under the revision guard), then the album and its
 * images last, each in its own put: an original viewer that only hears the
 * first key of a transaction still gets every change.
 */
async function writeDisplayKeys(client: Etcd3, display: ResolvedDisplay, album: AlbumRecord | null, change: DisplayChange): Promise<DisplaySettings | null> {
  const settings = Object.keys(change.settings).length > 0 ? await putSettings(client, display.id, display.name, change.settings) : null;
  if (album) await putAlbum(client, display.id, album);
  return settings;
}

interface ResolvedDisplay {
  id: string;
  name: string;
  hostname: string | null;
}

function resolveDisplay(library: Library, announced: Map<string, { hostname: string }>, ref: string): ResolvedDisplay {
  const known = findDisplay(library, ref);
  if (known) return { id: known.id, name: known.name, hostname: known.hostname };
  const announcement = announced.get(ref);
  if (announcement) return { id: ref, name: announcement.hostname || ref, hostname: announcement.hostname };
  const announcedOnly = [...announced].filter(([id]) => !library.displays.some((d) => d.id === id));
  const names = [...library.displays.map((d) => d.name), ...announcedOnly.map(([id, a]) => (a.hostname ? `${a.hostname} (${id})` : id))];
  throw new UserError(
    `unknown display "${ref}"; ${names.length ? `known displays: ${names.join(', ')}` : 'no display has announced itself yet: start `photoframe viewer` on one'} (see \`photoframe displays\`)`,
  );
}
