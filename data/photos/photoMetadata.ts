import type { Metadata } from 'sharp';
import exifReader from 'exif-reader';
import { shapeOf, type PhotoShape } from '../library/librarySchema.ts';
import { readEmbeddedCaption } from './embeddedCaption.ts';

export interface GpsPosition {
  latitude: number;
  longitude: number;
}

export interface PhotoMetadata {
  /** As displayed: swapped for EXIF orientations 5–8, which turn the picture a quarter. */
  width: number;
  height: number;
  orientation: number;
  /** Horizontal, vertical or square (within 2 %), after rotation: what a frame layout asks for. */
  shape: PhotoShape;
  /** Local time without zone (`2024-05-01T14:03:00`). */
  takenAt: string;
  /** The EXIF offset of takenAt (`+02:00`), null when the camera did not record one. */
  takenAtOffset: string | null;
  /** Where takenAt came from: the camera, or the file's modification time (then in UTC). */
  takenAtSource: 'exif' | 'file';
  camera: string | null;
  gps: GpsPosition | null;
  title: string | null;
  keywords: string[];
}

/**
 * What the library keeps about a photo, from sharp's header read (no pixel
 * decode). Pure: the file time is passed in for photos without a date.
 */
export function photoMetadataOf(meta: Metadata, fileTime: Date): PhotoMetadata {
  const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const quarterTurn = orientation >= 5;
  const width = quarterTurn ? meta.height! : meta.width!;
  const height = quarterTurn ? meta.width! : meta.height!;
  const exif = meta.exif ? exifFields(meta.exif) : null;
  const caption = readEmbeddedCaption(meta.xmp, meta.iptc);
  return {
    width,
    height,
    orientation,
    shape: shapeOf(width, height),
    takenAt: exif?.takenAt ?? fileTime.toISOString().slice(0, 19),
    takenAtOffset: exif?.takenAt ? exif.offset : '+00:00',
    takenAtSource: exif?.takenAt ? 'exif' : 'file',
    camera: exif?.camera ?? null,
    gps: exif?.gps ?? null,
    title: caption.title,
    keywords: caption.keywords,
  };
}

interface ExifFields {
  takenAt: string | null;
  offset: string | null;
  camera: string | null;
  gps: GpsPosition | null;
}

/** The EXIF fields we keep; a damaged EXIF block just means none of them. */
export function exifFields(exif: Buffer): ExifFields | null {
  let tags: ReturnType<typeof exifReader>;
  try {
    tags = exifReader(exif);
  } catch {
    return null;
  }
  const date = tags.Photo?.DateTimeOriginal ?? tags.Image?.DateTime;
  // exif-reader reads the zone-less EXIF time as UTC; printing the UTC fields gives it back unchanged.
  const takenAt = date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString().slice(0, 19) : null;
  const offsetText = tags.Photo?.DateTimeOriginal ? tags.Photo?.OffsetTimeOriginal : tags.Photo?.OffsetTime;
  const offset = typeof offsetText === 'string' && /^[+-]\d\d:\d\d$/.test(offsetText.trim()) ? offsetText.trim() : null;
  const make = cleanText(tags.Image?.Make);
  const model = cleanText(tags.Image?.Model);
  // Many cameras repeat the make in the model ("Canon" + "Canon EOS 5D").
  const camera = make && model ? (model.toLowerCase().startsWith(make.toLowerCase()) ? model : `${make} ${model}`) : (model ?? make);
  return { takenAt, offset, camera, gps: gpsOf(tags.GPSInfo) };
}

function gpsOf(info: Record<string, unknown> | undefined): GpsPosition | null {
  if (!info) return null;
  const latitude = degrees(info.GPSLatitude, info.GPSLatitudeRef, 'S');
  const longitude = degrees(info.GPSLongitude, info.GPSLongitudeRef, 'W');
  if (latitude === null || longitude === null || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
  // 0,0 is what many phones write when they had no fix.
  if (latitude === 0 && longitude === 0) return null;
  return { latitude: round6(latitude), longitude: round6(longitude) };
}

function degrees(value: unknown, ref: unknown, negative: string): number | null {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
  const [d, m, s] = value as number[];
  const sign = typeof ref === 'string' && ref.trim().toUpperCase() === negative ? -1 : 1;
  return sign * (d! + m! / 60 + s! / 3600);
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function cleanText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.replace(/\0/g, '').trim();
  return text.length > 0 ? text : null;
}
