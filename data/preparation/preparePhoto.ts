import { join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import { isFile } from '../../common/fileOnce.ts';
import type { HomePaths } from '../../common/homePaths.ts';
import { shapeOf, type PhotoRecord, type PhotoShape } from '../library/librarySchema.ts';
import { decodableImage, HeifDecodeError, HeifToolError } from '../renditions/heifDecode.ts';
import { makeDisplayRendition, makeThumbnail, renditionPath, thumbnailPath } from '../renditions/renditions.ts';
import type { Size } from '../renditions/sizeLadder.ts';
import { readWholeFile, ReadBuffers } from '../photos/readBuffers.ts';

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
 * The check pass for one photo the import recorded: the full decode check and
 * its thumbnail, in one decode of the original. The thumbnail is made with
 * shrink-on-load, but libjpeg still reads every scan of the file, and sharp's
 * default failOn 'warning' turns its "premature end" or corrupt-data warnings
 * into errors, so a truncated or corrupt photo fails here and is marked so.
 * Passing makes the photo ready; its display renditions come later, in the
 * rendition pass (renderPhoto), behind every photo still waiting for its check.
 *
 * The thumbnail is content-addressed and written atomically; one already there
 * came from a full decode, so the photo passed and is ready at once (a run
 * killed half-way and run again does only what is missing).
 *
 * Only the photo's own faults come back as `failed`; a full disk or an
 * unwritable folder throws, leaving the photo preparing for a later run.
 */
export async function checkPhoto(paths: HomePaths, photo: Pick<PhotoRecord, 'name' | 'width' | 'height'>): Promise<PreparationOutcome> {
  const { name } = photo;
  const thumbnail = thumbnailPath(paths.thumbnails, name);
  if (await isFile(thumbnail)) return { kind: 'ready', name, made: 0 };
  return withDecodableOriginal(paths, name, async (source) => {
    if (source.kind === 'failed') return source;
    const { decodable, upright } = source;
    // The import checked the pixel count against its limit already.
    const pixels = (upright ?? photo).width * (upright ?? photo).height;
    const image = await decoded(() => makeThumbnail(decodable, Math.max(pixels, 1)));
    if (typeof image === 'string') return { kind: 'failed', name, failure: image, made: 0 };
    await writeFileAtomic(thumbnail, image);
    return { kind: 'ready', name, made: 1, ...(upright ? { upright } : {}) };
  });
}

/**
 * The rendition pass for one ready photo: each missing rendition for the
 * display sizes in use, exactly the file the image server's rendition cache
 * serves (the same function at the same path), so a display's first request is
 * a cache hit. Returns how many it made; those already there are not made
 * again. The photo passed its check, so a decode failing here is logged by
 * the caller and leaves the image server to try on request.
 */
export async function renderPhoto(paths: HomePaths, name: string, rungs: readonly Size[]): Promise<{ made: number; failure?: string }> {
  const missing: Size[] = [];
  for (const rung of rungs) if (!(await isFile(renditionPath(paths.renditions, name, rung.width, rung.height)))) missing.push(rung);
  if (missing.length === 0) return { made: 0 };
  return withDecodableOriginal(paths, name, async (source) => {
    if (source.kind === 'failed') return { made: 0, failure: source.failure };
    let made = 0;
    for (const rung of missing) {
      const image = await decoded(() => makeDisplayRendition(source.decodable, rung.width, rung.height, paths.tmp));
      if (typeof image === 'string') return { made, failure: image };
      await writeFileAtomic(renditionPath(paths.renditions, name, rung.width, rung.height), image);
      made++;
    }
    return { made };
  });
}

/**
 * Originals are read into buffers kept from one photo to the next: a fresh
 * 6 MB buffer per photo cost 8 ms of page faults, an eighth of a check. Only
 * buffers up to 16 MB are kept, so a serve that once met a panorama does not
 * hold it for the rest of its life.
 */
const originals = new ReadBuffers(16 * 1024 * 1024);

/** `use` gets the original (see decodableOriginal) in a buffer of its own until it returns: sharp is done with it by then. */
async function withDecodableOriginal<T>(paths: HomePaths, name: string, use: (source: Decodable) => Promise<T>): Promise<T> {
  const buffer = originals.lease();
  try {
    return await use(await decodableOriginal(paths, name, buffer.take));
  } finally {
    buffer.release();
  }
}

type Decodable = { kind: 'decodable'; decodable: Buffer; upright?: UprightSize } | { kind: 'failed'; name: string; failure: string; made: 0 };

/**
 * The original's bytes as sharp decodes them, in a buffer from `take`: a HEVC
 * HEIC converted once here (the image server's conversion of the same file
 * gives the same JPEG). Only a `.heic` may need it: the import named the
 * photo by the format its bytes announce.
 */
async function decodableOriginal(paths: HomePaths, name: string, take: (size: number) => Buffer): Promise<Decodable> {
  let content: Buffer;
  try {
    content = await readWholeFile(join(paths.photos, name), take);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'failed', name, failure: 'its file is gone from the library (or, in place, from where it was linked)', made: 0 };
    throw error;
  }
  if (!name.endsWith('.heic')) return { kind: 'decodable', decodable: content };
  try {
    const decodable = (await decodableImage(content, paths.tmp)) as Buffer;
    if (decodable === content) return { kind: 'decodable', decodable };
    const upright = uprightOf(await sharp(decodable).metadata());
    return { kind: 'decodable', decodable, ...(upright ? { upright } : {}) };
  } catch (error) {
    // A missing or stopped heif-convert is no verdict on the photo: it stays preparing for a run that can decode it.
    if (error instanceof HeifToolError) throw error;
    if (error instanceof HeifDecodeError) return { kind: 'failed', name, failure: error.message, made: 0 };
    throw error;
  }
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
