import type { Etcd3 } from 'etcd3';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { isFile } from '../../common/fileOnce.ts';
import type { HomePaths } from '../../common/homePaths.ts';
import { createLogger } from '../../common/log.ts';
import { isDisplayId } from '../../common/protocol/displayKeys.ts';
import { reasonOf } from '../../common/userError.ts';
import { findAlbum } from '../../data/library/albums.ts';
import { rememberDisplay } from '../../data/library/displays.ts';
import type { LibraryStore } from '../../data/library/libraryStore.ts';
import { contentTypeOfPhotoName, PHOTO_NAME_PATTERN } from '../../data/photos/photoNaming.ts';
import { putSettings } from '../displays/displayWrites.ts';

const log = createLogger('legacy-viewers');

export const LEGACY_DOWNLOAD_PREFIX = '/download/';
const MAX_FORM_BYTES = 4096;

export interface LegacyViewerOptions {
  paths: HomePaths;
  store: LibraryStore;
  client: Etcd3;
}

/** Handles a request if it is one of the original viewer's, and says whether it did. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * What the original viewer needs from a server, for `serve --legacy-viewers`:
 * registration (`POST /register` with form fields pkid and freespace, answered
 * with `[pkid, [names]]`) and downloads by plain name without credentials.
 * Unauthenticated by design of the original: off unless asked for.
 */
export function legacyViewerRoutes(options: LegacyViewerOptions): RouteHandler {
  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://legacy').pathname;
    if (path === '/register') {
      await register(options, req, res);
      return true;
    }
    if (path.startsWith(LEGACY_DOWNLOAD_PREFIX)) {
      await download(options.paths, path.slice(LEGACY_DOWNLOAD_PREFIX.length), req, res);
      return true;
    }
    return false;
  };
}

async function register(options: LegacyViewerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return sendText(res, 405, 'register with POST', { Allow: 'POST' });
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return sendText(res, 415, 'send the form as application/x-www-form-urlencoded');
  const body = await readBody(req, MAX_FORM_BYTES);
  if (body === null) return sendText(res, 413, `the form is larger than ${MAX_FORM_BYTES} bytes`);
  const form = new URLSearchParams(body);
  const pkid = form.get('pkid') ?? '';
  if (!isDisplayId(pkid)) return sendText(res, 400, 'pkid must be a display id: letters, digits, ".", "_" or "-" (at most 128)');
  const freeText = form.get('freespace');
  const freeBytes = freeText !== null && /^\d{1,20}$/.test(freeText.trim()) ? Number(freeText.trim()) : null;

  const display = await options.store.update((library) => {
    const record = rememberDisplay(library, { id: pkid, hostname: null });
    record.freeBytes = freeBytes;
    record.lastRegisteredAt = new Date().toISOString();
    const album = record.albumId ? findAlbum(library, record.albumId) : undefined;
    return { name: record.name, photos: album ? [...album.photos] : [] };
  });
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
  const file = join(paths.photos, name);
  if (!(await isFile(file))) return sendText(res, 404, 'unknown image');
  const { size } = await stat(file);
  res.writeHead(200, { 'Content-Type': contentTypeOfPhotoName(name), 'Content-Length': size, 'Cache-Control': 'public, max-age=31536000, immutable' });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file)
    .on('error', (error) => res.destroy(error))
    .pipe(res);
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

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(`${text}\n`);
}
