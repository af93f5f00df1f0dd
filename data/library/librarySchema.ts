/**
 * The shape of the library file. `version` lets a later release migrate old
 * files forward; a file from a newer release is refused rather than damaged.
 */
import type { SmartRule } from './smartRules.ts';

export const SCHEMA_VERSION = 1;

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
  /** EXIF DateTimeOriginal as a local time without zone (`2024-05-01T14:03:00`), null if absent. */
  takenAt: string | null;
  bytes: number;
  importedAt: string;
  /** Every path this content was imported from. */
  sources: string[];
}

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
 * A display group (the original's "frameset"): displays sharing one album,
 * which is split among them so no photo shows on two at once. A member's own
 * `albumId` stays null: the group decides what it shows.
 */
export interface GroupRecord {
  id: string;
  name: string;
  albumId: string | null;
  displayIds: string[];
  createdAt: string;
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
  // Version 1 is the first schema: nothing to migrate yet, only gaps to fill.
  return {
    version: SCHEMA_VERSION,
    photos: data.photos ?? {},
    albums: data.albums ?? [],
    displays: data.displays ?? [],
    ...(data.groups ? { groups: data.groups } : {}),
  };
}
