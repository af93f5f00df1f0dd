/**
 * The shape of the library file. `version` lets a later release migrate old
 * files forward; a file from a newer release is refused rather than damaged.
 */
import type { Place } from '../places/reverseGeocoder.ts';
import type { SmartRule } from './smartRules.ts';

/**
 * 4: photos may be `preparing` (recorded, not yet decode-checked) or `failed`.
 * An older photoframe refuses such a library rather than show unchecked photos.
 */
export const SCHEMA_VERSION = 4;
/** From this version on, photos live in their own file beside the library file (see libraryStore). */
export const SPLIT_SINCE_VERSION = 3;

export interface PhotoRecord {
  /** Content-addressed: a prefix of the SHA-256 of the file plus its format's extension. */
  name: string;
  sha256: string;
  format: string;
  /** As displayed, i.e. after EXIF orientation is applied. */
  width: number;
  height: number;
  /** EXIF orientation tag (1–8), 1 when absent. */
  orientation: number;
  /** EXIF DateTimeOriginal as a local time without zone (`2024-05-01T14:03:00`); the file time when absent. */
  takenAt: string | null;
  /** The offset of takenAt (`+02:00`), null when unknown. Since schema 2. */
  takenAtOffset: string | null;
  /** Whether takenAt came from the camera or the file time; null for photos from schema 1. */
  takenAtSource: 'exif' | 'file' | null;
  /** Horizontal, vertical or square after rotation. Since schema 2. */
  shape: PhotoShape;
  camera: string | null;
  gps: { latitude: number; longitude: number } | null;
  /**
   * The town nearest to `gps`, resolved offline at import (data/places); null
   * when there is no position or no town near it; absent in a record never
   * located yet (`photos locate`, or the next import, fills it).
   */
  place?: Place | null;
  /** From XMP/IPTC at import; the user may edit them. */
  title: string | null;
  keywords: string[];
  bytes: number;
  importedAt: string;
  /** Every path this content was imported from. */
  sources: string[];
  /**
   * `size:mtimeMs` of each source when it was imported, so a rerun skips a
   * file it already has without reading it. Since schema 2.
   */
  sourceStamps: Record<string, string>;
  /** `copy`: photos/ holds a copy; `in-place`: photos/ holds a link to the original where it was. */
  storage: 'copy' | 'in-place';
  /**
   * Absent: ready (decode-checked; every record from before schema 4 is).
   * `preparing`: recorded by the import's foreground, its full decode check,
   * thumbnail and renditions still to come (data/preparation). `failed`: the
   * check found it corrupt or truncated; kept out of every display list.
   * Since schema 4.
   */
  state?: PhotoState;
  /** Why it failed its check, one line; only with state `failed`. */
  failure?: string;
}

export type PhotoState = 'preparing' | 'failed';

export interface AlbumRecord {
  id: string;
  name: string;
  /** Photo names in showing order; for a smart album, unused (its rule decides). */
  photos: string[];
  createdAt: string;
  /** Present on smart albums: the conditions a photo must meet (see smartRules.ts). */
  rule?: SmartRule;
}

export interface DisplayRecord {
  id: string;
  name: string;
  albumId: string | null;
  hostname: string | null;
  addedAt: string;
  /** Free disk space an original viewer reported when it last registered (serve --legacy-viewers). */
  freeBytes?: number | null;
  lastRegisteredAt?: string;
}

/**
 * How a group's members share its album: `split` deals it among them (no
 * photo on two members, the original's frameset); `same` gives every member
 * the whole album.
 */
export type GroupMode = 'split' | 'same';

/**
 * A display group (the original's "frameset"): displays sharing one album,
 * which is split among them so no photo shows on two at once, or shown whole
 * on each (see GroupMode). A member's own `albumId` stays null: the group
 * decides what it shows.
 */
export interface GroupRecord {
  id: string;
  name: string;
  albumId: string | null;
  displayIds: string[];
  createdAt: string;
  /** split: the album divided among the members; same: every member the whole album, in unison. Absent: split. */
  mode?: GroupMode;
}

export interface Library {
  version: number;
  photos: Record<string, PhotoRecord>;
  albums: AlbumRecord[];
  displays: DisplayRecord[];
  /** Absent in files that never had a group; `groupsOf` reads it either way. */
  groups?: GroupRecord[];
}

export function groupsOf(library: Library): GroupRecord[] {
  return library.groups ?? [];
}

export function emptyLibrary(): Library {
  return { version: SCHEMA_VERSION, photos: {}, albums: [], displays: [] };
}

/** Brings a parsed library file to the current schema, or explains why it cannot. */
export function migrateLibrary(raw: unknown, path: string): Library {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`library ${path} is not a JSON object`);
  }
  const data = raw as Partial<Library>;
  if (typeof data.version !== 'number') throw new Error(`library ${path} has no schema version`);
  if (data.version > SCHEMA_VERSION) {
    throw new Error(`library ${path} has schema version ${data.version}, newer than this photoframe (${SCHEMA_VERSION}); upgrade photoframe`);
  }
  // Photos have had their current shape since version 2; only older ones need a pass (100,000 of them cost a visible pause).
  let photos = data.photos ?? {};
  if (data.version < 2) {
    photos = {};
    for (const [name, photo] of Object.entries(data.photos ?? {})) photos[name] = migratePhoto(photo);
  }
  return {
    version: SCHEMA_VERSION,
    photos,
    albums: data.albums ?? [],
    displays: data.displays ?? [],
    ...(data.groups ? { groups: data.groups } : {}),
  };
}

export type PhotoShape = 'H' | 'V' | 'S';

/** Square within 2 %, else horizontal or vertical: what a frame layout asks for. */
export function shapeOf(width: number, height: number): PhotoShape {
  if (Math.abs(width - height) <= 0.02 * Math.max(width, height)) return 'S';
  return width > height ? 'H' : 'V';
}

/**
 * Schema 1 photos lack the fields added in 2; fill them with what is known
 * without reading the file again (a re-import fills the rest).
 */
function migratePhoto(photo: PhotoRecord): PhotoRecord {
  const width = photo.width ?? 0;
  const height = photo.height ?? 0;
  return {
    ...photo,
    takenAtOffset: photo.takenAtOffset ?? null,
    takenAtSource: photo.takenAtSource ?? (photo.takenAt ? 'exif' : null),
    shape: shapeOf(width, height),
    camera: photo.camera ?? null,
    gps: photo.gps ?? null,
    title: photo.title ?? null,
    keywords: photo.keywords ?? [],
    sourceStamps: {},
    storage: photo.storage ?? 'copy',
  };
}
