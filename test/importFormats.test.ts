import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rejects } from 'node:assert/strict';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { captionFromIptc } from '../data/photos/embeddedCaption.ts';
import { setPhotoCaption } from '../data/library/photoCaption.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { prepareLockPath, preparePending } from '../data/preparation/preparationRunner.ts';
import { withFileLock } from '../data/library/fileLock.ts';
import { makeDisplayRendition, thumbnailPath } from '../data/renditions/renditions.ts';
import { colourNear, photoLikeJpeg, tempDir, type Rgb } from './helpers/fixtures.ts';
import { startCli } from './helpers/runCli.ts';

async function freshHome() {
  const home = await tempDir('photoframe-home-');
  const paths = homePaths(home);
  return { home, paths, store: new LibraryStore(paths.store) };
}

const plain = (width: number, height: number, colour: Rgb) =>
  sharp({ create: { width, height, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } } });

async function thumbnailColour(path: string): Promise<Rgb> {
  const { data } = await sharp(path).resize(1, 1).raw().toBuffer({ resolveWithObject: true });
  return [data[0]!, data[1]!, data[2]!];
}

test('PNG, WebP, TIFF, AVIF and the first frame of a GIF import with thumbnails', async () => {
  const { paths, store } = await freshHome();
  const source = await tempDir();
  await plain(200, 100, [200, 0, 0]).png().toFile(join(source, 'a.png'));
  await plain(200, 100, [0, 200, 0]).webp().toFile(join(source, 'b.webp'));
  await plain(200, 100, [0, 0, 200]).tiff().toFile(join(source, 'c.tiff'));
  await plain(200, 100, [200, 200, 0]).avif().toFile(join(source, 'd.avif'));
  const frames = await Promise.all([plain(120, 120, [250, 0, 250]).png().toBuffer(), plain(120, 120, [0, 250, 250]).png().toBuffer()]);
  await sharp(frames, { join: { animated: true } }).gif().toFile(join(source, 'e.gif'));

  const report = await importPhotos(store, paths, { sources: [source] });
  assert.equal(report.skipped, []);
  assert.is((await preparePending(store, paths)).ready.length, 5, 'each decodes in full');
  const byFormat = new Map(report.imported.map((p) => [p.format, p]));
  assert.equal([...byFormat.keys()].sort(), ['avif', 'gif', 'jpeg', 'png', 'tiff', 'webp'].filter((f) => f !== 'jpeg'));
  assert.match(byFormat.get('avif')!.name, /\.avif$/);
  assert.match(byFormat.get('tiff')!.name, /\.tif$/);
  const gif = byFormat.get('gif')!;
  assert.equal([gif.width, gif.height, gif.shape], [120, 120, 'S'], 'one frame, not the frames stacked');
  assert.ok(colourNear(await thumbnailColour(thumbnailPath(paths.thumbnails, gif.name)), [250, 0, 250]), 'thumbnail is the first frame');
  assert.is(byFormat.get('webp')!.shape, 'H');
});

