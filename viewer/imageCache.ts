import { X509Certificate } from 'node:crypto';
import { readdir, stat, statfs, unlink } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { FileOnce, isFile } from '../common/fileOnce.ts';
import { isOrphanedTempFile } from '../common/staleTempFiles.ts';
import { createLogger } from '../common/log.ts';
import type { ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import type { TlsMaterial } from '../common/tls/tlsMaterial.ts';
import { imageNameProblem } from '../common/protocol/codecs/imagesCodec.ts';
import {
  checkImage,
  DEFAULT_DOWNLOAD_LIMITS,
  ImageCheckTimeout,
  downloadImageInto,
  hashPrefixOfName,
  isDiskFull,
  RejectedImage,
  sha256OfFile,
  type DownloadLimits,
  type DownloadProblem,
  type DownloadRequest,
} from './imageDownload.ts';
import { chooseEvictions, type CacheBudget, type CachedEntry, type NameLookup } from './cacheEviction.ts';
import type { Size } from './layout.ts';
import { RefusedDownloads } from './refusedDownloads.ts';
import { trimTrailingSlashes } from '../common/text/trimTrailingSlashes.ts';

const log = createLogger('cache');
const ORIGINALS = 'original';

/**
 * Where photos come from: a photoframe image server (renditions sized for
 * this screen, behind its token), or the original system's download folder
 * (`<base>/<name>`, whole files, no credentials), so an original server can
 * drive this viewer.
 */
export type ImageSource = { kind: 'server'; server: ImageServerInfo } | { kind: 'download'; baseUrl: string };

/** The source to fetch from: the published image server when there is one, else the configured download folder. */
export function chooseImageSource(server: ImageServerInfo | null, downloadBaseUrl: string | undefined): ImageSource | null {
  if (server) return { kind: 'server', server };
  if (downloadBaseUrl) return { kind: 'download', baseUrl: trimTrailingSlashes(downloadBaseUrl) };
  return null;
}

export interface ImageCacheOptions {
  limits?: DownloadLimits;
  budget?: CacheBudget;
  /**
   * The display's enrollment identity (its bundle's ca.crt, display.crt,
   * display.key). With it the image server is reached over HTTPS only,
   * trusting this CA alone and presenting this certificate; an http:// server
   * is refused. Without it, a plain server and its bearer token, as before.
   */
  tls?: TlsMaterial | null;
}

/** The viewer's side of mutual TLS with the image server. */
interface ServerIdentity {
  agent: HttpsAgent;
  caSha256: string;
}

// A viewer shows one photo at a time and fetches one ahead: two kept-alive connections are plenty.
const MAX_SOCKETS = 2;

/** The agent a viewer fetches through with its enrollment: this CA alone trusted, this certificate presented, connections kept alive. */
export function imageServerAgent(material: TlsMaterial): HttpsAgent {
  return new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, ca: material.ca, cert: material.cert, key: material.key, minVersion: 'TLSv1.2' });
}

function serverIdentity(material: TlsMaterial): ServerIdentity {
  return { agent: imageServerAgent(material), caSha256: new X509Certificate(material.ca).fingerprint256 };
}

// What the server sent was bad, so asking again soon would fetch the same bytes; a network or disk problem may pass.
const REMEMBERED_REFUSALS: ReadonlySet<DownloadProblem> = new Set(['not-an-image', 'undecodable', 'hash-mismatch', 'too-large']);

/** Room for thousands of 1080p renditions, and a card never filled by photos. */
export const DEFAULT_CACHE_BUDGET: CacheBudget = { maxBytes: 2 * 1024 ** 3, minFreeBytes: 256 * 1024 ** 2 };

/**
 * Photos as the image server sized them for this screen, kept on disk so the
 * display goes on showing them when the network or the server is away. Only
 * verified images enter the cache (see imageDownload.ts), and an entry is
 * checked again the first time this process uses it, so a bad file left by an
 * older version or a damaged card is replaced instead of failing for good.
 */
