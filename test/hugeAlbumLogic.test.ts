import { seededRandom } from '../common/sync/groupSlots.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImages } from '../common/protocol/codecs/imagesCodec.ts';
import { decodeImagesManifest, encodeImagesManifest } from '../common/protocol/codecs/imagesManifestCodec.ts';
import { encodeManifest, PackedNames } from '../common/protocol/packedNames.ts';
import { readDisplayChange } from '../common/protocol/topicRegistry.ts';
import { evenSample, imagesWire, imagesWireLimitsFromEnv } from '../console/displays/imagesWire.ts';
import { PhotoAllowance } from '../console/imageServer/photoAllowance.ts';
import { ManifestShelf, ManifestStore, ManifestUnusableError } from '../console/manifests/manifestStore.ts';
import { INITIAL_MODEL, reduce, screenIntent, type DisplayModel, type Effect, type ModelEvent } from '../viewer/displayModel.ts';
import { ManifestCache, ManifestUnavailable } from '../viewer/manifestCache.ts';
import { namesOf } from '../viewer/photoList.ts';
import { back, currentImage, EMPTY_PLAYLIST, forward, passNames, upcomingImage, withImages, withMode } from '../viewer/playlist.ts';
import { tempDir } from './helpers/fixtures.ts';

const nameOf = (i: number) => `${i.toString(16).padStart(24, '0')}.jpg`;
const namesUpTo = (count: number) => Array.from({ length: count }, (_, i) => nameOf(i));

