import type { Library, PhotoRecord } from '../../data/library/librarySchema.ts';
import { albumPhotos, photoSearchText } from '../../data/library/smartRules.ts';

/** The file name a photo was imported as: what a person recognises. */
export function photoFileName(photo: PhotoRecord): string {
  const source = photo.sources[0] ?? photo.name;
  return source.slice(source.lastIndexOf('/') + 1);
}

/** The photos of an album (or of the library), looked up once per library object. */
const baseCache = new WeakMap<Library, Map<string, PhotoRecord[]>>();
export function basePhotos(library: Library, albumId: string | null): PhotoRecord[] {
  let perAlbum = baseCache.get(library);
  if (!perAlbum) baseCache.set(library, (perAlbum = new Map()));
  const key = albumId ?? '';
  let rows = perAlbum.get(key);
  if (!rows) {
    const album = albumId === null ? undefined : library.albums.find((a) => a.id === albumId);
    rows = album ? albumPhotos(library, album).flatMap((name) => library.photos[name] ?? []) : Object.values(library.photos);
    perAlbum.set(key, rows);
  }
  return rows;
}

const textsOf = new WeakMap<readonly PhotoRecord[], string[]>();

/** Photos whose name or source paths contain the text, case-insensitively. */
export function filterPhotos(rows: readonly PhotoRecord[], text: string): readonly PhotoRecord[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return rows;
  // A list filtered again and again (each keystroke) keeps its search texts side by side with it.
  let texts = textsOf.get(rows);
  if (!texts) textsOf.set(rows, (texts = rows.map(photoSearchText)));
  const result: PhotoRecord[] = [];
  for (let i = 0; i < rows.length; i++) if (texts[i]!.includes(needle)) result.push(rows[i]!);
  return result;
}
