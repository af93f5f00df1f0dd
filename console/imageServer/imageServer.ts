import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { isFile } from '../../common/fileOnce.ts';
import type { HomePaths } from '../../common/homePaths.ts';
import { createLogger } from '../../common/log.ts';
import { contentTypeOfPhotoName } from '../../data/photos/photoNaming.ts';
import { makeDisplayRendition, renditionPath } from '../../data/renditions/renditions.ts';
import { snapToLadder, type Size } from '../../data/renditions/sizeLadder.ts';
import { identifyClient, type ClientIdentity } from './clientIdentity.ts';
import { captionRoute } from './captionRoute.ts';
import { manifestRoute } from './manifestRoute.ts';
import { guardConnections } from './connectionGuard.ts';
import { answerPlainHttpOnTlsPort } from './plainHttpOnTlsPort.ts';
import type { AccessDecision } from './displayAccess.ts';
import { sendFile, sendText } from './httpResponses.ts';
import { parseImageRequest } from './imageRequest.ts';
import { RenditionCache, type KeptRendition } from './renditionCache.ts';
import { tokenMatches } from './serverToken.ts';
import { QueueFullError, WorkQueue } from './workQueue.ts';

const log = createLogger('image-server');

// Names are content hashes, so a response for a name never changes.
const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface ImageServerOptions {
  paths: HomePaths;
  /** Plain HTTP: every image request must carry this bearer token. */
  token?: string;
  /** HTTPS instead, where each display proves who it is with its certificate (mutual TLS) and fetches only its own photos. */
  https?: ImageServerHttps;
  /** Total bytes of renditions kept on disk; least recently served go first. Default 1 GiB. */
  renditionCacheBytes?: number;
  /** Renditions neither counted against that bound nor evicted: `serve` keeps those of shown photos. */
  keptRenditions?: KeptRendition;
  /** Connections one client address may hold open. Default 32. */
  maxConnectionsPerAddress?: number;
  /** Connections in all, kept below the usual 1,024 open-file limit. Default 512. */
  maxConnections?: number;
  /** Connections still sending their first headers, from all clients; the oldest is closed to admit another. */
  maxWaitingForHeaders?: number;
  /** Time a client has to send its request headers. Default 5 s. */
  headersTimeoutMs?: number;
  /** An open connection with nothing happening is closed after this. Default 10 s. */
  idleTimeoutMs?: number;
  /** Routes tried first, with any method: the original viewer's with --legacy-viewers. */
  extraRoutes?: ImageRoute[];
  /**
   * false: serve only `extraRoutes` and /health, no /images/ (the plain-HTTP port
   * kept for original viewers beside an HTTPS image server). Default true.
   */
  serveImages?: boolean;
  /**
   * The queue rendition requests run in (one decode per core by default);
   * `serve` shares it with the preparation queue's background lane, so a
   * display's request comes first.
   */
  workQueue?: WorkQueue;
}

export interface ImageServerHttps {
  /** The image server's certificate and key, and the installation CA whose certificates it accepts from clients. */
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  /** Whether a display may have a photo now (its list, its enrollment, revocation); the console's certificate needs no such check. */
  access: {
    check(displayId: string, name: string): Promise<AccessDecision>;
    /** Whether the display may fetch this manifest (the one its `images_manifest` names); without it, no display may. */
    checkManifest?(displayId: string, sha256: string): Promise<AccessDecision>;
  };
}

/**
 * One route: answers the request and returns true, or returns false to let
 * the next route try. The image route comes last and answers everything.
 */
export type ImageRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/**
 * Serves library photos to displays: the original, or a rendition sized for
 * the display (`?w=&h=`, snapped to the size ladder), cached on disk.
 */
