import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodableImage } from './heifDecode.ts';

/**
 * Derived images. Each is a pure function of the original's content and the
 * requested size, so a file, once written, never needs to change.
 */
export const THUMBNAIL_SIZE = 320;
/** Largest side a request may name; it then snaps to the size ladder. */
export const MAX_RENDITION_SIDE = 8192;
/** A rendition job refuses originals above this many pixels, bounding its memory. */
export const MAX_RENDITION_INPUT_PIXELS = 300_000_000;

export function thumbnailPath(thumbnailDir: string, photoName: string): string {
  return join(thumbnailDir, `${photoName.slice(0, photoName.lastIndexOf('.'))}.jpg`);
}

export function renditionPath(renditionDir: string, photoName: string, width: number, height: number): string {
  return join(renditionDir, `${width}x${height}`, `${photoName.slice(0, photoName.lastIndexOf('.'))}.jpg`);
}

/**
 * Decodes the whole image, so it also proves the file is not truncated or
 * corrupt (sharp's default failOn 'warning' turns libjpeg's "premature end"
 * into an error).
 */
export async function makeThumbnail(original: Buffer | string, maxPixels: number): Promise<Buffer> {
  return sharp(original, { limitInputPixels: maxPixels })
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/**
 * The photo upright and as large as fits in width × height, never enlarged:
 * the display scales on its GPU. Read sequentially with shrink-on-load, so
 * memory follows the output size (at most a ladder rung), not the input's.
 */
export async function makeDisplayRendition(original: Buffer | string, width: number, height: number, scratch = tmpdir()): Promise<Buffer> {
  return sharp(await decodableImage(original, scratch), { limitInputPixels: MAX_RENDITION_INPUT_PIXELS, sequentialRead: true })
    .rotate()
    .resize(width, height, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 88 })
    .toBuffer();
}
