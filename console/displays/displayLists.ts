import type { Etcd3 } from 'etcd3';
import { decodeImages } from '../../common/protocol/codecs/imagesCodec.ts';
import { decodeImagesManifest } from '../../common/protocol/codecs/imagesManifestCodec.ts';
import { displayKey } from '../../common/protocol/displayKeys.ts';
import type { ManifestStore } from '../manifests/manifestStore.ts';
import { imagesWriting } from './displayWrites.ts';

/**
 * A display's whole list as the console gave it: the names of the manifest
 * `images_manifest` names when there is one (`images` then holds only a
 * sample), else `images`. A missing or unreadable list counts as none.
 */
export async function currentListOf(client: Etcd3, displayId: string, store: ManifestStore | null = imagesWriting().store): Promise<string[]> {
  const manifestRaw = await client.get(displayKey(displayId, 'images_manifest')).string();
  if (manifestRaw !== null) {
    const ref = decodeImagesManifest(manifestRaw);
    if (!ref.ok || !store) return [];
    const names = await store.load(ref.value).catch(() => null);
    return names ? Array.from({ length: names.length }, (_, i) => names.nameAt(i)) : [];
  }
  const raw = await client.get(displayKey(displayId, 'images')).string();
  const decoded = raw === null ? null : decodeImages(raw);
  return decoded?.ok ? [...decoded.value] : [];
}