export class ImageCache {
  private readonly files = new FileOnce();
  /** Entries checked since this process started; a set of paths, bounded by what the cache holds. */
  private readonly verified = new Set<string>();
  private readonly limits: DownloadLimits;
  private readonly budget: CacheBudget;
  /** When this process last used each entry; entries it has not used count from their file time. */
  private readonly lastUsed = new Map<string, number>();
  private current: NameLookup = new Set<string>();
  /** Paths some get() is downloading or about to return, with how many callers; never evicted. */
  private readonly inUse = new Map<string, number>();
  /** The last paths handed out: the caller is decoding them now, or one ahead; never evicted. */
  private recentlyReturned: string[] = [];
  private onScreen: string | null = null;
  private readonly refusals = new RefusedDownloads();
  private trimming: Promise<void> | null = null;
  private trimAgain = false;
  private readonly identity: ServerIdentity | null;

  constructor(
    private readonly dir: string,
    options: ImageCacheOptions = {},
  ) {
    this.limits = options.limits ?? DEFAULT_DOWNLOAD_LIMITS;
    this.budget = options.budget ?? DEFAULT_CACHE_BUDGET;
    this.identity = options.tls ? serverIdentity(options.tls) : null;
  }

  /** The agent holding the display's certificate and the CA it trusts, for other requests to the same server. */
  get httpsAgent(): HttpsAgent | undefined {
    return this.identity?.agent;
  }

  /** How to ask the image server for something other than a photo (a manifest): the URL, and the token or this display's certificate. */
  requestTo(server: ImageServerInfo, path: string, what: string): { url: string; headers: Record<string, string>; httpsAgent?: HttpsAgent } {
    if (this.identity) refuseUntrustedServer(server, this.identity, what);
    return {
      url: `${server.url}${path}`,
      headers: server.token !== undefined ? { Authorization: `Bearer ${server.token}` } : {},
      ...(this.identity ? { httpsAgent: this.identity.agent } : {}),
    };
  }

  /** Closes the kept-alive connections to the image server. */
  close(): void {
    this.identity?.agent.destroy();
  }

  /** The photos the display is showing now; the cache evicts them last. */
  setCurrentList(names: NameLookup): void {
    this.current = names;
  }

  /** The image source was announced again: what it refused before may be fixed now. */
  forgetRefusals(): void {
    this.refusals.clear();
  }

  /** The file whose photo is on screen now; it is never evicted. */
  setOnScreen(path: string | null): void {
    this.onScreen = path;
  }

  /** Renditions are kept per screen size; whole files from a download folder once, under `original/`. */
  pathFor(name: string, size: Size, source: ImageSource | null = null): string {
    const problem = imageNameProblem(name);
    if (problem) throw new Error(`image name ${JSON.stringify(name)} ${problem}`);
    return join(this.dir, source?.kind === 'download' ? ORIGINALS : `${size.width}x${size.height}`, name);
  }

