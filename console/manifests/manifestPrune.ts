import type { Etcd3 } from 'etcd3';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImagesManifest, isManifestSha256 } from '../../common/protocol/codecs/imagesManifestCodec.ts';
import type { ManifestStore } from './manifestStore.ts';

/** Long enough for a viewer to fetch a manifest just replaced, and for the image server's 60 s grace. */
export const MANIFEST_KEEP_MS = 15 * 60_000;

/**
 * Deletes the manifests no display's `images_manifest` names any more and
 * that are older than `keepMs`: a smart album that changes with every import
 * would otherwise leave a few MB behind each time. The age spares one
 * written a moment ago whose key is not in etcd yet. Returns the deleted.
 */
export async function pruneManifests(client: Etcd3, store: ManifestStore, nowMs: number = Date.now(), keepMs: number = MANIFEST_KEEP_MS): Promise<string[]> {
  const files = await readdir(store.dir).catch(() => [] as string[]);
  const candidates = files.filter(isManifestSha256);
  if (candidates.length === 0) return [];
  const named = new Set<string>();
  // Every key's name, then the manifest keys' values: a suffix cannot be a range in etcd, and the values
  // beside them (a large album's sample in `images`, 256 KiB a display) are not worth reading.
  const keys = (await client.getAll().prefix('/').keys()).filter((key) => key.endsWith(':images_manifest'));
  for (const key of keys) {
    const value = await client.get(key).string();
    const ref = value === null ? null : decodeImagesManifest(value);
    if (ref?.ok) named.add(ref.value.sha256);
  }
  const deleted: string[] = [];
  for (const sha256 of candidates) {
    if (named.has(sha256)) continue;
    const path = join(store.dir, sha256);
    const info = await stat(path).catch(() => null);
    if (!info || nowMs - info.mtimeMs < keepMs) continue;
    await unlink(path).catch(() => {});
    deleted.push(sha256);
  }
  return deleted;
}
