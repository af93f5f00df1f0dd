import type { Library, PhotoRecord } from '../library/librarySchema.ts';
import type { ReverseGeocoder } from './reverseGeocoder.ts';

/** Photos with a GPS position whose place was never resolved (imported before places existed); all with `again`. */
export function photosToLocate(library: Library, again = false): PhotoRecord[] {
  return Object.values(library.photos).filter((photo) => photo.gps !== null && (again || photo.place === undefined));
}

export interface LocateReport {
  located: number;
  /** Photos whose position has no town within reach (at sea, in the wilderness). */
  nowhere: number;
}

/** Resolves the place of each photo that needs it, in the library given (to be written by the caller). */
export function locatePhotos(library: Library, geocoder: ReverseGeocoder, again = false): LocateReport {
  const report: LocateReport = { located: 0, nowhere: 0 };
  for (const photo of photosToLocate(library, again)) {
    photo.place = geocoder.placeAt(photo.gps!);
    report[photo.place ? 'located' : 'nowhere']++;
  }
  return report;
}