function packed(names: readonly string[]): PackedNames {
  const { body, ref } = encodeManifest(names);
  const list = PackedNames.fromManifest(body, ref);
  if (!list.ok) throw new Error(list.error);
  return list.value;
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A repeatable random source (the groups' mulberry32), so shuffles can be checked. */
const seeded = (seed = 7) => seededRandom(seed);

test('images_manifest: a reference is three checked fields; anything else is refused with the reason', () => {
  const ref = { sha256: 'a'.repeat(64), count: 100_000, bytes: 2_900_000 };
  assert.equal(decodeImagesManifest(encodeImagesManifest(ref)), { ok: true, value: ref });
  const refused = (raw: string, reason: RegExp) => {
    const decoded = decodeImagesManifest(raw);
    assert.not.ok(decoded.ok, raw);
    if (!decoded.ok) assert.match(decoded.error, reason);
  };
  refused('["x"]', /JSON object/);
  refused(JSON.stringify({ ...ref, sha256: 'A'.repeat(64) }), /lower-case hex/);
  refused(JSON.stringify({ ...ref, count: 0 }), /count/);
  refused(JSON.stringify({ ...ref, bytes: 10 }), /bytes/);
  refused(JSON.stringify({ ...ref, bytes: 65 * 1024 * 1024 }), /bytes/);
  refused('{"sha256": "a', /not valid JSON/);
  // Through the registry, a delete means "the list is images".
  const deleted = readDisplayChange('d1', '/d1:images_manifest', null, true);
  assert.equal(deleted.kind === 'apply' && deleted.change, { topic: 'images_manifest', kind: 'state', value: null });
});

test('a manifest is read only when its size, hash, count and every name are right', () => {
  const names = ['IMG_0001.jpg', 'ü-Straße.jpg', nameOf(3)];
  const { body, ref } = encodeManifest(names);
  const list = PackedNames.fromManifest(body, ref);
  assert.ok(list.ok);
  if (list.ok) assert.equal(namesOf(list.value), names);
  const refusal = (bytes: Buffer, reference = ref) => {
    const read = PackedNames.fromManifest(bytes, reference);
    return read.ok ? 'accepted' : read.error;
  };
  const tampered = Buffer.from(body);
  tampered[0] = 0x4a;
  assert.match(refusal(tampered), /hashes to/);
  assert.match(refusal(body, { ...ref, bytes: ref.bytes + 1 }), /bytes, not/);
  assert.match(refusal(body, { ...ref, count: 2 }), /more than the 2 names/);
  // Bytes the console never writes, with a reference that matches them, so only the names are at fault.
  const withHash = (text: string) => {
    const bytes = Buffer.from(text);
    return refusal(bytes, { sha256: sha(bytes), count: text.split('\n').length - 1, bytes: bytes.length });
  };
  assert.match(withHash('a.jpg\n../etc/passwd\n'), /line 2 contains a path separator/);
  assert.match(withHash('a.jpg\n.hidden.jpg\n'), /line 2 starts with "."/);
  assert.match(withHash('a.jpg\n\nb.jpg\n'), /line 2 is empty/);
  assert.match(withHash('a.jpg\nb\tc.jpg\n'), /control character/);
  assert.match(withHash(`${'x'.repeat(256)}\n`), /longer than 255/);
  assert.match(withHash('a.jpg'), /end with a newline/);
});


test('PackedNames finds every one of 100,000 names, by search at first and by its table after, and no other name', () => {
  const names = namesUpTo(100_000);
  const list = packed(names);
  assert.is(list.length, 100_000);
  assert.is(list.nameAt(0), names[0]);
  assert.is(list.nameAt(99_999), names[99_999]);
  // The first lookups search the text; from the 65th on, the table answers: both must agree.
  for (let i = 0; i < 100_000; i += 997) assert.is(list.indexOf(names[i]!), i);
  for (let i = 0; i < 100_000; i++) if (list.indexOf(names[i]!) !== i) assert.unreachable(`${names[i]} not at ${i}`);
  assert.is(list.indexOf(nameOf(100_000)), -1);
  assert.is(list.indexOf(names[5]!.slice(1)), -1, 'the tail of a name is not a name');
  assert.is(list.indexOf(`${names[5]}\n${names[6]}`), -1);
  assert.ok(list.heldBytes < 5 * 1024 * 1024, `${list.heldBytes} bytes held`);
  assert.throws(() => list.nameAt(100_000), RangeError);
});

test('imagesWire: a small list is the plain images list; a large one a manifest, a sample of it in images, and nothing else changes', () => {
  const small = imagesWire('d1', ['a.jpg', 'b.jpg']);
  assert.equal(small, { kind: 'plain', images: { key: '/d1:images', value: '["a.jpg","b.jpg"]' }, manifestKey: '/d1:images_manifest' });
  const names = namesUpTo(100_000);
  const wire = imagesWire('d1', names);
  assert.is(wire.kind, 'manifest');
  if (wire.kind !== 'manifest') return;
  assert.is(wire.manifest.key, '/d1:images_manifest');
  assert.equal(decodeImagesManifest(wire.manifest.value), { ok: true, value: wire.ref });
  assert.is(wire.ref.count, 100_000);
  assert.is(wire.images.key, '/d1:images');
  assert.ok(Buffer.byteLength(wire.images.value) <= 256 * 1024);
  const sample = decodeImages(wire.images.value);
  assert.ok(sample.ok);
  if (!sample.ok) return;
  assert.is(sample.value.length, wire.sampled);
  assert.ok(sample.value.length > 7000, `${sample.value.length} names in the sample`);
  // Spread over the whole album, in its order.
  assert.is(sample.value[0], names[0]);
  const placeOf = new Map(names.map((name, i) => [name, i]));
  assert.ok(placeOf.get(sample.value.at(-1)!)! > 99_000);
  const places = sample.value.map((name) => placeOf.get(name)!);
  assert.ok(places.every((place, i) => i === 0 || place > places[i - 1]!));
  assert.equal(imagesWire('d1', names), wire, 'the same album gives the same bytes: no needless write');
  // A repeated name is kept once, as a viewer keeps it.
  const repeated = imagesWire('d1', [...names, names[0]!]);
  assert.ok(repeated.kind === 'manifest' && repeated.ref.sha256 === wire.ref.sha256);
  const lower = imagesWire('d1', namesUpTo(100), { maxInlineBytes: 1024 });
  assert.is(lower.kind, 'manifest', 'the bound is configurable');
  assert.equal(imagesWireLimitsFromEnv({ PHOTOFRAME_IMAGES_INLINE_MAX: '4096' }), { maxInlineBytes: 4096 });
  assert.throws(() => imagesWireLimitsFromEnv({ PHOTOFRAME_IMAGES_INLINE_MAX: '2000000' }), /from 1024 to 1048576/);
  assert.is(evenSample(['a.jpg', 'b.jpg', 'c.jpg'], 1000).length, 3);
});

test('the playlist steps through packed names in sequence and in shuffled passes, each photo once a pass', () => {
  const COUNT = 20_000;
  const names = namesUpTo(COUNT);
  const list = packed(names);
  const random = seeded();
  let sequence = withImages({ ...EMPTY_PLAYLIST, mode: 'sequence' }, list, random);
  assert.is(currentImage(sequence), names[0]);
  assert.is(sequence.order, null, 'a sequence holds no order of its own');
  sequence = forward(sequence, random);
  assert.is(currentImage(sequence), names[1]);
  assert.is(upcomingImage(sequence), names[2]);
  assert.is(currentImage(back(sequence)), names[0]);
  let shuffle = withImages(EMPTY_PLAYLIST, list, random);
  assert.ok(shuffle.order instanceof Uint32Array);
  const seen = new Uint8Array(COUNT);
  for (let i = 0; i < COUNT; i++) {
    const index = shuffle.order![shuffle.drawnAt]!;
    if (seen[index]) assert.unreachable(`photo ${index} twice in one pass`);
    seen[index] = 1;
    if (i < COUNT - 1) shuffle = forward(shuffle, random);
  }
  assert.is(shuffle.trail.length, 200, 'the trail stays bounded');
  const before = currentImage(shuffle);
  const wrapped = forward(shuffle, random);
  assert.is.not(currentImage(wrapped), before, 'a reshuffle never starts with the photo just shown');
  // The same manifest again changes nothing; a sequence set while on a photo continues after it.
  assert.is(withImages(wrapped, packed(names), random), wrapped);
  const ordered = withMode(wrapped, 'sequence', random);
  const at = names.indexOf(currentImage(wrapped)!);
  assert.is(upcomingImage(ordered), names[(at + 1) % COUNT]);
});

test('a changed huge list keeps the photo on screen; a small list still carries its pass over', () => {
  const random = seeded(3);
  const names = namesUpTo(60_000);
  let playlist = forward(withImages(EMPTY_PLAYLIST, packed(names), random), random);
  const onScreen = currentImage(playlist)!;
  const grown = withImages(playlist, packed([...names, nameOf(60_000)]), random);
  assert.is(currentImage(grown), onScreen);
  assert.is(grown.images.length, 60_001);
  const removed = withImages(grown, packed(names.filter((name) => name !== onScreen)), random);
  assert.is.not(currentImage(removed), onScreen);
  // Small lists keep the original's behaviour (viewerLogic.test.ts has the rest).
  playlist = forward(withImages(EMPTY_PLAYLIST, ['a', 'b', 'c', 'd'], random), random);
  const small = withImages(playlist, ['a', 'b', 'c', 'd', 'e'], random);
  const shown = passNames(playlist).slice(0, passNames(playlist).indexOf(currentImage(playlist)!) + 1);
  assert.equal(passNames(small).slice(0, shown.length), shown);
});

function run(events: ModelEvent[], start: DisplayModel = INITIAL_MODEL) {
  let model = start;
  const effects: Effect[] = [];
  for (const event of events) {
    const step = reduce(model, event, { now: new Date('2026-12-07T10:00:00Z'), random: () => 0.5, systemTimeZone: 'UTC' });
    model = step.model;
    effects.push(...step.effects);
  }
  return { model, effects, kinds: effects.filter((e) => e.kind !== 'note' && e.kind !== 'log level').map((e) => e.kind) };
}
const change = (topic: string, value: unknown) => ({ kind: 'change', change: { kind: 'state', topic, value } }) as ModelEvent;

test('the model: while a manifest names the list, images is the sample and is not shown; without it, images is the list again', () => {
  const names = namesUpTo(50);
  const list = packed(names);
  const ref = { sha256: list.sha256, count: 50, bytes: 50 * 29 };
  const sequence = change('settings', { fields: { order: 'sequence' }, unknown: {} });
  const manifestFirst = run([sequence, change('images_manifest', ref), change('images', ['sample-1.jpg', 'sample-2.jpg'])]);
  assert.equal(manifestFirst.effects.filter((e) => e.kind === 'load manifest'), [{ kind: 'load manifest', ref }]);
  assert.is(screenIntent(manifestFirst.model).photo, null, 'the sample is never shown');
  const loaded = run([{ kind: 'manifest loaded', sha256: ref.sha256, list }], manifestFirst.model);
  assert.is(screenIntent(loaded.model).photo, names[0]);
  assert.ok(loaded.kinds.includes('show'));
  // A manifest superseded while it was fetched is dropped.
  const stale = run([{ kind: 'manifest loaded', sha256: 'b'.repeat(64), list: packed(['x.jpg']) }], loaded.model);
  assert.is(stale.model.playlist.images.length, 50);
  // Back to a small list: images first, then the manifest deleted; the display takes up that images.
  const back = run([change('images', ['small.jpg']), change('images_manifest', null)], loaded.model);
  assert.is(screenIntent(back.model).photo, 'small.jpg');
  // A manifest that failed for want of a server is asked for again when one is announced.
  const again = run([{ kind: 'image server', server: { url: 'http://127.0.0.1:1', token: 't'.repeat(16) } }], manifestFirst.model);
  assert.equal(again.effects.filter((e) => e.kind === 'load manifest'), [{ kind: 'load manifest', ref }]);
});

test('the image server: a display may fetch its manifest and its photos, the previous ones for the grace period only', () => {
  const allowance = new PhotoAllowance(60_000);
  const first = packed(namesUpTo(1000));
  allowance.replaceList(['sample.jpg'], 0);
  allowance.replaceManifest({ sha256: first.sha256, names: first }, 0);
  assert.is(allowance.allows(nameOf(999), 1), 'current');
  assert.is(allowance.allows('sample.jpg', 1), 'current');
  assert.ok(allowance.allowsManifest(first.sha256, 1));
  assert.not.ok(allowance.allowsManifest('c'.repeat(64), 1));
  const second = packed([nameOf(5000)]);
  allowance.replaceManifest({ sha256: second.sha256, names: second }, 10_000);
  assert.is(allowance.allows(nameOf(999), 10_001), 'previous');
  assert.ok(allowance.allowsManifest(first.sha256, 10_001));
  assert.is(allowance.allows(nameOf(999), 70_000), false);
  assert.not.ok(allowance.allowsManifest(first.sha256, 70_000));
  allowance.replaceManifest(null, 80_000);
  assert.is(allowance.allows(nameOf(5000), 80_000 + 60_000), false);
});

test('the console stores a manifest once, the server shares one index of it, and a damaged one is refused', async () => {
  const dir = await tempDir();
  const store = new ManifestStore(join(dir, 'manifests'));
  const { body, ref } = encodeManifest(namesUpTo(2000));
  await store.save(body, ref);
  await store.save(body, ref);
  assert.equal(await readdir(store.dir), [ref.sha256]);
  const shelf = new ManifestShelf(store);
  const [a, b] = await Promise.all([shelf.get(ref), shelf.get(ref)]);
  assert.is(a, b, 'one index for every display showing it');
  assert.is(await shelf.get(ref), a);
  await writeFile(store.pathOf(ref.sha256), body.subarray(1));
  await store.load(ref).then(
    () => assert.unreachable('a damaged manifest was accepted'),
    (error) => assert.instance(error, ManifestUnusableError),
  );
  assert.throws(() => store.pathOf('../x'), /not a manifest hash/);
});

test('the viewer starts from the manifest on its disk, and without it and a server says why', async () => {
  const dir = join(await tempDir(), 'viewer-manifests');
  const cache = new ManifestCache(dir);
  const { body, ref } = encodeManifest(namesUpTo(300));
  await cache.load(ref, null).then(
    () => assert.unreachable('loaded from nowhere'),
    (error) => {
      assert.instance(error, ManifestUnavailable);
      assert.match((error as Error).message, /not cached here and no image server is known/);
    },
  );
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, ref.sha256), body);
  const list = await cache.load(ref, null);
  assert.is(list.length, 300);
  // A damaged copy is removed and fetched again (here: from nowhere, so it says so).
  await writeFile(join(dir, ref.sha256), body.subarray(2));
  await cache.load(ref, null).then(
    () => assert.unreachable('a damaged copy was used'),
    (error) => assert.instance(error, ManifestUnavailable),
  );
  assert.equal(await readdir(dir), []);
});

test.run();
