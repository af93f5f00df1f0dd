import type { AlbumRecord, Library } from '../../../data/library/librarySchema.ts';
import { albumPhotos } from '../../../data/library/smartRules.ts';

export interface AlbumRow {
  album: AlbumRecord;
  kind: 'manual' | 'smart';
  photos: number;
  displays: number;
}

/**
 * Album rows with their counts. A smart album's count means evaluating its
 * rule over the whole library, so counts are kept per library object and
 * only recomputed when the library changes.
 */
const cache = new WeakMap<Library, AlbumRow[]>();

export function albumRows(library: Library): AlbumRow[] {
  let rows = cache.get(library);
  if (!rows) {
    rows = library.albums.map((album) => ({
      album,
      kind: album.rule ? 'smart' : 'manual',
      photos: albumPhotos(library, album).length,
      displays: library.displays.filter((d) => d.albumId === album.id).length,
    }));
    cache.set(library, rows);
  }
  return rows;
}
