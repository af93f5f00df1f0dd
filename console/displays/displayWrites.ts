import type { Etcd3 } from 'etcd3';
import type { DisplaySettings } from '../../common/protocol/codecs/settingsCodec.ts';
import { encodeTopic, type TopicValues } from '../../common/protocol/topicRegistry.ts';
import type { DisplayTopic } from '../../common/protocol/displayKeys.ts';
import { UserError } from '../../common/userError.ts';
import type { AlbumRecord } from '../../data/library/librarySchema.ts';
import type { ManifestStore } from '../manifests/manifestStore.ts';
import { putSettingsMany } from './settingsFanout.ts';
import { DEFAULT_IMAGES_WIRE_LIMITS, imagesWire, type ImagesWireLimits, type KeyValue } from './imagesWire.ts';

/** Where large lists' manifests go, and the bound above which a list needs one. */
export interface ImagesWriting {
  store: ManifestStore | null;
  limits: ImagesWireLimits;
}

let processImagesWriting: ImagesWriting = { store: null, limits: DEFAULT_IMAGES_WIRE_LIMITS };

/** Set once by the CLI from its home and environment, so every writer of lists below uses them. */
export function configureImagesWriting(writing: ImagesWriting): void {
  processImagesWriting = writing;
}

export function imagesWriting(): ImagesWriting {
  return processImagesWriting;
}

/**
 * Every write the console makes to a display's keys. Each key goes in its own
 * put: an original viewer sees only the first key of a transaction, so a
 * transaction of several keys would lose the rest on it.
 */
export async function putTopic<K extends DisplayTopic>(client: Etcd3, displayId: string, topic: K, value: TopicValues[K]): Promise<void> {
  const { key, value: wire } = encodeTopic(displayId, topic, value);
  await client.put(key).value(wire);
}

/**
 * The album a display shows: the album key, then the image list last, as the
 * original server's order wants. A key that already holds the value is not
 * written again: an original viewer's one-event watch that hears a needless
 * write may miss the next one, and a repeated list makes it skip a photo.
 * Returns whether the image list changed.
 */
export async function putAlbum(client: Etcd3, displayId: string, album: AlbumRecord): Promise<boolean> {
  const albumRef = encodeTopic(displayId, 'album', { id: album.id, name: album.name });
  if ((await client.get(albumRef.key).string()) !== albumRef.value) await client.put(albumRef.key).value(albumRef.value);
  return putImages(client, displayId, album.photos);
}

/**
 * The image list alone, written only when it differs (see putAlbum); a list
 * too large for one etcd value goes as a manifest (see imagesWire.ts).
 * Returns whether what the display shows changed.
 */
export async function putImages(client: Etcd3, displayId: string, photos: readonly string[], options: ImagesWriting = imagesWriting()): Promise<boolean> {
  const wire = imagesWire(displayId, photos, options.limits);
  const putIfChanged = async ({ key, value }: KeyValue) => {
    if ((await client.get(key).string()) === value) return false;
    await client.put(key).value(value);
    return true;
  };
  if (wire.kind === 'plain') {
    const changed = await putIfChanged(wire.images);
    // After images: a viewer that had a manifest takes the list it holds from `images` when the manifest goes.
    const deleted = await client.delete().key(wire.manifestKey);
    return changed || Number(deleted.deleted) > 0;
  }
  if (!options.store) throw new UserError(`cannot give display ${displayId} a list of ${wire.ref.count} photos: it needs a manifest, and no manifest folder is set`);
  await options.store.save(wire.body, wire.ref);
  const manifestChanged = await putIfChanged(wire.manifest);
  return (await putIfChanged(wire.images)) || manifestChanged;
}

export { SettingsConflictError } from './settingsFanout.ts';

/**
 * Merges a change into the settings etcd holds and writes the whole object,
 * guarded by the key's revision so a concurrent edit is merged, not lost, and
 * a retried write is not applied twice (see settingsFanout.ts, which does
 * this for many displays at once). What is written is complete and in the
 * original viewer's types; settings that already are the result are not
 * written again.
 */
export async function putSettings(client: Etcd3, displayId: string, displayName: string, change: Partial<DisplaySettings>): Promise<DisplaySettings> {
  return (await putSettingsMany(client, [{ id: displayId, name: displayName }], change)).get(displayId)!;
}
