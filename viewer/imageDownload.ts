import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import sharp from 'sharp';
import type { IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { fetchFailureReason } from '../common/net/fetchFailure.ts';
import { openGet, type OpenResponse } from './httpGet.ts';
import { DEFAULT_STALL_MS } from './stuckDetector.ts';

/**
 * Getting a photo over HTTP without trusting the other end: a captive portal
 * answers 200 with HTML, a broken or hostile server sends gigabytes. The body
 * is streamed to a temp file (never held in memory), capped, and must be an
 * image that decodes and, where its name carries a content hash, hashes to it.
 */
export interface DownloadLimits {
  maxBytes: number;
  /** Larger images are refused rather than decoded: a decompression bomb would exhaust memory. */
  maxPixels: number;
  timeoutMs: number;
  /**
   * The longest a photo's decode check may take, and the longest a download
   * may go without a byte before the stuck detector stops counting it as
   * progress: a wedged decoder or a dead connection must end, not hold the
   * slideshow forever.
   */
  stallMs: number;
}

/** Well above any rendition (about 1 MB at 1080p) and most camera originals, far below a small device's disk. */
export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = { maxBytes: 64 * 1024 * 1024, maxPixels: 100_000_000, timeoutMs: 60_000, stallMs: DEFAULT_STALL_MS };

export type DownloadProblem =
  | 'unreachable'
  | 'http-status'
  | 'not-an-image'
  | 'too-large'
  | 'undecodable'
  | 'hash-mismatch'
  | 'disk-full'
  /** The decode check did not finish in time (see ImageCheckTimeout). */
  | 'check-timeout'
  /** The published image server is not one this viewer's TLS identity may talk to (http://, another installation's CA). */
  | 'untrusted-server';

/** Out of space while writing: not the server's fault, and eviction rather than the network is what helps. */
export function isDiskFull(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOSPC' || (error instanceof RejectedImage && error.problem === 'disk-full');
}

/** Why a download (or a cached file) was refused; its `problem` says which check failed. */
export class RejectedImage extends Error {
  constructor(
    readonly problem: DownloadProblem,
    message: string,
  ) {
    super(message);
    this.name = 'RejectedImage';
  }
}

/**
 * The decode check of a photo did not finish within `stallMs`: a wedged
 * decoder thread, a card that stopped answering. Not a verdict on the file
 * (the next try may pass), so neither the cache nor its refusals act on it as
 * on a bad image; the slideshow moves on as for any failure.
 */
export class ImageCheckTimeout extends RejectedImage {
  constructor(
    what: string,
    readonly timeoutMs: number,
  ) {
    super('check-timeout', `cannot check ${what}: its decode did not finish in ${Math.round(timeoutMs / 100) / 10} s`);
    this.name = 'ImageCheckTimeout';
  }
}

export interface DownloadRequest {
  url: string;
  /** Named in errors instead of the full URL. */
  origin: string;
  headers: Record<string, string>;
  /** For https: the agent holding the viewer's TLS identity (trusted CA, client certificate) and its kept-alive connections. */
  httpsAgent?: HttpsAgent;
  name: string;
  /** The first hex digits of the content's SHA-256 when the name carries them (whole files only, not renditions). */
  expectedHashPrefix: string | null;
  /**
   * Plain web servers and object stores serve a folder of photos as
   * application/octet-stream or with no type at all (nginx's default_type,
   * S3); for those the decode and hash checks decide. Our own image server
   * always says image/*, so anything else from it is refused at once.
   */
  acceptUntyped: boolean;
}

/** Whether a response's content type may carry an image for this request. */
export function acceptableContentType(type: string | null, acceptUntyped: boolean): boolean {
  if (type !== null && /^image\//i.test(type)) return true;
  if (!acceptUntyped) return false;
  return type === null || /^application\/octet-stream\s*(;|$)/i.test(type);
}

// Our library names photos by content: 24 hex digits of SHA-256, then the extension.
const HASH_NAME = /^([0-9a-f]{24})\.[a-z]+$/;

/** The content hash a whole file named `name` must have, or null if the name carries none. */
export function hashPrefixOfName(name: string): string | null {
  return HASH_NAME.exec(name)?.[1] ?? null;
}

/**
 * Streams the response into `handle` (the temp file at `tempPath`) and checks
 * it; throws RejectedImage if anything is off. `progress` is called as bytes
 * arrive: what tells a slow download from one that stopped.
 */
export async function downloadImageInto(request: DownloadRequest, handle: FileHandle, tempPath: string, limits: DownloadLimits, progress?: () => void): Promise<void> {
  const what = `${request.name} from ${request.origin}`;
  let opened: OpenResponse;
  try {
    opened = await openGet(request.url, request.headers, limits.timeoutMs, request.httpsAgent);
  } catch (error) {
    throw new RejectedImage('unreachable', `cannot fetch ${what}: ${fetchFailureReason(error, limits.timeoutMs)}`);
  }
  const { response } = opened;
  try {
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) throw new RejectedImage('http-status', `cannot fetch ${what}: HTTP ${status} ${await shortText(response)}`);
    const type = response.headers['content-type'] ?? null;
    if (!acceptableContentType(type, request.acceptUntyped)) {
      throw new RejectedImage('not-an-image', `refused ${what}: served as ${(type ?? '(no type)').slice(0, 60)}, not an image`);
    }
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (declared > limits.maxBytes) throw tooLarge(what, limits);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      bytes += chunk.byteLength;
      if (bytes > limits.maxBytes) throw tooLarge(what, limits);
      hash.update(chunk);
      await handle.write(chunk);
      progress?.();
    }
    await checkImage(tempPath, what, limits);
    const actual = hash.digest('hex');
    if (request.expectedHashPrefix && !actual.startsWith(request.expectedHashPrefix)) {
      throw new RejectedImage('hash-mismatch', `refused ${what}: its content hashes to ${actual.slice(0, 24)}, not to its name`);
    }
  } catch (error) {
    opened.abort();
    if (error instanceof RejectedImage) throw error;
    if (isDiskFull(error)) throw new RejectedImage('disk-full', `cannot store ${what}: the disk is full`);
    throw new RejectedImage('unreachable', `cannot fetch ${what}: ${fetchFailureReason(error, limits.timeoutMs)}`);
  }
}

