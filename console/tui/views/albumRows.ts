import type { AlbumRecord, Library } from '../../../data/library/librarySchema.ts';
import { readinessCounts } from '../../../data/library/photoReadiness.ts';
import { albumPhotos } from '../../../data/library/smartRules.ts';
import type { Cell } from '../widgets/columns.ts';

export interface AlbumRow {
  album: AlbumRecord;
  kind: 'manual' | 'smart';
  /** Every photo of the album, ready or not. */
  photos: number;
  /** Of those, still waiting for their check in the background: not on the displays yet. */
  preparing: number;
  /** Of those, found corrupt by their check: never on the displays. */
  failed: number;
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
    rows = library.albums.map((album) => {
      const names = albumPhotos(library, album);
      const { preparing, failed } = readinessCounts(library, names);
      return {
        album,
        kind: album.rule ? 'smart' : 'manual',
        photos: names.length,
        preparing,
        failed,
        displays: library.displays.filter((d) => d.albumId === album.id).length,
      };
    });
    cache.set(library, rows);
  }
  return rows;
}

/** `120`, or `120, 30 preparing` while the queue works on some, `120, 2 failed` for those it found corrupt. */
export function albumCountCell(row: Pick<AlbumRow, 'photos' | 'preparing' | 'failed'>): Cell {
  const parts = [String(row.photos)];
  if (row.preparing > 0) parts.push(`${row.preparing} preparing`);
  if (row.failed > 0) parts.push(`${row.failed} failed`);
  if (parts.length === 1) return parts[0]!;
  return { text: parts.join(', '), tone: row.failed > 0 ? 'bad' : 'warn' };
}
