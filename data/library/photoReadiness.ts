/**
 * Whether a photo may be shown. The import records a photo before anything
 * decodes it (state `preparing`); the preparation queue then checks it in
 * full and marks it ready (no state) or `failed`. Only ready photos reach a
 * display's list: a truncated file must never be handed to a viewer.
 */
import type { Library, PhotoRecord } from './librarySchema.ts';

export interface ReadinessCounts {
  ready: number;
  preparing: number;
  failed: number;
}

export function isReady(photo: PhotoRecord): boolean {
  return photo.state === undefined;
}

/** How many of these photos (all the library's when no names are given) are ready, preparing or failed. Unknown names are not counted. */
export function readinessCounts(library: Library, names?: Iterable<string>): ReadinessCounts {
  const counts: ReadinessCounts = { ready: 0, preparing: 0, failed: 0 };
  const photos = names === undefined ? Object.values(library.photos) : [...names].flatMap((name) => library.photos[name] ?? []);
  for (const photo of photos) {
    if (photo.state === 'preparing') counts.preparing++;
    else if (photo.state === 'failed') counts.failed++;
    else counts.ready++;
  }
  return counts;
}

/**
 * The names a display may be given, in their order: those of photos still
 * preparing or failed are left out. A name the library has no record of is
 * kept, as lists always kept them (the image server answers it 404); this
 * filter decides readiness only.
 */
export function displayablePhotos(library: Library, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    const photo = library.photos[name];
    if (photo === undefined || photo.state === undefined) out.push(name);
  }
  return out;
}

/** The names of photos still waiting for their check, in no particular order. */
export function preparingPhotos(library: Library): string[] {
  const out: string[] = [];
  for (const [name, photo] of Object.entries(library.photos)) if (photo.state === 'preparing') out.push(name);
  return out;
}
