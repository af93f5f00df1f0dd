import sharp, { type Metadata } from 'sharp';
import exifReader from 'exif-reader';
import { IMPORTABLE_FORMATS } from './photoNaming.ts';

export interface PhotoMetadata {
  format: string;
  /** As displayed: swapped for EXIF orientations 5–8, which turn the picture a quarter. */
  width: number;
  height: number;
  orientation: number;
  takenAt: string | null;
}

/**
 * Reads what the library keeps about a photo. Throws an Error whose message
 * says why the file is not an importable photo.
 */
export async function readPhotoMetadata(content: Buffer): Promise<PhotoMetadata> {
  let meta: Metadata;
  try {
    meta = await sharp(content).metadata();
  } catch (error) {
    throw new Error(`not an image sharp can read (${firstLine(error)})`);
  }
  const format = meta.format;
  if (!format || !IMPORTABLE_FORMATS.includes(format)) {
    throw new Error(`unsupported format ${format ?? 'unknown'}; importable: ${IMPORTABLE_FORMATS.join(', ')}`);
  }
  if (!meta.width || !meta.height) throw new Error('image has no dimensions');
  const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const quarterTurn = orientation >= 5;
  return {
    format,
    width: quarterTurn ? meta.height : meta.width,
    height: quarterTurn ? meta.width : meta.height,
    orientation,
    takenAt: meta.exif ? exifDateTaken(meta.exif) : null,
  };
}

/** EXIF DateTimeOriginal as a zone-less local time; a damaged EXIF block just means no date. */
export function exifDateTaken(exif: Buffer): string | null {
  try {
    const tags = exifReader(exif);
    const date = tags.Photo?.DateTimeOriginal ?? tags.Image?.DateTime;
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) return null;
    // exif-reader reads the zone-less EXIF time as UTC; printing the UTC fields gives it back unchanged.
    return date.toISOString().slice(0, 19);
  } catch {
    return null;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}
