import { open } from 'node:fs/promises';

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

export type HeaderVerdict = { ok: true; format: string } | { ok: false; reason: string };

/**
 * Checks a file before it is read in full: its size against the cap (from
 * the walk's stat, so an oversized file is never opened) and its first bytes
 * against the image signatures.
 */
export async function checkHeader(fsPath: Buffer | string, size: number, maxBytes: number): Promise<HeaderVerdict> {
  if (size > maxBytes) {
    return { ok: false, reason: `file is ${megabytes(size)}, above the ${megabytes(maxBytes)} cap for one photo (--max-file-size); skipped` };
  }
  if (size === 0) return { ok: false, reason: 'file is empty; not an image' };
  const handle = await open(fsPath, 'r');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    const format = formatOfHeader(header.subarray(0, bytesRead));
    if (!format) return { ok: false, reason: 'not an image: its first bytes match no JPEG, PNG, GIF, WebP, TIFF, HEIC or AVIF signature' };
    return { ok: true, format };
  } finally {
    await handle.close();
  }
}

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}
