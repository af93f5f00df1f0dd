import { accept, isPlainObject, parseJson, refuse, type Decoded } from '../decoded.ts';

/** `/photoframe/image_server` — where viewers fetch images, and the token they must present. */
export interface ImageServerInfo {
  url: string;
  token: string;
}

export function decodeImageServer(raw: string): Decoded<ImageServerInfo> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isPlainObject(value)) return refuse('image_server must be a JSON object {url, token}');
  if (typeof value.url !== 'string' || !/^https?:\/\/[^/]+/.test(value.url)) {
    return refuse('image_server.url must be an http(s) URL');
  }
  if (typeof value.token !== 'string' || value.token.length < 16) {
    return refuse('image_server.token must be a string of at least 16 characters');
  }
  return accept({ url: value.url.replace(/\/+$/, ''), token: value.token });
}

export function encodeImageServer(info: ImageServerInfo): string {
  return JSON.stringify({ url: info.url, token: info.token });
}
