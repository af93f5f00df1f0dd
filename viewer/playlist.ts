/**
 * Which photo a display shows. Pure state transitions; the viewer turns the
 * result into drawing.
 */
export interface Playlist {
  images: readonly string[];
  index: number;
}

export const EMPTY_PLAYLIST: Playlist = { images: [], index: 0 };

export function currentImage(playlist: Playlist): string | null {
  return playlist.images[playlist.index] ?? null;
}

/**
 * A new list from the console starts at its first photo, so an assignment is
 * visible at once; the same list again (a re-publish) keeps the place.
 */
export function withImages(playlist: Playlist, images: readonly string[]): Playlist {
  if (sameList(playlist.images, images)) return playlist;
  return { images: [...images], index: 0 };
}

export function step(playlist: Playlist, direction: 'next' | 'back'): Playlist {
  const count = playlist.images.length;
  if (count === 0) return playlist;
  const delta = direction === 'next' ? 1 : -1;
  return { images: playlist.images, index: (playlist.index + delta + count) % count };
}

export function upcomingImage(playlist: Playlist): string | null {
  if (playlist.images.length < 2) return null;
  return currentImage(step(playlist, 'next'));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