/**
 * A file that decodes as an image of a sane size, else RejectedImage. The
 * header alone says nothing about the rest: a truncated JPEG has a perfect
 * header and fails only when its pixels are read. So the whole file is decoded,
 * at a small scale (JPEG shrink-on-load keeps this to tens of milliseconds for
 * a 12 MP photo), and a truncated file counts as undecodable.
 */
export async function checkImage(path: string, what: string, limits: Pick<DownloadLimits, 'maxPixels' | 'stallMs'>): Promise<void> {
  const deadline = Date.now() + limits.stallMs;
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await withinDeadline(sharp(path).metadata(), deadline, what, limits.stallMs));
  } catch (error) {
    if (error instanceof ImageCheckTimeout) throw error;
    throw undecodable(what, error);
  }
  if (!width || !height) throw new RejectedImage('undecodable', `refused ${what}: an image without dimensions`);
  // Checked before decoding, so a decompression bomb is never decoded.
  if (width * height > limits.maxPixels) {
    throw new RejectedImage('too-large', `refused ${what}: ${width}×${height} is more than ${limits.maxPixels} pixels`);
  }
  try {
    await withinDeadline(sharp(path, { failOn: 'truncated', limitInputPixels: limits.maxPixels }).resize(64, 64, { fit: 'inside' }).raw().toBuffer(), deadline, what, limits.stallMs);
  } catch (error) {
    if (error instanceof ImageCheckTimeout) throw error;
    throw undecodable(what, error);
  }
}

/**
 * The work's result, or ImageCheckTimeout at `deadline`. A decode cannot be
 * cancelled: a wedged one keeps its thread, but no longer the slideshow.
 */
function withinDeadline<T>(work: Promise<T>, deadline: number, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ImageCheckTimeout(what, timeoutMs)), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function undecodable(what: string, error: unknown): RejectedImage {
  return new RejectedImage('undecodable', `refused ${what}: not a decodable image (${(error as Error).message.slice(0, 80)})`);
}

/** Hashes a file as it streams from disk, for checking an entry already in the cache. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function tooLarge(what: string, limits: DownloadLimits): RejectedImage {
  return new RejectedImage('too-large', `refused ${what}: larger than the ${Math.round(limits.maxBytes / 1024 / 1024)} MiB limit`);
}

/** The start of an error body, for the log; never more than one chunk is read. */
async function shortText(response: IncomingMessage): Promise<string> {
  const first = await new Promise<Buffer | null>((resolve) => {
    response.once('data', (chunk: Buffer) => resolve(chunk));
    response.once('end', () => resolve(null));
    response.once('error', () => resolve(null));
  });
  response.pause();
  return (first ?? Buffer.alloc(0)).subarray(0, 200).toString('utf8').trim();
}