test('a real HEVC HEIC made by heif-enc round-trips: imported as .heic with EXIF date, offset, camera and GPS', async () => {
  const { paths, store } = await freshHome();
  const source = await tempDir();
  const jpeg = join(source, 'made.jpg.src');
  await plain(640, 480, [40, 120, 220])
    .withExif({
      IFD0: { Make: 'Apple', Model: 'iPhone 13' },
      IFD2: { DateTimeOriginal: '2023:07:14 18:30:05', OffsetTimeOriginal: '+02:00' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100', GPSLongitudeRef: 'W', GPSLongitude: '2/1 21/1 0/1' },
    })
    .jpeg()
    .toFile(jpeg);
  execFileSync('heif-enc', ['-q', '60', jpeg, '-o', join(source, 'IMG_0001.HEIC')]);
  await import('node:fs/promises').then((fs) => fs.rm(jpeg));
  assert.is((await sharp(join(source, 'IMG_0001.HEIC')).metadata()).compression, 'hevc', 'a real HEVC HEIC');

  const report = await importPhotos(store, paths, { sources: [source] });
  assert.equal(report.skipped, []);
  const photo = report.imported[0]!;
  assert.match(photo.name, /^[0-9a-f]{24}\.heic$/);
  assert.is(photo.format, 'heif');
  assert.equal([photo.width, photo.height, photo.shape], [640, 480, 'H']);
  assert.equal([photo.takenAt, photo.takenAtOffset, photo.takenAtSource], ['2023-07-14T18:30:05', '+02:00', 'exif']);
  assert.is(photo.camera, 'Apple iPhone 13');
  assert.equal(photo.gps, { latitude: 48.856667, longitude: -2.35 });
  assert.equal((await preparePending(store, paths)).ready, [photo.name], 'decoded through heif-convert');
  assert.equal([(await store.read()).photos[photo.name]!.width, (await store.read()).photos[photo.name]!.height], [640, 480]);
  assert.ok(colourNear(await thumbnailColour(thumbnailPath(paths.thumbnails, photo.name)), [40, 120, 220]));
  assert.ok((await readFile(join(paths.photos, photo.name))).subarray(4, 12).toString('latin1').startsWith('ftyp'), 'the original HEIC is kept');
  // The image server's renditions take the same route.
  const rendition = await sharp(await makeDisplayRendition(join(paths.photos, photo.name), 640, 360)).metadata();
  assert.equal([rendition.format, rendition.width, rendition.height], ['jpeg', 480, 360]);
});

test('without heif-convert a HEVC HEIC is not failed: the run stops with the reason and the photo stays preparing', async () => {
  const { paths, store } = await freshHome();
  const source = await tempDir();
  const jpeg = join(source, 'made.jpg.src');
  await plain(320, 240, [200, 60, 40]).jpeg().toFile(jpeg);
  execFileSync('heif-enc', ['-q', '60', jpeg, '-o', join(source, 'IMG_0002.HEIC')]);
  await import('node:fs/promises').then((fs) => fs.rm(jpeg));
  const photo = (await importPhotos(store, paths, { sources: [source] })).imported[0]!;
  const path = process.env.PATH;
  // An empty folder as PATH: heif-convert cannot be found.
  process.env.PATH = await tempDir();
  try {
    await rejects(preparePending(store, paths), (error: Error) => error.name === 'HeifToolError' && /heif-convert is missing/.test(error.message));
  } finally {
    process.env.PATH = path;
  }
  assert.is((await store.read()).photos[photo.name]!.state, 'preparing', 'not marked failed');
  assert.equal((await preparePending(store, paths)).ready, [photo.name], 'ready once heif-convert is there');
});

test('title and keywords from XMP; IPTC as fallback; file time when there is no EXIF date', async () => {
  const { paths, store } = await freshHome();
  const source = await tempDir();
  const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">
      <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour at dusk &amp; boats</rdf:li></rdf:Alt></dc:title>
      <dc:subject><rdf:Bag><rdf:li>sea</rdf:li><rdf:li>Brittany</rdf:li></rdf:Bag></dc:subject>
    </rdf:Description></rdf:RDF></x:xmpmeta>`;
  await plain(300, 400, [10, 80, 160]).withXmp(xmp).jpeg().toFile(join(source, 'harbour.jpg'));
  const report = await importPhotos(store, paths, { sources: [source] });
  const photo = report.imported[0]!;
  assert.is(photo.title, 'Harbour at dusk & boats');
  assert.equal(photo.keywords, ['sea', 'Brittany']);
  assert.is(photo.shape, 'V');
  assert.is(photo.takenAtSource, 'file');
  assert.is(photo.takenAt!.length, 19);

  // Editable afterwards, checked whole before anything changes.
  await store.update((library) => setPhotoCaption(library, photo.name, { title: 'Harbour', keywords: [' sea ', 'boats', 'sea'] }));
  await rejects(store.update((library) => setPhotoCaption(library, photo.name, { title: 'two\nlines', keywords: [] })), /title must be one line/);
  const edited = (await store.read()).photos[photo.name]!;
  assert.equal([edited.title, edited.keywords], ['Harbour', ['sea', 'boats']]);

  const dataset = (n: number, text: string) => Buffer.concat([Buffer.from([0x1c, 0x02, n, 0, Buffer.byteLength(text)]), Buffer.from(text)]);
  assert.equal(captionFromIptc(Buffer.concat([Buffer.from('8BIM\u0004\u0004'), dataset(5, 'Old title'), dataset(25, 'family'), dataset(25, 'xmas')])), {
    title: 'Old title',
    keywords: ['family', 'xmas'],
  });
});

test('kill -9 in the middle of an import: the rerun leaves no temporary file and no unrecorded photo', async () => {
  const { home, paths, store } = await freshHome();
  const source = await tempDir();
  const count = 48;
  for (let i = 0; i < count; i++) await photoLikeJpeg(join(source, `p${String(i).padStart(2, '0')}.jpg`), 900, 600, i);

  // The queue's lock held as a running serve holds it: the import starts no runner of its own, which would
  // go on checking (and writing thumbnails) after the kill. This test is about what the import leaves.
  const first = await withFileLock(prepareLockPath(paths), async () => {
    const cli = startCli(['import', source, '--home', home, '--json']);
    // Killed once photos are being written, not while the walk is still finding them.
    await cli.waitFor(/"phase":"importing"/);
    cli.child.kill('SIGKILL');
    await new Promise((resolve) => cli.child.once('exit', resolve));
    return cli;
  }, 30_000, false);
  // What a writer killed between write and rename leaves, made certain rather than left to timing.
  await writeFile(join(paths.photos, `.0123456789abcdef01234567.jpg.${first.child.pid}.deadbeef.tmp`), 'half a photo');
  await writeFile(join(paths.photos, '00000000000000000000dead.jpg'), 'a copy whose record was never written');
  // Its writer journals a name before writing the file; a photo no dead journal names is never removed.
  const journalPath = join(home, `import.${first.child.pid}.json`);
  const journal = JSON.parse(await readFile(journalPath, 'utf8').catch(() => '{"names":[]}')) as { names: string[] };
  await writeFile(journalPath, JSON.stringify({ names: [...journal.names, '00000000000000000000dead.jpg'] }));
  await writeFile(join(home, `.library.photos.json.${first.child.pid}.0badf00d.tmp`), '{"half":');
  // A HEIC decode under way: a copy of the photo and its decoded JPEG, in the home rather than /tmp so a rerun finds them.
  const heifScratch = join(paths.tmp, `heif-${first.child.pid}-Ab12Cd`);
  await mkdir(heifScratch, { recursive: true });
  await writeFile(join(heifScratch, 'in.heic'), 'a copy of the photo');
  await writeFile(join(heifScratch, 'out.jpg'), 'its decoded pixels');

  // The killed holder's lock ages out after the stale time; a short one here so the test does not wait a minute.
  const rerun = await importPhotos(store, paths, { sources: [source], lockStaleMs: 2_000 });
  assert.is(rerun.skipped.length, 0);
  assert.ok(rerun.cleanup.temporaryFiles >= 2);
  assert.equal((await readdir(home)).filter((name) => name.endsWith('.tmp')), []);
  assert.ok(rerun.cleanup.orphanPhotos >= 1);
  const library = await store.read();
  assert.is(Object.keys(library.photos).length, count);
  const onDisk = await readdir(paths.photos);
  assert.equal(onDisk.filter((name) => name.endsWith('.tmp')), []);
  assert.equal(onDisk.sort(), Object.keys(library.photos).sort(), 'every photo on disk has a record');
  assert.equal((await readdir(paths.thumbnails).catch(() => [] as string[])).filter((name) => name.endsWith('.tmp')), []);
  assert.equal((await readdir(home)).filter((name) => name.startsWith('import.') && name.endsWith('.json')), [], 'the dead journal is cleared');
  assert.equal(await readdir(paths.tmp), [], 'the dead HEIC scratch folder is removed');
});

test('--in-place links the original instead of copying it', async () => {
  const { paths, store } = await freshHome();
  const source = await tempDir();
  const original = await photoLikeJpeg(join(source, 'big.jpg'), 300, 200, 7);
  const report = await importPhotos(store, paths, { sources: [source], inPlace: true });
  const photo = report.imported[0]!;
  assert.is(photo.storage, 'in-place');
  const { lstat, readlink } = await import('node:fs/promises');
  assert.ok((await lstat(join(paths.photos, photo.name))).isSymbolicLink());
  assert.is(await readlink(join(paths.photos, photo.name)), original);
});

test.run();
