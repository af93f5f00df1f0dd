/**
 * What goes to etcd for a display's photo list: the decision alone, pure, so
 * every writer (one display's put, a batched fan-out) makes the same one.
 *
 * A list whose `/<id>:images` value fits `maxInlineBytes` is written as it
 * always was: the plain JSON list, and any manifest key the display had is
 * deleted after it. A larger one becomes a manifest (its names, one per line,
 * addressed by SHA-256 and served by the image server), named by
 * `/<id>:images_manifest`, and `/<id>:images` gets a sample for original
 * viewers: names spread evenly over the whole list, as many as fit the same
 * bound, in the list's order. Order of writes: the manifest file, then
 * `images_manifest`, then `images` last (an original viewer hears only
 * `images`, and must hear it).
 */
import { encodeImages } from '../../common/protocol/codecs/imagesCodec.ts';
import type { ManifestRef } from '../../common/protocol/codecs/imagesManifestCodec.ts';
import { displayKey } from '../../common/protocol/displayKeys.ts';
import { encodeManifest } from '../../common/protocol/packedNames.ts';
import { topicSpec } from '../../common/protocol/topicRegistry.ts';
import { UserError } from '../../common/userError.ts';

export interface ImagesWireLimits {
  /** The largest `/<id>:images` value written; a list beyond it goes in a manifest. */
  maxInlineBytes: number;
}

/** Far below etcd's 1.5 MiB request limit (about 8,000 names of ours): a put of it stays quick, and original viewers parse it quickly. */
export const DEFAULT_IMAGES_WIRE_LIMITS: ImagesWireLimits = { maxInlineBytes: 256 * 1024 };

export interface KeyValue {
  key: string;
  value: string;
}

export type ImagesWire =
  /** Put `images`, then delete `manifestKey` (a no-op when it is absent). */
  | { kind: 'plain'; images: KeyValue; manifestKey: string }
  /** Store `body` as the manifest `ref.sha256`, then put `manifest`, then `images` (the sample) last. */
  | { kind: 'manifest'; body: Buffer; ref: ManifestRef; manifest: KeyValue; images: KeyValue; sampled: number };

export function imagesWire(displayId: string, photos: readonly string[], limits: ImagesWireLimits = DEFAULT_IMAGES_WIRE_LIMITS): ImagesWire {
  return imagesWireOf(displayId, listWire(photos, limits));
}

/**
 * The decision and the values for one list: the same for every display
 * given it, so a `same` group's 1,000 members share one encoding (the names
 * checked and serialised once, not once per member).
 */
export type ListWire =
  | { kind: 'plain'; images: string }
  | { kind: 'manifest'; body: Buffer; ref: ManifestRef; manifest: string; images: string; sampled: number };

export function listWire(photos: readonly string[], limits: ImagesWireLimits = DEFAULT_IMAGES_WIRE_LIMITS): ListWire {
  const images = topicSpec('images').encode([...photos]);
  if (Buffer.byteLength(images) <= limits.maxInlineBytes) return { kind: 'plain', images };
  // The viewer keeps one of each name; a manifest holds each once, so the same album always hashes the same.
  const distinct = [...new Set(photos)];
  const { body, ref } = encodeManifest(distinct);
  const sample = evenSample(distinct, limits.maxInlineBytes);
  return { kind: 'manifest', body, ref, manifest: topicSpec('images_manifest').encode(ref), images: topicSpec('images').encode(sample), sampled: sample.length };
}

/** A list's wire as one display's keys. */
export function imagesWireOf(displayId: string, list: ListWire): ImagesWire {
  const images = { key: displayKey(displayId, 'images'), value: list.images };
  const manifestKey = displayKey(displayId, 'images_manifest');
  if (list.kind === 'plain') return { kind: 'plain', images, manifestKey };
  return { kind: 'manifest', body: list.body, ref: list.ref, manifest: { key: manifestKey, value: list.manifest }, images, sampled: list.sampled };
}

/** Names at evenly spaced places over the whole list, in its order, as many as encode within `maxBytes`. */
export function evenSample(names: readonly string[], maxBytes: number): string[] {
  const pick = (count: number) => Array.from({ length: count }, (_, i) => names[Math.floor((i * names.length) / count)]!);
  const average = names.reduce((sum, name) => sum + Buffer.byteLength(JSON.stringify(name)) + 1, 0) / names.length;
  let count = Math.min(names.length, Math.floor((maxBytes - 2) / average));
  if (count < 1) throw new UserError(`cannot write a photo list within ${maxBytes} bytes: not even one name fits`);
  let sample = pick(count);
  // The average may undershoot a sample of longer names: shrink until it fits.
  while (Buffer.byteLength(encodeImages(sample)) > maxBytes && count > 1) sample = pick((count = Math.floor(count * 0.95)));
  return sample;
}

/** The bound from the environment (PHOTOFRAME_IMAGES_INLINE_MAX, bytes), or the default. */
export function imagesWireLimitsFromEnv(env: NodeJS.ProcessEnv): ImagesWireLimits {
  const text = env.PHOTOFRAME_IMAGES_INLINE_MAX;
  if (text === undefined || text.trim() === '') return DEFAULT_IMAGES_WIRE_LIMITS;
  const value = Number(text);
  // Above 1 MiB a put with the rest of a request would pass etcd's default 1.5 MiB limit.
  if (!Number.isSafeInteger(value) || value < 1024 || value > 1024 * 1024) {
    throw new UserError(`PHOTOFRAME_IMAGES_INLINE_MAX="${text}" must be a whole number of bytes from 1024 to 1048576`);
  }
  return { maxInlineBytes: value };
}
