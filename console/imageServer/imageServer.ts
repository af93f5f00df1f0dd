import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileOnce, isFile } from '../../common/fileOnce.ts';
import type { HomePaths } from '../../common/homePaths.ts';
import { createLogger } from '../../common/log.ts';
import { contentTypeOfPhotoName } from '../../data/photos/photoNaming.ts';
import { makeDisplayRendition, renditionPath } from '../../data/renditions/renditions.ts';
import { parseImageRequest } from './imageRequest.ts';
import type { RouteHandler } from './legacyViewerRoutes.ts';
import { tokenMatches } from './serverToken.ts';

const log = createLogger('image-server');

// Names are content hashes, so a response for a name never changes.
const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface ImageServerOptions {
  paths: HomePaths;
  token: string;
  /** Tried before the image routes, e.g. the original viewer's routes with --legacy-viewers. */
  extraRoutes?: RouteHandler;
}

/**
 * Serves library photos to displays: the original, or a rendition sized for
 * the display (`?w=&h=`), cached on disk after the first request.
 */
export function createImageServer(options: ImageServerOptions): Server {
  // Concurrent requests for the same rendition (a wall of displays waking up) share one resize.
  const renditions = new FileOnce();
  const ensureRendition = (original: string, name: string, width: number, height: number): Promise<string> =>
    renditions.ensure(renditionPath(options.paths.renditions, name, width, height), () => makeDisplayRendition(original, width, height));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.extraRoutes && (await options.extraRoutes(req, res))) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendText(res, 405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
    }
    const request = parseImageRequest(new URL(req.url ?? '/', 'http://image-server'), req.headers.authorization);
    if (request.kind === 'health') return sendText(res, 200, 'ok');
    if (request.kind === 'error') return sendText(res, request.status, request.message);
    if (!tokenMatches(request.token, options.token)) {
      return sendText(res, 401, 'missing or wrong token', { 'WWW-Authenticate': 'Bearer realm="photoframe"' });
    }
    const original = join(options.paths.photos, request.name);
    if (!(await isFile(original))) return sendText(res, 404, `unknown image ${request.name}`);

    const etag = request.size ? `"${request.name}@${request.size.width}x${request.size.height}"` : `"${request.name}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag, 'Cache-Control': IMMUTABLE });
      res.end();
      return;
    }
    const file = request.size ? await ensureRendition(original, request.name, request.size.width, request.size.height) : original;
    const contentType = request.size ? 'image/jpeg' : contentTypeOfPhotoName(request.name);
    const { size } = await stat(file);
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': size, ETag: etag, 'Cache-Control': IMMUTABLE });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file)
      .on('error', (error) => {
        log.error('cannot stream image', { file, error: error.message });
        res.destroy(error);
      })
      .pipe(res);
  };

  return createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      // The path only: a query string may carry the token.
      log.error('request failed', { path: (req.url ?? '').split('?')[0], error: error.message });
      if (!res.headersSent) sendText(res, 500, 'cannot prepare this image; see the image server log');
      else res.destroy(error);
    });
  });
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(`${text}\n`);
}
