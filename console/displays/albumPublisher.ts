import type { Etcd3 } from 'etcd3';
import type { AlbumRecord, Library } from '../../data/library/librarySchema.ts';
import { putAlbum } from './displayWrites.ts';

/** The displays the library has given this album. */
export function displaysShowing(library: Library, albumId: string): string[] {
  return library.displays.filter((display) => display.albumId === albumId).map((display) => display.id);
}

/**
 * Album membership is live, as in the original: when an album's photos
 * change, every display showing it gets the new list (a viewer keeps its
 * current photo when that photo is still in it). A display whose list is
 * already the album's is not written. Returns the displays whose list changed.
 */
export async function publishAlbum(client: Etcd3, library: Library, album: AlbumRecord): Promise<string[]> {
  const updated: string[] = [];
  for (const displayId of displaysShowing(library, album.id)) {
    if (await putAlbum(client, displayId, album)) updated.push(displayId);
  }
  return updated;
}
