import { homePaths } from '../../../common/homePaths.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import type { CommandContext } from '../command.ts';
import { printTable } from '../printTable.ts';

export async function runAlbums({ config, values }: CommandContext): Promise<number | void> {
  const library = await new LibraryStore(homePaths(config.home).store).read();
  const albums = library.albums.map((a) => ({ id: a.id, name: a.name, photos: a.photos.length, createdAt: a.createdAt }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(albums, null, 2)}\n`);
    return;
  }
  if (albums.length === 0) {
    process.stdout.write('no albums yet: photoframe import DIR --album NAME\n');
    return;
  }
  printTable(['NAME', 'PHOTOS', 'ID'], albums.map((a) => [a.name, String(a.photos), a.id]));
}
