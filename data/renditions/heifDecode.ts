import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

/** Why a HEIC could not be decoded: libheif's own words, or how to get heif-convert. */
export class HeifDecodeError extends Error {
  override name = 'HeifDecodeError';
}

/**
 * heif-convert itself could not run (missing, killed, out of time): the
 * machine's fault, not the photo's, so it says nothing about the file.
 */
export class HeifToolError extends HeifDecodeError {
  override name = 'HeifToolError';
}

/**
 * sharp's prebuilt libvips reads the HEIF container but has no HEVC decoder
 * (patents), so iPhone photos go through Debian's `heif-convert` (libheif +
 * libde265) to a JPEG that keeps the EXIF. AVIF and other HEIFs sharp can
 * decode itself are returned as they are.
 */
export async function decodableImage(original: Buffer | string, scratch: string): Promise<Buffer | string> {
  let compression: string | undefined;
  try {
    compression = (await sharp(original).metadata()).compression;
  } catch {
    return original;
  }
  if (compression !== 'hevc') return original;
  return heifToJpeg(original, scratch);
}

/** Names the writer's PID, so removeStaleTempDirs can tell a dead process's folder from a live one's. */
export const HEIF_TEMP_PREFIX = 'heif-';

/**
 * heif-convert works on files: a photo given as a path is read where it is;
 * only content in memory is written out first. Both go in a folder under
 * `scratch` (the home's tmp), which a kill -9 leaves for the next start to remove.
 */
export async function heifToJpeg(original: Buffer | string, scratch: string): Promise<Buffer> {
  await mkdir(scratch, { recursive: true });
  const dir = await mkdtemp(join(scratch, `${HEIF_TEMP_PREFIX}${process.pid}-`));
  try {
    const input = typeof original === 'string' ? original : join(dir, 'in.heic');
    if (typeof original !== 'string') await writeFile(input, original);
    const output = join(dir, 'out.jpg');
    try {
      await run('heif-convert', ['-q', '92', input, output], { timeout: 120_000 });
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stderr?: string; killed?: boolean; signal?: string | null };
      if (failure.code === 'ENOENT') throw new HeifToolError('cannot decode HEVC HEIC: heif-convert is missing; run make setup (Debian package libheif-examples)');
      if (failure.killed || failure.signal) throw new HeifToolError(`cannot decode HEVC HEIC: heif-convert was stopped (${failure.signal ?? 'killed'}) before it finished`);
      throw new HeifDecodeError(`heif-convert cannot decode it (${(failure.stderr ?? failure.message).trim().split('\n').pop()})`);
    }
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
