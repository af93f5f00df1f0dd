import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FileOnce, isFile } from '../common/fileOnce.ts';
import { createLogger } from '../common/log.ts';
import type { ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import { imageNameProblem } from '../common/protocol/codecs/imagesCodec.ts';
import {
  checkImage,
  DEFAULT_DOWNLOAD_LIMITS,
  downloadImageInto,
  hashPrefixOfName,
  RejectedImage,
  sha256OfFile,
  type DownloadLimits,
  type DownloadRequest,
} from './imageDownload.ts';
import type { Size } from './layout.ts';

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
  if (downloadBaseUrl) return { kind: 'download', baseUrl: downloadBaseUrl.replace(/\/+$/, '') };
  return null;
}

export interface ImageCacheOptions {
  limits?: DownloadLimits;
}

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

  constructor(
    private readonly dir: string,
    options: ImageCacheOptions = {},
  ) {
    this.limits = options.limits ?? DEFAULT_DOWNLOAD_LIMITS;
  }

  /** Renditions are kept per screen size; whole files from a download folder once, under `original/`. */
  pathFor(name: string, size: Size, source: ImageSource | null = null): string {
    const problem = imageNameProblem(name);
    if (problem) throw new Error(`image name ${JSON.stringify(name)} ${problem}`);
    return join(this.dir, source?.kind === 'download' ? ORIGINALS : `${size.width}x${size.height}`, name);
  }

  /** The local file for a photo, downloading it first if it is not cached yet (or what is cached is not a good image). */
  async get(name: string, size: Size, source: ImageSource | null): Promise<string> {
    const path = this.pathFor(name, size, source);
    const wholeFile = source?.kind === 'download';
    await this.dropIfPoisoned(path, name, wholeFile);
    const file = await this.files.ensureFilled(path, (handle, tempPath) => {
      if (!source) throw new Error(`cannot fetch ${name}: no image server is known yet and it is not cached`);
      return downloadImageInto(downloadRequest(source, name, size), handle, tempPath, this.limits);
    });
    this.verified.add(path);
    return file;
  }

  /** How many photos are cached for a size; used in logs to say what the display can show offline. */
  async count(size: Size): Promise<number> {
    try {
      return (await readdir(join(this.dir, `${size.width}x${size.height}`))).filter((n) => !n.startsWith('.')).length;
    } catch {
      return 0;
    }
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
      if (!(error instanceof RejectedImage)) throw error;
      log.warn(`${error.message}; removing it and fetching it again`);
      await unlink(path).catch(() => {});
    }
  }
}

function downloadRequest(source: ImageSource, name: string, size: Size): DownloadRequest {
  if (source.kind === 'server') {
    return {
      url: `${source.server.url}/images/${encodeURIComponent(name)}?w=${size.width}&h=${size.height}`,
      origin: source.server.url,
      headers: { Authorization: `Bearer ${source.server.token}` },
      name,
      // A rendition is resized, so its bytes cannot match the original's hash.
      expectedHashPrefix: null,
    };
  }
  return { url: `${source.baseUrl}/${encodeURIComponent(name)}`, origin: source.baseUrl, headers: {}, name, expectedHashPrefix: hashPrefixOfName(name) };
}
