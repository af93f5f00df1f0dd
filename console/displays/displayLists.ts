import type { Etcd3 } from 'etcd3';
import { decodeImages } from '../../common/protocol/codecs/imagesCodec.ts';
import { decodeImagesManifest } from '../../common/protocol/codecs/imagesManifestCodec.ts';
import { displayKey } from '../../common/protocol/displayKeys.ts';
import type { ManifestStore } from '../manifests/manifestStore.ts';
import { imagesWriting } from './displayWrites.ts';

/**
 * A display's whole list from the values etcd holds for it: the names of the
 * manifest `images_manifest` names when there is one (`images` then holds
 * only a sample), else `images`. A missing or unreadable list counts as none.
 * The raw values come from one display's gets or a fan-out's batched reads.
 */
export async function wholeListOf(manifestRaw: string | null, imagesRaw: string | null, store: ManifestStore | null): Promise<string[]> {
  if (manifestRaw !== null) {
    const ref = decodeImagesManifest(manifestRaw);
    if (!ref.ok || !store) return [];
    const names = await store.load(ref.value).catch(() => null);
    return names ? Array.from({ length: names.length }, (_, i) => names.nameAt(i)) : [];
  }
  const decoded = imagesRaw === null ? null : decodeImages(imagesRaw);
  return decoded?.ok ? [...decoded.value] : [];
}

/** A display's whole list as the console gave it (see wholeListOf), read from etcd. */
export async function currentListOf(client: Etcd3, displayId: string, store: ManifestStore | null = imagesWriting().store): Promise<string[]> {
  const manifestRaw = await client.get(displayKey(displayId, 'images_manifest')).string();
  const imagesRaw = manifestRaw === null ? await client.get(displayKey(displayId, 'images')).string() : null;
  return wholeListOf(manifestRaw, imagesRaw, store);
}
