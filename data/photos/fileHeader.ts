import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import type { KernelCopy } from './kernelCopy.ts';
import { readInto } from './readBuffers.ts';

/** Bytes read to recognise a file; enough for every signature below. */
export const HEADER_BYTES = 32;

/** Largest file import reads by default; scans and panoramas stay well below it. */
export const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/**
 * The image format a file's first bytes announce, or null. Pure, so the walk
 * can reject a video or a document named `.jpg` without reading it whole.
 */
export function formatOfHeader(header: Uint8Array): string | null {
  const b = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b.length >= 6 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 4 && (b.subarray(0, 4).equals(Buffer.from('II*\0', 'latin1')) || b.subarray(0, 4).equals(Buffer.from('MM\0*', 'latin1')))) return 'tiff';
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') {
    // The major brand, then compatible brands: an iPhone HEIC may say `mif1` first and `heic` later.
    const boxSize = Math.min(b.readUInt32BE(0), b.length);
    const brands = [b.toString('latin1', 8, 12)];
    for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(b.toString('latin1', at, at + 4));
    if (brands.some((brand) => AVIF_BRANDS.has(brand))) return 'avif';
    if (brands.some((brand) => HEIF_BRANDS.has(brand))) return 'heif';
  }
  return null;
}

/** What the walk saw of a file: the one to read must still be it. */
export interface WalkedFile {
  /** A path with no link in its last part (the walk resolves links to files). */
  openPath: Buffer;
  dev: number;
  ino: number;
  size: number;
}

export type ReadVerdict = { ok: true; format: string; content: Buffer } | { ok: false; reason: string };

/**
 * Checks and reads a file the walk found, through one handle, so a file
 * swapped after the walk cannot be read instead: opened without following a
 * link and without blocking (a FIFO put in its place would block open()
 * forever), then required by fstat to be the same regular file the walk saw.
 * The size cap is checked against the walk's stat before anything is opened.
 * `into` may hand out a reused buffer of the size asked for; the content
 * is then only valid until the caller hands it out again.
 */
export async function readWalkedFile(file: WalkedFile, maxBytes: number, sameSize: boolean, into?: (size: number) => Buffer): Promise<ReadVerdict> {
  return withWalkedFile(file, maxBytes, sameSize, async (handle, size, format) => {
    // Unzeroed: every byte is read into it before it is used, or the file is skipped. A reused buffer (`into`)
    // saves the page faults of a fresh 5 MB allocation per photo, which cost as much as the read itself.
    const content = into ? into(size) : Buffer.allocUnsafe(size);
    if (!(await readFully(handle, content))) return { ok: false, reason: BECAME_SHORTER };
    return { ok: true, format, content };
  });
}

/**
 * The copying import's read, with the in-kernel copy: the file is checked as
 * readWalkedFile checks it, copied through that same handle into `temp`
 * (created here, 0644, never an existing file), and the copy is read into
 * `into`. What the import hashes is then exactly what it stores, even if the
 * original changes meanwhile; a copy that comes out shorter or longer than
 * the checked size is refused. On success the caller owns `temp` (rename it
 * into place or remove it); on every other outcome it is gone.
 */
export async function copyWalkedFile(file: WalkedFile, maxBytes: number, temp: string, into: (size: number) => Buffer, copy: KernelCopy): Promise<ReadVerdict> {
  let verdict: ReadVerdict | undefined;
  let created = false;
  try {
    verdict = await withWalkedFile(file, maxBytes, true, async (handle, size, format) => {
      const target = await open(temp, 'wx+', 0o644);
      created = true;
      try {
        // One byte more than expected tells a file that grew from one that did not.
        const copied = await copy.copyRange(handle.fd, target.fd, size + 1);
        if (copied > size) return { ok: false, reason: 'grew while it was read; skipped (import again to pick up the new file)' };
        const content = into(size);
        if (copied < size || !(await readFully(target, content))) return { ok: false, reason: BECAME_SHORTER };
        return { ok: true, format, content };
      } finally {
        await target.close();
      }
    });
    return verdict;
  } finally {
    if (created && !verdict?.ok) await unlink(temp).catch(() => {});
  }
}

/** Opens and checks a walked file (see readWalkedFile), reads its signature, and hands the open file to `use`. */
async function withWalkedFile(
  file: WalkedFile,
  maxBytes: number,
  sameSize: boolean,
  use: (handle: FileHandle, size: number, format: string) => Promise<ReadVerdict>,
): Promise<ReadVerdict> {
  const early = sizeProblem(file.size, maxBytes);
  if (early) return { ok: false, reason: early };
  let handle: FileHandle;
  try {
    handle = await open(file.openPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return { ok: false, reason: 'was replaced by a link after the folder was read; skipped' };
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, reason: 'was replaced by something that is not a regular file after the folder was read; skipped' };
    if (info.dev !== file.dev || info.ino !== file.ino || (sameSize && info.size !== file.size)) {
      return { ok: false, reason: 'changed after the folder was read; skipped (import again to pick up the new file)' };
    }
    const late = sizeProblem(info.size, maxBytes);
    if (late) return { ok: false, reason: late };
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    const format = formatOfHeader(header.subarray(0, bytesRead));
    if (!format) return { ok: false, reason: NOT_AN_IMAGE };
    return await use(handle, info.size, format);
  } finally {
    await handle.close();
  }
}

/** Fills `content` from the start of the file; false when the file ends first. */
async function readFully(handle: FileHandle, content: Buffer): Promise<boolean> {
  return (await readInto(handle, content)) === content.length;
}

const BECAME_SHORTER = 'became shorter while it was read; skipped';
const NOT_AN_IMAGE = 'not an image: its first bytes match no JPEG, PNG, GIF, WebP, TIFF, HEIC or AVIF signature';

function sizeProblem(size: number, maxBytes: number): string | null {
  if (size > maxBytes) return `file is ${megabytes(size)}, above the ${megabytes(maxBytes)} cap for one photo (--max-file-size); skipped`;
  if (size === 0) return 'file is empty; not an image';
  return null;
}

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}
