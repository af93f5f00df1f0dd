import type { Etcd3 } from 'etcd3';
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { HomePaths } from '../../common/homePaths.ts';
import { createLogger } from '../../common/log.ts';
import { isDisplayId } from '../../common/protocol/displayKeys.ts';
import { reasonOf } from '../../common/userError.ts';
import { findAlbum } from '../../data/library/albums.ts';
import { rememberDisplay } from '../../data/library/displays.ts';
import type { Library } from '../../data/library/librarySchema.ts';
import type { LibraryStore } from '../../data/library/libraryStore.ts';
import { contentTypeOfPhotoName, PHOTO_NAME_PATTERN } from '../../data/photos/photoNaming.ts';
import { putSettings } from '../displays/displayWrites.ts';
import { displayablePhotos } from '../../data/library/photoReadiness.ts';
import { sendFile, sendText } from './httpResponses.ts';
import type { ImageRoute } from './imageServer.ts';

const log = createLogger('legacy-viewers');

export const LEGACY_DOWNLOAD_PREFIX = '/download/';
const MAX_FORM_BYTES = 4096;
/**
 * Registration is unauthenticated, so it may add displays to the library only
 * up to this many; a flood of made-up pkids stops here. Known displays always register.
 */
export const MAX_REGISTERED_DISPLAYS = 256;

class RegistrationRefused extends Error {}

export interface LegacyViewerOptions {
  paths: HomePaths;
  store: LibraryStore;
  client: Etcd3;
}

/**
 * What the original viewer needs from a server, for `serve --legacy-viewers`:
 * registration (`POST /register` with form fields pkid and freespace, answered
 * with `[pkid, [names]]`) and downloads by plain name without credentials.
 * Unauthenticated by design of the original: off unless asked for.
 */
export function legacyViewerRoutes(options: LegacyViewerOptions): ImageRoute[] {
  return [
    async (req, res, url) => {
      if (url.pathname !== '/register') return false;
      await register(options, req, res);
      return true;
    },
    async (req, res, url) => {
      if (!url.pathname.startsWith(LEGACY_DOWNLOAD_PREFIX)) return false;
      await download(options.paths, url.pathname.slice(LEGACY_DOWNLOAD_PREFIX.length), req, res);
      return true;
    },
  ];
}

async function register(options: LegacyViewerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return sendText(res, 405, 'register with POST', { Allow: 'POST' });
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return sendText(res, 415, 'send the form as application/x-www-form-urlencoded');
  const body = await readBody(req, MAX_FORM_BYTES);
  // The rest of an oversized body is never read, so the connection cannot be reused.
  if (body === null) return sendText(res, 413, `the form is larger than ${MAX_FORM_BYTES} bytes`, { Connection: 'close' });
  const form = new URLSearchParams(body);
  const pkid = form.get('pkid') ?? '';
  if (!isDisplayId(pkid)) return sendText(res, 400, 'pkid must be a display id: letters, digits, ".", "_" or "-" (at most 128)');
  const freeText = form.get('freespace');
  const freeBytes = freeText !== null && /^\d{1,20}$/.test(freeText.trim()) ? Number(freeText.trim()) : null;

  let display: { name: string; photos: string[] };
  try {
    display = await options.store.update((library) => {
      const known = library.displays.some((d) => d.id === pkid);
      if (!known && library.displays.filter((d) => d.lastRegisteredAt !== undefined).length >= MAX_REGISTERED_DISPLAYS) {
        throw new RegistrationRefused();
      }
      return registerDisplay(library, pkid, freeBytes);
    });
  } catch (error) {
    if (!(error instanceof RegistrationRefused)) throw error;
    log.warn('registration refused: too many registered displays', { pkid });
    return sendText(res, 403, `already ${MAX_REGISTERED_DISPLAYS} displays registered this way; forget unused ones with \`photoframe display forget\` first`);
  }
  // The original server writes the settings on every registration. If etcd is away the
  // viewer still gets its list: any non-2xx answer would make an original viewer exit.
  try {
    await putSettings(options.client, pkid, display.name, {});
  } catch (error) {
    log.warn(`cannot write settings for ${pkid}: ${reasonOf(error).split('\n')[0]}`);
  }
  log.info('original viewer registered', { pkid, photos: display.photos.length, free_bytes: freeBytes ?? 'unknown' });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify([pkid, display.photos]));
}

function registerDisplay(library: Library, pkid: string, freeBytes: number | null): { name: string; photos: string[] } {
  const record = rememberDisplay(library, { id: pkid, hostname: null });
  record.freeBytes = freeBytes;
  record.lastRegisteredAt = new Date().toISOString();
  const album = record.albumId ? findAlbum(library, record.albumId) : undefined;
  // Only checked photos: an original viewer must never be handed one still preparing or found corrupt.
  return { name: record.name, photos: album ? displayablePhotos(library, album.photos) : [] };
}

async function download(paths: HomePaths, encodedName: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    return sendText(res, 400, 'image name is not valid percent-encoding');
  }
  // Only content-addressed names exist in the store; nothing else can name a file, so no path escapes it.
  if (!PHOTO_NAME_PATTERN.test(name)) return sendText(res, 404, 'unknown image');
  let file;
  try {
    file = await open(join(paths.photos, name), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return sendText(res, 404, 'unknown image');
  }
  await sendFile(req, res, file, { 'Content-Type': contentTypeOfPhotoName(name), ETag: `"${name}"`, 'Cache-Control': 'public, max-age=31536000, immutable' });
}

/** The body as text, or null when it is larger than `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
