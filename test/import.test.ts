import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from 'node:assert/strict';
import { homePaths } from '../common/homePaths.ts';
import { SCHEMA_VERSION } from '../data/library/librarySchema.ts';
import { LibraryCorruptError } from '../data/library/libraryCorruptError.ts';
import { LibraryStore, photosFileOf } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { displayablePhotos } from '../data/library/photoReadiness.ts';
import { preparePending } from '../data/preparation/preparationRunner.ts';
import { isFile } from '../common/fileOnce.ts';
import { thumbnailPath } from '../data/renditions/renditions.ts';
import { solidJpeg, tempDir, textFile, truncatedJpeg, twoColourImage } from './helpers/fixtures.ts';

async function freshLibrary() {
  const paths = homePaths(await tempDir('photoframe-home-'));
  return { paths, store: new LibraryStore(paths.store) };
}

test('imports photos recursively with dimensions and EXIF date, preparing; the queue then makes the thumbnail and marks them ready', async () => {
  const { paths, store } = await freshLibrary();
  const source = await tempDir();
  await solidJpeg(join(source, 'red.jpg'), 800, 600, [220, 20, 20], { dateTaken: '2023:07:14 18:30:05' });
  await solidJpeg(join(source, 'trips', '2024', 'blue.jpg'), 640, 480, [20, 20, 220]);
  await solidJpeg(join(source, '.hidden', 'skipped-silently.jpg'), 64, 64, [0, 0, 0]);

  const report = await importPhotos(store, paths, { sources: [source], album: 'Summer' });
  assert.is(report.imported.length, 2);
  assert.equal(report.skipped, []);
  assert.equal(report.album, { name: 'Summer', added: 2 });

  const library = await store.read();
  const red = Object.values(library.photos).find((p) => p.sources[0]!.endsWith('red.jpg'))!;
  assert.ok(red, 'red photo recorded');
  assert.match(red.name, /^[0-9a-f]{24}\.jpg$/);
  assert.is(red.width, 800);
  assert.is(red.height, 600);
  assert.is(red.takenAt, '2023-07-14T18:30:05');
  assert.is(red.format, 'jpeg');
  assert.ok((await stat(join(paths.photos, red.name))).size > 0, 'original copied into the library');
  assert.is(red.state, 'preparing', 'recorded from its header alone');
  assert.not.ok(await isFile(thumbnailPath(paths.thumbnails, red.name)), 'nothing decoded in the foreground');
  assert.equal(displayablePhotos(library, library.albums[0]!.photos), [], 'no display gets a photo before its check');

  const prepared = await preparePending(store, paths);
  assert.is(prepared.ready.length, 2);
  assert.is((await store.read()).photos[red.name]!.state, undefined, 'ready');
  const thumbnail = await sharp(thumbnailPath(paths.thumbnails, red.name)).metadata();
  assert.is(thumbnail.width, 320);
  assert.is(thumbnail.height, 240);
  assert.equal(library.albums[0]!.photos.length, 2);
});

test('an EXIF-rotated photo is recorded with its upright dimensions', async () => {
  const { paths, store } = await freshLibrary();
  const source = await tempDir();
  const image = await twoColourImage(600, 400, [255, 0, 0], [0, 0, 255]);
  await image.withMetadata({ orientation: 6 }).jpeg().toFile(join(source, 'sideways.jpg'));
  const report = await importPhotos(store, paths, { sources: [source] });
  const photo = report.imported[0]!;
  assert.is(photo.orientation, 6);
  assert.is(photo.width, 400);
  assert.is(photo.height, 600);
});

test('the same content imported twice is one photo with both sources', async () => {
  const { paths, store } = await freshLibrary();
  const source = await tempDir();
  const original = await solidJpeg(join(source, 'a', 'IMG_001.jpg'), 300, 200, [1, 2, 3]);
  const copy = join(source, 'b', 'copy-of-IMG_001.jpg');
  await solidJpeg(copy, 300, 200, [1, 2, 3]);

  const first = await importPhotos(store, paths, { sources: [source], album: 'A' });
  assert.is(first.imported.length, 1, 'equal files in one run are one photo');
  assert.is(first.duplicates.length, 1);
  const again = await importPhotos(store, paths, { sources: [original], album: 'A' });
  assert.is(again.imported.length, 0);
  assert.is(again.unchanged.length, 1, 'the same path, size and time is known without reading it');
  assert.equal(again.album, { name: 'A', added: 0 });

  const library = await store.read();
  const photos = Object.values(library.photos);
  assert.is(photos.length, 1);
  assert.equal(photos[0]!.sources.sort(), [original, copy].sort());
  assert.is((await readdir(paths.photos)).length, 1);
});

