import { accept, describeValue, isPlainObject, parseJson, refuse, type Decoded } from '../decoded.ts';

/**
 * `/<id>:images_manifest` — names the display's photo list when it is too
 * large for one etcd value: the SHA-256 of the manifest file (its names, one
 * per line), how many names it holds and its size in bytes. The viewer
 * fetches `<image server>/manifests/<sha256>` and checks all three.
 */
export interface ManifestRef {
  sha256: string;
  count: number;
  bytes: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Far above 100,000 names of 28 bytes; a manifest beyond it is refused before anything is fetched. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export function decodeImagesManifest(raw: string): Decoded<ManifestRef> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isPlainObject(value)) return refuse(`images_manifest must be a JSON object {sha256, count, bytes}, got ${describeValue(value)}`);
  if (typeof value.sha256 !== 'string' || !SHA256_HEX.test(value.sha256)) return refuse('images_manifest.sha256 must be 64 lower-case hex digits');
  if (!Number.isSafeInteger(value.count) || (value.count as number) < 1) return refuse(`images_manifest.count must be a whole number ≥ 1, got ${describeValue(value.count)}`);
  const bytes = value.bytes as number;
  if (!Number.isSafeInteger(bytes) || bytes < 2 * (value.count as number) || bytes > MAX_MANIFEST_BYTES) {
    return refuse(`images_manifest.bytes must be a whole number from 2 × count to ${MAX_MANIFEST_BYTES}, got ${describeValue(value.bytes)}`);
  }
  return accept({ sha256: value.sha256, count: value.count as number, bytes });
}

export function encodeImagesManifest(ref: ManifestRef): string {
  if (!SHA256_HEX.test(ref.sha256)) throw new Error('cannot encode images_manifest: sha256 must be 64 lower-case hex digits');
  return JSON.stringify({ sha256: ref.sha256, count: ref.count, bytes: ref.bytes });
}

export function isManifestSha256(text: string): boolean {
  return SHA256_HEX.test(text);
}