  /**
   * The local file for a photo, downloading it first if it is not cached yet
   * (or what is cached is not a good image). `progress` is called as the
   * download's bytes arrive.
   */
  async get(name: string, size: Size, source: ImageSource | null, progress?: () => void): Promise<string> {
    const path = this.pathFor(name, size, source);
    const wholeFile = source?.kind === 'download';
    this.inUse.set(path, (this.inUse.get(path) ?? 0) + 1);
    try {
      await this.dropIfPoisoned(path, name, wholeFile);
      // Room is made before a download as well as after, so a cache that is full is not made fuller first.
      if (!(await isFile(path))) await this.trim();
      let downloaded = false;
      const file = await this.files
        .ensureFilled(path, async (handle, tempPath) => {
          if (!source) throw new Error(`cannot fetch ${name}: no image server is known yet and it is not cached`);
          const request = downloadRequest(source, name, size, this.identity);
          const key = `${request.origin}\n${path}`;
          const refused = this.refusals.recall(key, Date.now());
          if (refused) throw refused;
          try {
            await downloadImageInto(request, handle, tempPath, this.limits, progress);
          } catch (error) {
            if (error instanceof RejectedImage && REMEMBERED_REFUSALS.has(error.problem)) this.refusals.remember(key, error, Date.now());
            throw error;
          }
          downloaded = true;
        })
        .catch(async (error: unknown) => {
          // A failed write (a full disk most often) is when room is needed most.
          await this.trim();
          if (isDiskFull(error) && !(error instanceof RejectedImage)) throw new RejectedImage('disk-full', `cannot store ${name}: the disk is full`);
          throw error;
        });
      this.verified.add(path);
      this.lastUsed.set(path, Date.now());
      this.recentlyReturned = [path, ...this.recentlyReturned.filter((p) => p !== path)].slice(0, 2);
      if (downloaded) await this.trim();
      return file;
    } finally {
      const users = (this.inUse.get(path) ?? 1) - 1;
      if (users > 0) this.inUse.set(path, users);
      else this.inUse.delete(path);
    }
  }

  /**
   * A cached file that passed verification but could not be prepared (a
   * damaged card, a codec the check did not exercise): drop it so the next
   * attempt downloads it again rather than failing on it for good.
   */
  async discardUnusable(path: string, cause: unknown): Promise<UnusableCachedImage> {
    this.verified.delete(path);
    this.lastUsed.delete(path);
    await unlink(path).catch(() => {});
    const error = new UnusableCachedImage(path, cause);
    log.warn(`${error.message}; removed it, it will be fetched again`);
    return error;
  }

  /** Deletes least recently used photos until the cache fits its budget; one pass at a time. */
  trim(): Promise<void> {
    if (this.trimming) {
      this.trimAgain = true;
      return this.trimming;
    }
    this.trimming = (async () => {
      do {
        this.trimAgain = false;
        const { entries, liveTemps } = await this.scan();
        const free = await statfs(this.dir).then((fs) => fs.bavail * fs.bsize, () => Number.POSITIVE_INFINITY);
        // Downloads under way take room too; they count in the budget but are not for trim to delete.
        const pinned = new Set([...this.inUse.keys(), ...this.recentlyReturned, ...(this.onScreen ? [this.onScreen] : []), ...liveTemps.map((t) => t.path)]);
        const evicted = chooseEvictions([...entries, ...liveTemps], free, this.budget, { current: this.current, pinned });
        for (const entry of evicted) {
          await unlink(entry.path).catch(() => {});
          this.lastUsed.delete(entry.path);
          this.verified.delete(entry.path);
        }
        if (evicted.length > 0) {
          log.info('cache trimmed', { evicted: evicted.length, freedMiB: Math.round(evicted.reduce((sum, e) => sum + e.bytes, 0) / 1024 / 1024) });
        }
      } while (this.trimAgain);
    })().finally(() => (this.trimming = null));
    return this.trimming;
  }

  /** How many photos are cached for a size; used in logs to say what the display can show offline. */
  async count(size: Size): Promise<number> {
    try {
      return (await readdir(join(this.dir, `${size.width}x${size.height}`))).filter((n) => !n.startsWith('.')).length;
    } catch {
      return 0;
    }
  }

  /** Bytes the cache holds (photos and downloads under way), for the status. */
  async bytes(): Promise<number> {
    const { entries, liveTemps } = await this.scan();
    return [...entries, ...liveTemps].reduce((sum, entry) => sum + entry.bytes, 0);
  }

