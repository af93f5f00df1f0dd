import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileOnce } from '../common/fileOnce.ts';
import { fetchFailureReason } from '../common/net/fetchFailure.ts';
import type { ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import { imageNameProblem } from '../common/protocol/codecs/imagesCodec.ts';
import type { Size } from './layout.ts';

const DOWNLOAD_TIMEOUT_MS = 60_000;

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

/**
 * Photos as the image server sized them for this screen, kept on disk so the
 * display goes on showing them when the network or the server is away.
 */
export class ImageCache {
  private readonly files = new FileOnce();

  constructor(private readonly dir: string) {}

  /** Renditions are kept per screen size; whole files from a download folder once, under `original/`. */
  pathFor(name: string, size: Size, source: ImageSource | null = null): string {
    const problem = imageNameProblem(name);
    if (problem) throw new Error(`image name ${JSON.stringify(name)} ${problem}`);
    return join(this.dir, source?.kind === 'download' ? 'original' : `${size.width}x${size.height}`, name);
  }

  /** The local file for a photo, downloading it first if it is not cached yet. */
  get(name: string, size: Size, source: ImageSource | null): Promise<string> {
    return this.files.ensure(this.pathFor(name, size, source), async () => {
      if (!source) throw new Error(`cannot fetch ${name}: no image server is known yet and it is not cached`);
      return download(source, name, size);
    });
  }

  /** How many photos are cached for a size; used in logs to say what the display can show offline. */
  async count(size: Size): Promise<number> {
    try {
      return (await readdir(join(this.dir, `${size.width}x${size.height}`))).filter((n) => !n.startsWith('.')).length;
    } catch {
      return 0;
    }
  }
}

async function download(source: ImageSource, name: string, size: Size): Promise<Buffer> {
  const [origin, url, headers] =
    source.kind === 'server'
      ? [
          source.server.url,
          `${source.server.url}/images/${encodeURIComponent(name)}?w=${size.width}&h=${size.height}`,
          { Authorization: `Bearer ${source.server.token}` },
        ]
      : [source.baseUrl, `${source.baseUrl}/${encodeURIComponent(name)}`, {}];
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch (error) {
    throw new Error(`cannot fetch ${name} from ${origin}: ${fetchFailureReason(error, DOWNLOAD_TIMEOUT_MS)}`);
  }
  if (!response.ok) {
    throw new Error(`cannot fetch ${name} from ${origin}: HTTP ${response.status} ${(await response.text()).trim()}`);
  }
  return Buffer.from(await response.arrayBuffer());
}
