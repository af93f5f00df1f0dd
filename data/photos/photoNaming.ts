import { createHash } from 'node:crypto';

/** The extension a photo gets in the library, by the format its first bytes announce (not by its old name). */
const EXTENSIONS: Record<string, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tif',
  heif: 'heic',
  avif: 'avif',
};

// 96 bits of SHA-256: collisions are out of reach for any photo library, and image lists stay short.
const HASH_CHARS = 24;

export const PHOTO_NAME_PATTERN = /^[0-9a-f]{24}\.(jpg|png|webp|gif|tif|heic|avif)$/;

export function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

export function photoName(sha256: string, format: string): string {
  const extension = EXTENSIONS[format];
  if (!extension) throw new Error(`format ${format} cannot be imported`);
  return `${sha256.slice(0, HASH_CHARS)}.${extension}`;
}

export function contentTypeOfPhotoName(name: string): string {
  const extension = name.slice(name.lastIndexOf('.') + 1);
  const types: Record<string, string> = {
    jpg: 'image/jpeg',
    png: 'image/png',
    webp: 'image/webp',
    gif: 'image/gif',
    tif: 'image/tiff',
    heic: 'image/heic',
    avif: 'image/avif',
  };
  return types[extension] ?? 'application/octet-stream';
}