  /**
   * Every cached photo with its size and last use, and the temp files of
   * downloads still running. Temp files whose writer died (a killed viewer)
   * are removed: nothing will ever finish or delete them.
   */
  private async scan(): Promise<{ entries: CachedEntry[]; liveTemps: CachedEntry[] }> {
    const entries: CachedEntry[] = [];
    const liveTemps: CachedEntry[] = [];
    for (const folder of await readdir(this.dir).catch(() => [] as string[])) {
      const folderPath = join(this.dir, folder);
      for (const name of await readdir(folderPath).catch(() => [] as string[])) {
        const path = join(folderPath, name);
        if (isOrphanedTempFile(name)) {
          await unlink(path).catch(() => {});
          continue;
        }
        const info = await stat(path).catch(() => null);
        if (!info?.isFile()) continue;
        const entry = { path, name, bytes: info.size, lastUsedMs: this.lastUsed.get(path) ?? info.mtimeMs };
        (name.startsWith('.') ? liveTemps : entries).push(entry);
      }
    }
    return { entries, liveTemps };
  }

  private async dropIfPoisoned(path: string, name: string, wholeFile: boolean): Promise<void> {
    if (this.verified.has(path) || !(await isFile(path))) return;
    try {
      await checkImage(path, `cached ${name}`, this.limits);
      const expected = wholeFile ? hashPrefixOfName(name) : null;
      if (expected && !(await sha256OfFile(path)).startsWith(expected)) {
        throw new RejectedImage('hash-mismatch', `refused cached ${name}: its content does not hash to its name`);
      }
      this.verified.add(path);
    } catch (error) {
      // A check that did not finish says nothing against the file: it stays for the next try.
      if (!(error instanceof RejectedImage) || error instanceof ImageCheckTimeout) throw error;
      log.warn(`${error.message}; removing it and fetching it again`);
      await unlink(path).catch(() => {});
    }
  }
}

/** A cached photo that could not be prepared; the cache has dropped it. */
export class UnusableCachedImage extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot prepare cached ${path.split('/').pop()}: ${(cause as Error)?.message?.split('\n')[0]?.slice(0, 120)}`, { cause });
    this.name = 'UnusableCachedImage';
  }
}

function downloadRequest(source: ImageSource, name: string, size: Size, identity: ServerIdentity | null): DownloadRequest {
  if (source.kind === 'server') {
    const { server } = source;
    if (identity) refuseUntrustedServer(server, identity, name);
    return {
      url: `${server.url}/images/${encodeURIComponent(name)}?w=${size.width}&h=${size.height}`,
      origin: server.url,
      // Over HTTPS the certificate says who asks; a token is sent only where the server published one.
      headers: server.token !== undefined ? { Authorization: `Bearer ${server.token}` } : {},
      ...(identity ? { httpsAgent: identity.agent } : {}),
      name,
      // A rendition is resized, so its bytes cannot match the original's hash.
      expectedHashPrefix: null,
      acceptUntyped: false,
    };
  }
  // The original system's folder is another server: the display's identity is not presented there.
  return {
    url: `${source.baseUrl}/${encodeURIComponent(name)}`,
    origin: source.baseUrl,
    headers: {},
    name,
    expectedHashPrefix: hashPrefixOfName(name),
    acceptUntyped: true,
  };
}

/** A display with an enrollment talks to its own installation's image server over HTTPS, or not at all. */
function refuseUntrustedServer(server: ImageServerInfo, identity: ServerIdentity, name: string): void {
  if (!server.url.startsWith('https://')) {
    throw new RejectedImage(
      'untrusted-server',
      `refused to fetch ${name} from ${server.url}: this display is enrolled and fetches only over https://; run photoframe serve against the TLS etcd`,
    );
  }
  if (server.ca_sha256 !== undefined && server.ca_sha256 !== identity.caSha256) {
    throw new RejectedImage(
      'untrusted-server',
      `refused to fetch ${name} from ${server.url}: it is published with another installation's CA (${server.ca_sha256.slice(0, 11)}…, ours ${identity.caSha256.slice(0, 11)}…); enroll the display with this console`,
    );
  }
}
