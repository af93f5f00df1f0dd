import { trimTrailingSlashes } from '../../text/trimTrailingSlashes.ts';
import { accept, isPlainObject, parseJson, refuse, type Decoded } from '../decoded.ts';

/**
 * `/photoframe/image_server` — where viewers fetch images. A plain-HTTP
 * installation adds the bearer token they must present; an HTTPS one, whose
 * displays prove who they are with their certificates, holds nothing secret:
 * the URL and the SHA-256 fingerprint of the CA its certificate comes from.
 */
export interface ImageServerInfo {
  url: string;
  token?: string;
  /** The installation CA's SHA-256 fingerprint, `AB:CD:…` as `openssl x509 -fingerprint -sha256` prints it. */
  ca_sha256?: string;
}

// Far above any real URL or token; a value beyond them is hostile, and refusing it keeps every step below cheap.
const MAX_URL_LENGTH = 2048;
const MAX_TOKEN_LENGTH = 1024;
const FINGERPRINT = /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/;

export function decodeImageServer(raw: string): Decoded<ImageServerInfo> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isPlainObject(value)) return refuse('image_server must be a JSON object {url, token} or {url, ca_sha256}');
  if (typeof value.url !== 'string' || value.url.length > MAX_URL_LENGTH || !/^https?:\/\/[^/]/.test(value.url)) {
    return refuse(`image_server.url must be an http(s) URL of at most ${MAX_URL_LENGTH} characters`);
  }
  const info: ImageServerInfo = { url: trimTrailingSlashes(value.url) };
  if (value.token !== undefined) {
    if (typeof value.token !== 'string' || value.token.length < 16 || value.token.length > MAX_TOKEN_LENGTH) {
      return refuse(`image_server.token must be a string of 16 to ${MAX_TOKEN_LENGTH} characters`);
    }
    info.token = value.token;
  }
  if (value.ca_sha256 !== undefined) {
    if (typeof value.ca_sha256 !== 'string' || !FINGERPRINT.test(value.ca_sha256.toUpperCase())) {
      return refuse('image_server.ca_sha256 must be a SHA-256 fingerprint as 32 colon-separated hex pairs (AB:CD:…)');
    }
    info.ca_sha256 = value.ca_sha256.toUpperCase();
  }
  return accept(info);
}

export function encodeImageServer(info: ImageServerInfo): string {
  return JSON.stringify({
    url: info.url,
    ...(info.token !== undefined ? { token: info.token } : {}),
    ...(info.ca_sha256 !== undefined ? { ca_sha256: info.ca_sha256 } : {}),
  });
}