for (const how of ['in the kernel', 'through memory'] as const) test(`a copy made ${how} is the library's own: a read-only original is stored 0644 with the bytes its name hashes; a file its header refuses leaves nothing`, async () => {
  // kernelCopy() reads it at each import: the fallback where the addon is not built.
  if (how === 'through memory') process.env.PHOTOFRAME_IMPORT_COPY = 'memory';
  else delete process.env.PHOTOFRAME_IMPORT_COPY;
  const { paths, store } = await freshLibrary();
  const source = await tempDir();
  const readOnly = await solidJpeg(join(source, 'read-only.jpg'), 200, 100, [200, 100, 0]);
  await chmod(readOnly, 0o444);
  // A JPEG signature, then no header sharp can read: refused once read, before anything is written.
  await writeFile(join(source, 'garbled.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(4096)]));

  const report = await importPhotos(store, paths, { sources: [source] });
  assert.is(report.imported.length, 1);
  assert.match(report.skipped.find((s) => s.path.endsWith('garbled.jpg'))?.reason ?? '', /not an image sharp can read/);
  const name = report.imported[0]!.name;
  assert.equal(await readdir(paths.photos), [name], 'no temp copy is left beside it');
  const stored = join(paths.photos, name);
  assert.is((await stat(stored)).mode & 0o777, 0o644);
  const bytes = await readFile(stored);
  assert.ok(bytes.equals(await readFile(readOnly)));
  assert.is(createHash('sha256').update(bytes).digest('hex').slice(0, 24), name.slice(0, 24));
  delete process.env.PHOTOFRAME_IMPORT_COPY;
});

test('non-image files are skipped with a reason; a truncated JPEG is recorded, then failed by the queue and kept out of lists', async () => {
  const { paths, store } = await freshLibrary();
  const source = await tempDir();
  const good = await solidJpeg(join(source, 'good.jpg'), 200, 100, [0, 200, 0]);
  const truncated = await truncatedJpeg(join(source, 'IMG_002.jpg'));
  const notes = await textFile(join(source, 'notes.txt'));
  const fakeJpeg = await textFile(join(source, 'fake.jpg'), 'GIF89a but not really');
  const missing = join(source, 'no-such-folder');

  const report = await importPhotos(store, paths, { sources: [source, missing], album: 'Mixed' });
  assert.equal(report.imported.map((p) => p.sources[0]).sort(), [truncated, good].sort(), 'its header reads, so it is recorded');
  const reasons = new Map(report.skipped.map((s) => [s.path, s.reason]));
  assert.match(reasons.get(notes) ?? '', /not an image/);
  assert.match(reasons.get(fakeJpeg) ?? '', /not an image/);
  assert.match(reasons.get(missing) ?? '', /no such file or folder/);
  assert.is((await readdir(paths.photos)).length, 2, 'nothing of the non-image files is kept');

  const prepared = await preparePending(store, paths);
  const bad = report.imported.find((p) => p.sources[0] === truncated)!;
  const fine = report.imported.find((p) => p.sources[0] === good)!;
  assert.equal(prepared.ready, [fine.name]);
  assert.equal(prepared.failed.map((f) => f.name), [bad.name]);
  const library = await store.read();
  assert.is(library.photos[bad.name]!.state, 'failed');
  assert.match(library.photos[bad.name]!.failure ?? '', /corrupt image/);
  assert.equal(displayablePhotos(library, library.albums[0]!.photos), [fine.name]);
  assert.equal((await preparePending(store, paths)).failed, [], 'a failure is reported once, never retried');
});

test('an invalid album name is refused before anything is written', async () => {
  const { paths, store } = await freshLibrary();
  const source = await tempDir();
  await solidJpeg(join(source, 'x.jpg'), 50, 50, [9, 9, 9]);
  await rejects(importPhotos(store, paths, { sources: [source], album: '   ' }), /album name is empty/);
  assert.equal(await store.read(), { version: SCHEMA_VERSION, photos: {}, albums: [], displays: [] });
  await rejects(stat(paths.photos));
});


test('a missing photos file is reported, and an import then changes nothing', async () => {
  const { paths, store } = await freshLibrary();
  const source = await tempDir();
  for (let i = 0; i < 5; i++) await solidJpeg(join(source, `p${i}.jpg`), 64, 48, [i * 40, 90, 200 - i * 30]);
  await importPhotos(store, paths, { sources: [source], album: 'Five' });
  const { rm, readdir: list } = await import('node:fs/promises');
  await rm(photosFileOf(paths.store));

  await rejects(new LibraryStore(paths.store).read(), (error: Error) => {
    assert.instance(error, LibraryCorruptError);
    assert.match(error.message, /missing .*library\.photos\.json, which holds its 5 photo records; restore it from a backup/);
    return true;
  });
  const more = await tempDir();
  await solidJpeg(join(more, 'new.jpg'), 64, 48, [1, 2, 3]);
  await rejects(importPhotos(store, paths, { sources: [more] }), LibraryCorruptError);
  assert.is((await list(paths.photos)).length, 5, 'every photo kept on disk');
});

test.run();
