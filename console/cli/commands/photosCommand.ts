import { homePaths } from '../../../common/homePaths.ts';
import { requireAlbum } from '../../../data/library/albums.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { basePhotos, filterPhotos, photoFileName } from '../../library/photoList.ts';
import { stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';
import { printTable } from '../printTable.ts';

/** `photoframe photos [--album A] [--filter TEXT]`: the photos view's list for scripts. */
export async function runPhotos({ config, values }: CommandContext): Promise<number | void> {
  const library = await new LibraryStore(homePaths(config.home).store).read();
  const albumRef = stringOption(values, 'album');
  const albumId = albumRef === undefined ? null : requireAlbum(library, albumRef).id;
  const photos = filterPhotos(basePhotos(library, albumId), stringOption(values, 'filter') ?? '');
  if (values.json) {
    const rows = photos.map((p) => ({ name: p.name, file: photoFileName(p), takenAt: p.takenAt, width: p.width, height: p.height, sources: p.sources }));
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (photos.length === 0) {
    process.stdout.write('no photos match\n');
    return;
  }
  printTable(['NAME', 'FILE', 'TAKEN', 'SIZE'], photos.map((p) => [p.name, photoFileName(p), p.takenAt ?? '-', `${p.width}x${p.height}`]));
}
