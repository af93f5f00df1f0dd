import { trimTrailingSlashes } from '../../text/trimTrailingSlashes.ts';
import { accept, isPlainObject, parseJson, refuse, type Decoded } from '../decoded.ts';

/** `/photoframe/image_server` — where viewers fetch images, and the token they must present. */
export interface ImageServerInfo {
  url: string;
  token: string;
}

// Far above any real URL or token; a value beyond them is hostile, and refusing it keeps every step below cheap.
const MAX_URL_LENGTH = 2048;
const MAX_TOKEN_LENGTH = 1024;

export function decodeImageServer(raw: string): Decoded<ImageServerInfo> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isPlainObject(value)) return refuse('image_server must be a JSON object {url, token}');
  if (typeof value.url !== 'string' || value.url.length > MAX_URL_LENGTH || !/^https?:\/\/[^/]/.test(value.url)) {
    return refuse(`image_server.url must be an http(s) URL of at most ${MAX_URL_LENGTH} characters`);
  }
  if (typeof value.token !== 'string' || value.token.length < 16 || value.token.length > MAX_TOKEN_LENGTH) {
    return refuse(`image_server.token must be a string of 16 to ${MAX_TOKEN_LENGTH} characters`);
  }
  return accept({ url: trimTrailingSlashes(value.url), token: value.token });
}

export function encodeImageServer(info: ImageServerInfo): string {
  return JSON.stringify({ url: info.url, token: info.token });
}
