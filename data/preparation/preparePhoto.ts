import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import { isFile } from '../../common/fileOnce.ts';
import type { HomePaths } from '../../common/homePaths.ts';
import { shapeOf, type PhotoRecord, type PhotoShape } from '../library/librarySchema.ts';
import { decodableImage, HeifDecodeError } from '../renditions/heifDecode.ts';
import { makeDisplayRendition, makeThumbnail, renditionPath, thumbnailPath } from '../renditions/renditions.ts';
import type { Size } from '../renditions/sizeLadder.ts';

/** What preparing one photo came to. `made`: how many output files this call wrote (the rest were there already). */
export type PreparationOutcome =
  | { kind: 'ready'; name: string; made: number; upright?: UprightSize }
  | { kind: 'failed'; name: string; failure: string; made: number };

/** A HEIC's size as decoded (the header the import read may not apply its rotation): the record is corrected with it. */
export interface UprightSize {
  width: number;
  height: number;
  orientation: number;
  shape: PhotoShape;
}

/**
 * Prepares one photo the import recorded: its display renditions (exactly
 * the files the image server's rendition cache serves, made by the same
 * function at the same path, so a display's first request is a cache hit),
 * its thumbnail, and the full decode check: a rendition decodes every pixel,
 * and sharp's default failOn 'warning' turns libjpeg's "premature end" into
 * an error, so a truncated or corrupt photo fails here and is marked so.
 *
 * Outputs are content-addressed and written atomically; one already there is
 * not made again, so a run killed half-way and run again does only what is
 * missing. A photo whose outputs all exist passed its check when they were
 * made (every one of them comes from a full decode) and is ready at once.
 *
 * Only the photo's own faults come back as `failed`; a full disk or an
 * unwritable folder throws, leaving the photo preparing for a later run.
 */
export async function preparePhoto(paths: HomePaths, photo: Pick<PhotoRecord, 'name' | 'width' | 'height'>, rungs: readonly Size[]): Promise<PreparationOutcome> {
  const { name } = photo;
  const thumbnail = thumbnailPath(paths.thumbnails, name);
  const missing: Size[] = [];
  for (const rung of rungs) if (!(await isFile(renditionPath(paths.renditions, name, rung.width, rung.height)))) missing.push(rung);
  const needsThumbnail = !(await isFile(thumbnail));
  if (missing.length === 0 && !needsThumbnail) return { kind: 'ready', name, made: 0 };

  const original = join(paths.photos, name);
  let content: Buffer;
  try {
    content = await readFile(original);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'failed', name, failure: 'its file is gone from the library (or, in place, from where it was linked)', made: 0 };
    throw error;
  }
  // A HEVC HEIC is converted once here, not once per rendition; the image server's conversion of the same file gives the same JPEG.
  let decodable: Buffer;
  let upright: UprightSize | undefined;
  try {
    decodable = (await decodableImage(content, paths.tmp)) as Buffer;
    if (decodable !== content) upright = uprightOf(await sharp(decodable).metadata());
  } catch (error) {
    if (error instanceof HeifDecodeError) return { kind: 'failed', name, failure: error.message, made: 0 };
    throw error;
  }

  let made = 0;
  let smallest: Buffer | null = null;
  // Smallest first (the plan orders them): the thumbnail is made from the smallest, the cheapest to decode again.
  for (const rung of missing) {
    const image = await decoded(() => makeDisplayRendition(decodable, rung.width, rung.height, paths.tmp));
    if (typeof image === 'string') return { kind: 'failed', name, failure: image, made };
    await writeFileAtomic(renditionPath(paths.renditions, name, rung.width, rung.height), image);
    made++;
    smallest ??= image;
  }
  if (needsThumbnail) {
    // Without a rendition made now (a photo too large for renditions, or all of them there already), the thumbnail's
    // own decode of the original is the check. The import checked the pixel count against its limit already.
    const source = smallest ?? decodable;
    const pixels = (upright ?? photo).width * (upright ?? photo).height;
    const image = await decoded(() => makeThumbnail(source, Math.max(pixels, 1)));
    if (typeof image === 'string') return { kind: 'failed', name, failure: image, made };
    await writeFileAtomic(thumbnail, image);
    made++;
  }
  return { kind: 'ready', name, made, ...(upright ? { upright } : {}) };
}

/** The image, or why it does not decode: one line, as the library keeps it. */
async function decoded(make: () => Promise<Buffer>): Promise<Buffer | string> {
  try {
    return await make();
  } catch (error) {
    // Everything sharp throws is about the image it was given (the output goes to a buffer, not a file).
    return `corrupt image (${(error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim().slice(0, 200)})`;
  }
}

function uprightOf(meta: Metadata): UprightSize | undefined {
  if (!meta.width || !meta.height) return undefined;
  const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const quarterTurn = orientation >= 5;
  const width = quarterTurn ? meta.height : meta.width;
  const height = quarterTurn ? meta.width : meta.height;
  return { width, height, orientation, shape: shapeOf(width, height) };
}
