import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { decodeImages } from '../common/protocol/codecs/imagesCodec.ts';
import { decodeImagesManifest } from '../common/protocol/codecs/imagesManifestCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { publishGroup } from '../console/displays/albumPublisher.ts';
import { currentListOf } from '../console/displays/displayLists.ts';
import { configureImagesWriting, imagesWriting, putImages, type ImagesWriting } from '../console/displays/displayWrites.ts';
import { ManifestStore } from '../console/manifests/manifestStore.ts';
import { MANIFEST_KEEP_MS, pruneManifests } from '../console/manifests/manifestPrune.ts';
import { EtcdDisplays } from '../console/state/etcdDisplays.ts';
import { emptyLibrary, type Library } from '../data/library/librarySchema.ts';
import { tempDir } from './helpers/fixtures.ts';
import { originalViewer } from './helpers/originalSystem.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

/** The console's writes of large lists against a real etcd: what goes where, in which order, and no needless write. */
interface Context {
  etcd: TestEtcd;
  writing: ImagesWriting;
  before: ImagesWriting;
}

const writes = suite<Context>('writing large lists');
const names = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `${(from + i).toString(16).padStart(24, '0')}.jpg`);

writes.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.before = imagesWriting();
  // A low bound, so a few hundred names make a manifest.
  context.writing = { store: new ManifestStore(join(await tempDir(), 'manifests')), limits: { maxInlineBytes: 2048 } };
  configureImagesWriting(context.writing);
});

writes.after(async (context) => {
  configureImagesWriting(context.before);
  await context.etcd?.stop();
});

async function revisionOf(context: Context, key: string): Promise<bigint | null> {
  const kv = (await context.etcd.client.get(key).exec()).kvs[0];
  return kv ? BigInt(kv.mod_revision) : null;
}

writes('small, then large, then small again: the keys an original viewer and ours need, images last each time', async (context) => {
  const { client } = context.etcd;
  const images = displayKey('w1', 'images');
  const manifest = displayKey('w1', 'images_manifest');
  assert.ok(await putImages(client, 'w1', names(3)));
  assert.is(await client.get(images).string(), JSON.stringify(names(3)));
  assert.is(await client.get(manifest).string(), null);

  const large = names(500);
  assert.ok(await putImages(client, 'w1', large));
  const ref = decodeImagesManifest((await client.get(manifest).string())!);
  assert.ok(ref.ok && ref.value.count === 500);
  const sample = decodeImages((await client.get(images).string())!);
  assert.ok(sample.ok && sample.value.length < 500 && sample.value.length > 10);
  assert.ok((await revisionOf(context, manifest))! < (await revisionOf(context, images))!, 'images is written after the manifest');
  assert.equal(await currentListOf(client, 'w1'), large, 'the whole list is read back through the manifest');

  const revision = await revisionOf(context, images);
  assert.not.ok(await putImages(client, 'w1', large), 'the same list again writes nothing');
  assert.is(await revisionOf(context, images), revision);

  assert.ok(await putImages(client, 'w1', names(2, 9000)));
  assert.is(await client.get(manifest).string(), null, 'a small list again deletes the manifest');
  assert.is(await client.get(images).string(), JSON.stringify(names(2, 9000)));
});

writes('a split group of a large album keeps its fair parts when it is published again', async (context) => {
  const { client } = context.etcd;
  const library: Library = emptyLibrary();
  library.albums.push({ id: 'a1', name: 'Large', photos: names(800), createdAt: new Date().toISOString() });
  const group = { id: 'g1', name: 'Shop', albumId: 'a1', displayIds: ['s1', 's2'], createdAt: new Date().toISOString() };
  library.groups = [group];
  const written = await publishGroup(client, library, group);
  assert.equal(written.sort(), ['s1', 's2']);
  const parts = await Promise.all(['s1', 's2'].map((id) => currentListOf(client, id)));
  assert.equal(parts.map((part) => part.length), [400, 400]);
  assert.ok((await client.get(displayKey('s1', 'images_manifest')).string()) !== null, 'each part of 400 is a manifest');
  assert.equal(await publishGroup(client, library, group), [], 'dealt again, it would reorder every member');
});

writes('without a manifest folder, a large list is refused with the reason and nothing is written', async (context) => {
  const { client } = context.etcd;
  await putImages(client, 'w2', names(500), { store: null, limits: { maxInlineBytes: 2048 } }).then(
    () => assert.unreachable('written without a manifest folder'),
    (error: Error) => assert.match(error.message, /cannot give display w2 a list of 500 photos: it needs a manifest/),
  );
  assert.is(await client.get(displayKey('w2', 'images')).string(), null);
  assert.is(await client.get(displayKey('w2', 'images_manifest')).string(), null);
});

writes("the console's displays view counts a large album's photos, not its sample's", async (context) => {
  const { client } = context.etcd;
  const displays = new EtcdDisplays(client);
  await displays.open();
  const counted = async (count: number) => {
    for (let attempt = 0; displays.keysOf('w3').images !== count; attempt++) {
      assert.ok(attempt < 200, `the view counted ${displays.keysOf('w3').images}, not ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  try {
    await putImages(client, 'w3', names(500));
    await counted(500);
    assert.ok(displays.keysOf('w3').listedImages! < 500, 'images itself holds the sample');
    await putImages(client, 'w3', names(2));
    await counted(2);
  } finally {
    await displays.close();
  }
});

writes('an original viewer reads the sample as the plain list it knows, written last, after the manifest', async (context) => {
  const { client, endpoint } = context.etcd;
  const start = Number((await client.get('/').exec()).header.revision) + 1;
  const large = names(500);
  await putImages(client, 'orig', large);
  const seen = (await originalViewer('events', endpoint, 'orig', String(start), '2')) as { key: string }[];
  assert.equal(seen.map((event) => event.key), ['/orig:images_manifest', '/orig:images']);
  const read = (await originalViewer('read', endpoint, 'orig')) as { images: string[]; problems: string[] };
  assert.equal(read.problems, []);
  assert.ok(read.images.length > 10 && read.images.length < 500);
  assert.ok(read.images.every((name) => large.includes(name)), 'photos of the album, spread over it');
});

writes('manifests no display names are pruned once old enough; those named, and fresh ones, stay', async (context) => {
  const { client } = context.etcd;
  const store = context.writing.store!;
  await putImages(client, 'p1', names(300, 20_000));
  const first = decodeImagesManifest((await client.get(displayKey('p1', 'images_manifest')).string())!);
  await putImages(client, 'p1', names(300, 30_000));
  const second = decodeImagesManifest((await client.get(displayKey('p1', 'images_manifest')).string())!);
  assert.ok(first.ok && second.ok);
  if (!first.ok || !second.ok) return;
  assert.equal(await pruneManifests(client, store), [], 'nothing is old enough yet');
  const deleted = await pruneManifests(client, store, Date.now() + MANIFEST_KEEP_MS + 1000);
  assert.ok(deleted.includes(first.value.sha256));
  assert.not.ok(deleted.includes(second.value.sha256), 'the one p1 shows stays');
  await store.load(second.value);
});

writes.run();
