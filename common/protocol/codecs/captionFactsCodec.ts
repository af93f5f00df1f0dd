import { accept, describeValue, isPlainObject, parseJson, refuse, type Decoded } from '../decoded.ts';

/**
 * `GET <image server>/captions/<name>` — what a caption says about a photo,
 * served beside the image (see docs/protocol.md, Captions): the local time
 * the camera took it, and the town nearest its GPS position. Either may be
 * null when unknown. Original viewers never ask for it.
 */
export interface CaptionFacts {
  /** Local time without zone, `2021-07-14T16:20:00`, only when the camera recorded it (not a file time). */
  taken: string | null;
  /** A town and its ISO 3166-1 alpha-2 country. */
  place: { name: string; country: string } | null;
}

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
const MAX_PLACE_NAME = 200;

export function encodeCaptionFacts(facts: CaptionFacts): string {
  return JSON.stringify({ taken: facts.taken, place: facts.place });
}

export function decodeCaptionFacts(raw: string): Decoded<CaptionFacts> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isPlainObject(value)) return refuse(`caption facts must be a JSON object {taken, place}, got ${describeValue(value)}`);
  const { taken, place } = value;
  if (taken !== null && (typeof taken !== 'string' || !LOCAL_TIME.test(taken))) {
    return refuse(`caption facts.taken must be null or a local time like 2021-07-14T16:20:00, got ${describeValue(taken)}`);
  }
  if (place === null) return accept({ taken, place: null });
  if (
    !isPlainObject(place) ||
    typeof place.name !== 'string' ||
    place.name.length === 0 ||
    place.name.length > MAX_PLACE_NAME ||
    typeof place.country !== 'string' ||
    !/^[A-Z]{2}$/.test(place.country)
  ) {
    return refuse(`caption facts.place must be null or {name, country} with a two-letter country code, got ${describeValue(place)}`);
  }
  return accept({ taken, place: { name: place.name, country: place.country } });
}