export function createImageServer(options: ImageServerOptions): Server {
  const serveImages = options.serveImages ?? true;
  if (serveImages && (options.token === undefined) === (options.https === undefined)) {
    throw new Error('the image server needs exactly one of a token (plain HTTP) or an HTTPS identity');
  }
  const headersTimeout = options.headersTimeoutMs ?? 5_000;
  const routes: ImageRoute[] = serveImages
    ? [
        healthRoute,
        captionRoute(options.paths, (req, name, token) => callerRefusal(req, name, token, options)),
        manifestRoute(options.paths, (req, sha256, token) => manifestCallerRefusal(req, sha256, token, options)),
        imageRoute(options),
      ]
    : [healthRoute, noSuchRoute];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://image-server');
    for (const route of options.extraRoutes ?? []) if (await route(req, res, url)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendText(res, 405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
    }
    for (const route of routes) if (await route(req, res, url)) return;
  };

  const httpOptions = {
    headersTimeout,
    requestTimeout: headersTimeout * 6,
    keepAliveTimeout: Math.min(5_000, options.idleTimeoutMs ?? 10_000),
    // Node checks the two timeouts above only this often (30 s by default).
    connectionsCheckingInterval: Math.max(250, Math.floor(headersTimeout / 4)),
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: Error) => {
      // The path only: a query string may carry the token.
      log.error('request failed', { path: (req.url ?? '').split('?')[0], error: error.message });
      if (!res.headersSent) sendText(res, 500, 'cannot prepare this image; see the image server log');
      else res.destroy(error);
    });
  };
  const tls = options.https;
  const server: Server = tls
    ? createHttpsServer(
        {
          ...httpOptions,
          cert: tls.cert,
          key: tls.key,
          ca: tls.ca,
          minVersion: 'TLSv1.2',
          // Every client certificate is asked for, but the handshake completes without one (or with a stranger's)
          // so the refusal can say why in words; imageRoute serves nothing before identifyClient has decided.
          requestCert: true,
          rejectUnauthorized: false,
          // A handshake is milliseconds; the default two minutes would let a slow one hold a connection.
          handshakeTimeout: headersTimeout,
        },
        listener,
      )
    : createServer(httpOptions, listener);
  // Before the guard below, so the guard sees every connection, whichever way it goes.
  if (tls) answerPlainHttpOnTlsPort(server as unknown as TlsServer, headersTimeout);
  // Sockets with no traffic for this long are destroyed (no 'timeout' listener, so Node does it).
  server.setTimeout(options.idleTimeoutMs ?? 10_000);
  guardConnections(server, {
    maxPerAddress: options.maxConnectionsPerAddress ?? 32,
    maxWaitingForHeaders: options.maxWaitingForHeaders ?? 128,
  });
  // Beyond this Node closes new connections at once, leaving descriptors for files and renditions.
  server.maxConnections = options.maxConnections ?? 512;
  return server;
}

const healthRoute: ImageRoute = async (_req, res, url) => {
  if (url.pathname !== '/health') return false;
  sendText(res, 200, 'ok');
  return true;
};

const noSuchRoute: ImageRoute = async (_req, res) => {
  sendText(res, 404, 'no such endpoint on this port');
  return true;
};

