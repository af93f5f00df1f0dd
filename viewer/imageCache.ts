import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileOnce } from '../common/fileOnce.ts';
import { fetchFailureReason } from '../common/net/fetchFailure.ts';
import type { ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import { imageNameProblem } from '../common/protocol/codecs/imagesCodec.ts';
import type { Size } from './layout.ts';

const DOWNLOAD_TIMEOUT_MS = 60_000;

/**
 * Photos as the image server sized them for this screen, kept on disk so the
 * display goes on showing them when the network or the server is away.
 */
export class ImageCache {
  private readonly files = new FileOnce();

  constructor(private readonly dir: string) {}

  pathFor(name: string, size: Size): string {
    const problem = imageNameProblem(name);
    if (problem) throw new Error(`image name ${JSON.stringify(name)} ${problem}`);
    return join(this.dir, `${size.width}x${size.height}`, name);
  }

  /** The local file for a photo, downloading it first if this size is not cached yet. */
  get(name: string, size: Size, server: ImageServerInfo | null): Promise<string> {
    return this.files.ensure(this.pathFor(name, size), async () => {
      if (!server) throw new Error(`cannot fetch ${name}: no image server is known yet and it is not cached`);
      return download(server, name, size);
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

async function download(server: ImageServerInfo, name: string, size: Size): Promise<Buffer> {
  const url = `${server.url}/images/${encodeURIComponent(name)}?w=${size.width}&h=${size.height}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${server.token}` },
      signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`cannot fetch ${name} from ${server.url}: ${fetchFailureReason(error, DOWNLOAD_TIMEOUT_MS)}`);
  }
  if (!response.ok) {
    throw new Error(`cannot fetch ${name} from ${server.url}: HTTP ${response.status} ${(await response.text()).trim()}`);
  }
  return Buffer.from(await response.arrayBuffer());
}
