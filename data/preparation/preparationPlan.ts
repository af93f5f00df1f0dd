/**
 * What the preparation queue does next, decided from the library alone (the
 * library is the queue: a photo recorded `preparing` is work to do, so a
 * kill -9 loses nothing). Pure.
 */
import { groupsOf, type Library, type PhotoRecord } from '../library/librarySchema.ts';
import { isReady } from '../library/photoReadiness.ts';
import { albumPhotos } from '../library/smartRules.ts';
import { snapToLadder, type Size } from '../renditions/sizeLadder.ts';
import { MAX_RENDITION_INPUT_PIXELS } from '../renditions/renditions.ts';

/** Displays that never said their screen size still ask at 1080p: the viewer's default screen. */
export const DEFAULT_DISPLAY_SIZE: Size = { width: 1920, height: 1080 };

export interface PreparationJob {
  name: string;
  /** Upright, as recorded from the header: they bound the thumbnail's decode. */
  width: number;
  height: number;
  /** The ladder rungs the image server would serve this photo at for the display sizes in use; smallest first. */
  rungs: Size[];
}

/**
 * The photos still preparing, those some display or group shows first (a
 * display waits for them), then in the order they were imported.
 */
export function planPreparation(library: Library, sizes: readonly Size[]): PreparationJob[] {
  const waiting = Object.values(library.photos).filter((photo) => photo.state === 'preparing');
  if (waiting.length === 0) return [];
  const shown = shownPhotos(library);
  waiting.sort((a, b) => Number(shown.has(b.name)) - Number(shown.has(a.name)) || a.importedAt.localeCompare(b.importedAt) || a.name.localeCompare(b.name));
  return waiting.map((photo) => ({ name: photo.name, width: photo.width, height: photo.height, rungs: rungsFor(photo, sizes) }));
}

export interface RenditionJob {
  name: string;
  rungs: Size[];
}

/**
 * The rendition pass: the ready photos of albums some display or group shows,
 * each with the rungs their displays would ask for (whether a file is there
 * already is the files' business: renderPhoto makes only the missing ones).
 * Only shown photos: those are the renditions the image server keeps out of
 * its bounded cache's eviction, so disk use follows what the displays show.
 */
export function planRenditions(library: Library, sizes: readonly Size[]): RenditionJob[] {
  const jobs: RenditionJob[] = [];
  for (const name of shownPhotos(library)) {
    const photo = library.photos[name];
    if (!photo || !isReady(photo)) continue;
    const rungs = rungsFor(photo, sizes);
    if (rungs.length > 0) jobs.push({ name, rungs });
  }
  return jobs;
}

/**
 * The rungs a request from each of these screens snaps to for this photo
 * (as the image server snaps it), each once. None for a photo too large for
 * the image server to make renditions of: it would refuse them too.
 */
export function rungsFor(photo: Pick<PhotoRecord, 'width' | 'height'>, sizes: readonly Size[]): Size[] {
  if (photo.width * photo.height > MAX_RENDITION_INPUT_PIXELS) return [];
  const rungs = new Map<string, Size>();
  for (const size of sizes.length > 0 ? sizes : [DEFAULT_DISPLAY_SIZE]) {
    const rung = snapToLadder(size, photo);
    rungs.set(`${rung.width}x${rung.height}`, rung);
  }
  return [...rungs.values()].sort((a, b) => a.width * a.height - b.width * b.height);
}

/** The screen sizes displays announced, each once; the default when none did. */
export function sizesInUse(screens: Iterable<Size | null | undefined>): Size[] {
  const sizes = new Map<string, Size>();
  for (const screen of screens) {
    if (screen && screen.width > 0 && screen.height > 0) sizes.set(`${screen.width}x${screen.height}`, { width: screen.width, height: screen.height });
  }
  return sizes.size > 0 ? [...sizes.values()] : [DEFAULT_DISPLAY_SIZE];
}

/** Names in any album a display or a group with members shows (a smart album's current matches). */
export function shownPhotos(library: Library): Set<string> {
  const shownAlbums = new Set<string>();
  for (const display of library.displays) if (display.albumId) shownAlbums.add(display.albumId);
  for (const group of groupsOf(library)) if (group.albumId && group.displayIds.length > 0) shownAlbums.add(group.albumId);
  const names = new Set<string>();
  for (const album of library.albums) {
    if (!shownAlbums.has(album.id)) continue;
    for (const name of albumPhotos(library, album)) names.add(name);
  }
  return names;
}

/** Whether any of these newly ready photos is in a shown album: then the displays' lists must be published again. */
export function touchesShownAlbum(library: Library, names: readonly string[]): boolean {
  if (names.length === 0) return false;
  const shown = shownPhotos(library);
  return names.some((name) => shown.has(name));
}
