import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Agent as HttpsAgent } from 'node:https';
import { writeFileAtomic } from '../common/atomicFile.ts';
import { fetchFailureReason } from '../common/net/fetchFailure.ts';
import type { ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import type { ManifestRef } from '../common/protocol/codecs/imagesManifestCodec.ts';
import { PackedNames } from '../common/protocol/packedNames.ts';
import { openGet } from './httpGet.ts';

/** Why a manifest could not be had: not cached and no server yet, the server refused, or what came was not it. */
export class ManifestUnavailable extends Error {
  constructor(
    readonly sha256: string,
    reason: string,
  ) {
    super(`cannot load manifest ${sha256.slice(0, 12)}: ${reason}`);
    this.name = 'ManifestUnavailable';
  }
}

export interface ManifestSource {
  server: ImageServerInfo;
  request(server: ImageServerInfo, path: string, what: string): { url: string; headers: Record<string, string>; httpsAgent?: HttpsAgent };
}

const FETCH_TIMEOUT_MS = 60_000;

/**
 * The display's manifest on its own disk (`<home>/viewer-manifests/<sha256>`),
 * so it starts from it with etcd and the server away. Read from disk when
 * there, else fetched from the image server; either way its hash, size and
 * names are checked before a name of it is used. Only the newest is kept.
 */
export class ManifestCache {
  constructor(private readonly dir: string) {}

  async load(ref: ManifestRef, source: ManifestSource | null): Promise<PackedNames> {
    const path = join(this.dir, ref.sha256);
    const cached = await readFile(path).catch(() => null);
    if (cached) {
      const names = PackedNames.fromManifest(cached, ref);
      if (names.ok) return names.value;
      // Damaged on the card: fetched again below.
      await unlink(path).catch(() => {});
    }
    if (!source) throw new ManifestUnavailable(ref.sha256, 'it is not cached here and no image server is known yet');
    const body = await fetchManifest(ref, source);
    const names = PackedNames.fromManifest(body, ref);
    if (!names.ok) throw new ManifestUnavailable(ref.sha256, `the image server sent something else: ${names.error}`);
    await writeFileAtomic(path, body);
    await this.forgetAllBut(ref.sha256);
    return names.value;
  }

  private async forgetAllBut(sha256: string): Promise<void> {
    const files = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(files.filter((file) => file !== sha256 && !file.startsWith('.')).map((file) => unlink(join(this.dir, file)).catch(() => {})));
  }
}

/** The manifest's bytes, read into one Buffer of the size its reference announces, never more. */
async function fetchManifest(ref: ManifestRef, source: ManifestSource): Promise<Buffer> {
  const request = source.request(source.server, `/manifests/${ref.sha256}`, `manifest ${ref.sha256.slice(0, 12)}`);
  let opened;
  try {
    opened = await openGet(request.url, { ...request.headers, accept: 'text/plain' }, FETCH_TIMEOUT_MS, request.httpsAgent);
  } catch (error) {
    throw new ManifestUnavailable(ref.sha256, `${source.server.url} is unreachable (${fetchFailureReason(error, FETCH_TIMEOUT_MS)})`);
  }
  const { response } = opened;
  if (response.statusCode !== 200) {
    opened.abort();
    throw new ManifestUnavailable(ref.sha256, `${source.server.url} answered ${response.statusCode}`);
  }
  const body = Buffer.allocUnsafe(ref.bytes);
  let filled = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      if (filled + chunk.length > ref.bytes) {
        opened.abort();
        throw new ManifestUnavailable(ref.sha256, `the image server sent more than the ${ref.bytes} bytes it should`);
      }
      chunk.copy(body, filled);
      filled += chunk.length;
    }
  } catch (error) {
    if (error instanceof ManifestUnavailable) throw error;
    throw new ManifestUnavailable(ref.sha256, `the download broke off (${fetchFailureReason(error, FETCH_TIMEOUT_MS)})`);
  }
  if (filled !== ref.bytes) throw new ManifestUnavailable(ref.sha256, `the image server sent ${filled} of ${ref.bytes} bytes`);
  return body;
}
