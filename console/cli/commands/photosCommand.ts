import { homePaths } from '../../../common/homePaths.ts';
import { requireAlbum } from '../../../data/library/albums.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { basePhotos, filterPhotos, photoFileName } from '../../library/photoList.ts';
import { locatePhotos, photosToLocate } from '../../../data/places/locatePhotos.ts';
import { MAX_PLACE_DISTANCE_KM, reverseGeocoder } from '../../../data/places/reverseGeocoder.ts';
import { UserError } from '../../../common/userError.ts';
import { stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';
import { printTable } from '../printTable.ts';

/**
 * `photoframe photos [--album A] [--filter TEXT]`: the photos view's list for scripts.
 * `photoframe photos locate [--again]`: resolves the places of photos with a GPS position, offline.
 */
export async function runPhotos({ config, values, positionals }: CommandContext): Promise<number | void> {
  const store = new LibraryStore(homePaths(config.home).store);
  if (positionals[0] === 'locate') return locate(store, values.again === true);
  if (positionals.length > 0) throw new UserError(`photos: unknown subcommand "${positionals[0]}"; use photoframe photos [--album NAME] [--filter TEXT] or photoframe photos locate [--again]`);
  const library = await store.read();
  const albumRef = stringOption(values, 'album');
  const albumId = albumRef === undefined ? null : requireAlbum(library, albumRef).id;
  const photos = filterPhotos(basePhotos(library, albumId), stringOption(values, 'filter') ?? '');
  if (values.json) {
    const rows = photos.map((p) => ({ name: p.name, file: photoFileName(p), takenAt: p.takenAt, place: p.place ?? null, width: p.width, height: p.height, sources: p.sources }));
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (photos.length === 0) {
    process.stdout.write('no photos match\n');
    return;
  }
  printTable(['NAME', 'FILE', 'TAKEN', 'PLACE', 'SIZE'], photos.map((p) => [p.name, photoFileName(p), p.takenAt ?? '-', p.place ? `${p.place.name}, ${p.place.country}` : '-', `${p.width}x${p.height}`]));
}

async function locate(store: LibraryStore, again: boolean): Promise<void> {
  const waiting = photosToLocate(await store.read(), again).length;
  if (waiting === 0) {
    process.stdout.write(again ? 'no photo has a GPS position\n' : 'every photo with a GPS position has its place; --again resolves them all anew\n');
    return;
  }
  const geocoder = reverseGeocoder();
  let report = { located: 0, nowhere: 0 };
  await store.update((library) => void (report = locatePhotos(library, geocoder, again)));
  process.stdout.write(`located ${report.located} photo(s); ${report.nowhere} with no town within ${MAX_PLACE_DISTANCE_KM} km\n`);
}
