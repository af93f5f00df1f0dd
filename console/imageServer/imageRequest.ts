import { PHOTO_NAME_PATTERN } from '../../data/photos/photoNaming.ts';
import { MAX_RENDITION_SIDE } from '../../data/renditions/renditions.ts';

/** What an image request asks for, parsed and checked before any file is touched. */
export type ImageRequest =
  | { kind: 'health' }
  | { kind: 'image'; name: string; size: { width: number; height: number } | null; token: string | null }
  | { kind: 'error'; status: 400 | 404; message: string };

export function parseImageRequest(url: URL, authorization: string | undefined): ImageRequest {
  if (url.pathname === '/health') return { kind: 'health' };
  const match = /^\/images\/([^/]+)$/.exec(url.pathname);
  if (!match) return { kind: 'error', status: 404, message: 'no such endpoint; images are at /images/<name>' };
  let name: string;
  try {
    name = decodeURIComponent(match[1]!);
  } catch {
    return { kind: 'error', status: 400, message: 'image name is not valid percent-encoding' };
  }
  // Only content-addressed names exist in the store, so anything else (`..`, `/`, NUL) is simply unknown.
  if (!PHOTO_NAME_PATTERN.test(name)) return { kind: 'error', status: 404, message: `unknown image ${name}` };

  const w = url.searchParams.get('w');
  const h = url.searchParams.get('h');
  let size: { width: number; height: number } | null = null;
  if (w !== null || h !== null) {
    const width = parseSide(w);
    const height = parseSide(h);
    if (width === null || height === null) {
      return { kind: 'error', status: 400, message: `w and h must both be whole numbers from 1 to ${MAX_RENDITION_SIDE}` };
    }
    size = { width, height };
  }
  const bearer = authorization && /^Bearer (.+)$/i.exec(authorization.trim());
  const token = bearer ? bearer[1]! : url.searchParams.get('token');
  return { kind: 'image', name, size, token };
}

function parseSide(text: string | null): number | null {
  if (text === null || !/^[0-9]{1,5}$/.test(text)) return null;
  const value = Number(text);
  return value >= 1 && value <= MAX_RENDITION_SIDE ? value : null;
}
