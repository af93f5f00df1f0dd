import type { Library, PhotoRecord } from '../../data/library/librarySchema.ts';
import { photoFileName } from './photoList.ts';

/**
 * What a person calls a photo: the file name it was imported as. Where two
 * photos of the library share a file name (`sample-1.jpg` from two
 * folders), the start of the content hash tells them apart. Scripts get the
 * hash itself (`--json`).
 */
export const HASH_SHOWN = 6;

/**
 * The file names (lower-cased) that more than one photo has. Kept per photos
 * object: the library hub hands every session the same photos object until a
 * photo changes, so an album edit does not pay for a pass over 100,000 photos.
 */
const clashesOf = new WeakMap<Record<string, PhotoRecord>, Set<string>>();

function clashes(photos: Record<string, PhotoRecord>): Set<string> {
  let clashing = clashesOf.get(photos);
  if (clashing) return clashing;
  const seen = new Set<string>();
  clashing = new Set();
  for (const name in photos) {
    const file = photoFileName(photos[name]!).toLowerCase();
    if (seen.has(file)) clashing.add(file);
    else seen.add(file);
  }
  clashesOf.set(photos, clashing);
  return clashing;
}

/** The photo's file name, with its hash's start only when another photo has the same file name; unknown names as given. */
export function photoLabel(library: Library, name: string): string {
  const photo = Object.hasOwn(library.photos, name) ? library.photos[name] : undefined;
  if (!photo) return name;
  const file = photoFileName(photo);
  return clashes(library.photos).has(file.toLowerCase()) ? `${file} (${name.slice(0, HASH_SHOWN)})` : file;
}
