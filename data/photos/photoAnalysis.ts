import sharp, { type Metadata } from 'sharp';
import { heifToJpeg, HeifDecodeError } from '../renditions/heifDecode.ts';
import { makeThumbnail } from '../renditions/renditions.ts';
import { photoMetadataOf, type PhotoMetadata } from './photoMetadata.ts';

/** Import refuses a photo above this many pixels unless told otherwise: a 200 MP phone shot fits, a 16000² bomb does not. */
export const DEFAULT_MAX_PIXELS = 200_000_000;

/** A file that is not an importable photo; the message is the reason shown beside its path. */
export class PhotoRejectedError extends Error {
  override name = 'PhotoRejectedError';
}

export interface AnalysedPhoto {
  metadata: PhotoMetadata;
  thumbnail: Buffer;
}

/**
 * Everything import needs from a photo's content in one decode: the header
 * read gives the metadata and the pixel count (checked before any pixel is
 * decoded), then one shrink-on-load decode makes the thumbnail and proves the
 * file is not truncated.
 */
export async function analysePhoto(content: Buffer, fileTime: Date, maxPixels: number, scratch: string): Promise<AnalysedPhoto> {
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
  let decodable: Buffer = content;
  let described = header;
  if (header.compression === 'hevc') {
    try {
      // The content, not the path: it is what was checked, and the file may have been swapped since.
      decodable = await heifToJpeg(content, scratch);
    } catch (error) {
      if (error instanceof HeifDecodeError) throw new PhotoRejectedError(error.message);
      throw error;
    }
    described = await sharp(decodable).metadata();
  }
  let thumbnail: Buffer;
  try {
    thumbnail = await makeThumbnail(decodable, maxPixels);
  } catch (error) {
    throw new PhotoRejectedError(`corrupt image (${firstLine(error)})`);
  }
  return { metadata: photoMetadataOf(described, fileTime), thumbnail };
}

function megapixels(pixels: number): string {
  return (pixels / 1e6).toFixed(pixels < 10e6 ? 1 : 0);
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}
