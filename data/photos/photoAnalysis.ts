import sharp, { type Metadata } from 'sharp';
import { photoMetadataOf, type PhotoMetadata } from './photoMetadata.ts';

/** Import refuses a photo above this many pixels unless told otherwise: a 200 MP phone shot fits, a 16000² bomb does not. */
export const DEFAULT_MAX_PIXELS = 200_000_000;

/** A file that is not an importable photo; the message is the reason shown beside its path. */
export class PhotoRejectedError extends Error {
  override name = 'PhotoRejectedError';
}

/**
 * What the import's foreground needs from a photo's content: its header
 * (dimensions, orientation, EXIF, XMP/IPTC), read without decoding a pixel.
 * The pixel count is checked here, so a decompression bomb is refused before
 * anything would decode it. Whether the pixels themselves decode (truncation,
 * corrupt data) is the preparation queue's check (data/preparation), which
 * marks the photo ready or failed.
 */
export async function readPhotoHeader(content: Buffer, fileTime: Date, maxPixels: number): Promise<PhotoMetadata> {
  let header: Metadata;
  try {
    header = await sharp(content).metadata();
  } catch (error) {
    throw new PhotoRejectedError(`not an image sharp can read (${firstLine(error)})`);
  }
  if (!header.width || !header.height) throw new PhotoRejectedError('image has no dimensions');
  const pixels = header.width * (header.pageHeight ?? header.height);
  if (pixels > maxPixels) {
    throw new PhotoRejectedError(
      `image declares ${header.width}×${header.pageHeight ?? header.height} pixels (${megapixels(pixels)} MP), above the ${megapixels(maxPixels)} MP import limit (--max-pixels); not decoded`,
    );
  }
  return photoMetadataOf(header, fileTime);
}

function megapixels(pixels: number): string {
  return (pixels / 1e6).toFixed(pixels < 10e6 ? 1 : 0);
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}