function imageRoute(options: ImageServerOptions): ImageRoute {
  const cache = new RenditionCache(options.paths.renditions, options.renditionCacheBytes ?? 1024 ** 3, options.keptRenditions);
  const queue = options.workQueue ?? renditionWorkQueue();
  const sizes = new OriginalSizes();

  return async (req, res, url) => {
    const request = parseImageRequest(url, req.headers.authorization);
    if (request.kind === 'health') return false;
    if (request.kind === 'error') {
      sendText(res, request.status, request.message);
      return true;
    }
    if (options.https) {
      const refusal = await refusalOfCaller(req, request.name, options.https);
      if (refusal) {
        // Shared-budget warnings: a client that keeps asking cannot flood the log.
        log.rejectedInput(`refused ${refusal.status}: ${refusal.message}`, { client: req.socket.remoteAddress });
        sendText(res, refusal.status, refusal.message);
        return true;
      }
    } else if (!tokenMatches(request.token, options.token!)) {
      sendText(res, 401, 'missing or wrong token', { 'WWW-Authenticate': 'Bearer realm="photoframe"' });
      return true;
    }
    const original = join(options.paths.photos, request.name);
    const originalSize = request.size ? await sizes.of(original) : null;
    if (request.size ? originalSize === null : !(await isFile(original))) {
      sendText(res, 404, `unknown image ${request.name}`);
      return true;
    }
    const rung = request.size && originalSize ? snapToLadder(request.size, originalSize) : null;
    const etag = rung ? `"${request.name}@${rung.width}x${rung.height}"` : `"${request.name}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag, 'Cache-Control': IMMUTABLE });
      res.end();
      return true;
    }
    let file: FileHandle;
    try {
      file = rung
        ? await cache.open(renditionPath(options.paths.renditions, request.name, rung.width, rung.height), () =>
            queue.run(() => makeDisplayRendition(original, rung.width, rung.height, options.paths.tmp)),
          )
        : await open(original, 'r');
    } catch (error) {
      if (!(error instanceof QueueFullError)) throw error;
      sendText(res, 503, 'busy preparing other images; try again shortly', { 'Retry-After': '2' });
      return true;
    }
    await sendFile(req, res, file, {
      'Content-Type': rung ? 'image/jpeg' : contentTypeOfPhotoName(request.name),
      ETag: etag,
      'Cache-Control': IMMUTABLE,
    });
    return true;
  };
}

/** One decode per core; a short backlog beyond that, then 503 rather than unbounded memory. */
export function renditionWorkQueue(cores = availableParallelism()): WorkQueue {
  return new WorkQueue(cores, cores * 8);
}

// One look at a connection's certificate serves every request that comes over it (keep-alive).
const identities = new WeakMap<TLSSocket, ClientIdentity>();

function identityOf(socket: TLSSocket): ClientIdentity {
  let identity = identities.get(socket);
  if (!identity) {
    const peer = socket.getPeerCertificate();
    // An empty object when the client sent none; CN is an array when a subject repeats it, which no certificate of ours does.
    const cn = peer && peer.subject ? peer.subject.CN : undefined;
    identity = identifyClient({
      authorized: socket.authorized,
      authorizationError: socket.authorizationError ? String((socket.authorizationError as Error & { code?: string }).code ?? socket.authorizationError) : null,
      commonName: typeof cn === 'string' ? cn : cn === undefined ? null : '',
    });
    identities.set(socket, identity);
  }
  return identity;
}

/** Why this caller may not have this photo (its certificate over HTTPS, its token over plain HTTP), or null when it may. */
export type CallerGuard = (req: IncomingMessage, name: string, presentedToken: string | null) => Promise<Refusal | null>;

export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

async function callerRefusal(req: IncomingMessage, name: string, presentedToken: string | null, options: ImageServerOptions): Promise<Refusal | null> {
  if (options.https) return refusalOfCaller(req, name, options.https);
  if (!tokenMatches(presentedToken, options.token!)) {
    return { status: 401, message: 'missing or wrong token', headers: { 'WWW-Authenticate': 'Bearer realm="photoframe"' } };
  }
  return null;
}

/** Why this caller may not have this manifest: over HTTPS only the display it was written for may. */
async function manifestCallerRefusal(req: IncomingMessage, sha256: string, presentedToken: string | null, options: ImageServerOptions): Promise<Refusal | null> {
  if (!options.https) return callerRefusal(req, sha256, presentedToken, options);
  const identity = identityOf(req.socket as TLSSocket);
  if (identity.kind === 'refused') return identity;
  if (identity.kind === 'console') return null;
  const decision = (await options.https.access.checkManifest?.(identity.id, sha256)) ?? { ok: false, status: 403, message: 'this image server serves no manifests' };
  return decision.ok ? null : decision;
}

/** Over HTTPS: why this connection's certificate may not have this photo, or null when it may. */
async function refusalOfCaller(req: IncomingMessage, name: string, tls: ImageServerHttps): Promise<{ status: number; message: string } | null> {
  const identity = identityOf(req.socket as TLSSocket);
  if (identity.kind === 'refused') return identity;
  if (identity.kind === 'console') return null;
  const decision = await tls.access.check(identity.id, name);
  return decision.ok ? null : decision;
}

/** Upright dimensions of originals by path, from their headers; a bounded memo, since names never change content. */
class OriginalSizes {
  private readonly known = new Map<string, Size>();

  async of(path: string): Promise<Size | null> {
    const known = this.known.get(path);
    if (known) return known;
    let meta;
    try {
      meta = await sharp(path).metadata();
    } catch {
      return (await isFile(path)) ? { width: Number.MAX_SAFE_INTEGER, height: Number.MAX_SAFE_INTEGER } : null;
    }
    const quarterTurn = (meta.orientation ?? 1) >= 5;
    const size = { width: (quarterTurn ? meta.height : meta.width) ?? 0, height: (quarterTurn ? meta.width : meta.height) ?? 0 };
    if (this.known.size >= 10_000) this.known.delete(this.known.keys().next().value!);
    this.known.set(path, size);
    return size;
  }
}
