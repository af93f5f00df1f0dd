import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { freePort } from '../common/net/freePort.ts';
import { decodeImages } from '../common/protocol/codecs/imagesCodec.ts';
import { decodeImagesManifest } from '../common/protocol/codecs/imagesManifestCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { solidJpeg, tempDir, type Rgb } from './helpers/fixtures.ts';
import { runCli, startCli, type LongRunning } from './helpers/runCli.ts';
import { screenShows } from './helpers/screenShows.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import { startViewerProcess } from './helpers/viewerUnderTest.ts';

/**
 * A 100,000-photo album, past what one etcd value holds, on a real viewer:
 * the console writes it as a manifest, the image server serves it, the viewer
 * shows its first photo and `next` moves to its second (which is not in the
 * sample original viewers get), and after a restart with etcd gone it starts
 * from the manifest on its disk. Only the photos shown exist as files; the
 * other 99,998 names are only names.
 */
interface Context {
  etcd: TestEtcd;
  xvfb: XvfbDisplay;
  home: string;
  viewerHome: string;
  server: LongRunning;
  viewer: LongRunning;
  red: string;
  blue: string;
}

const PHOTOS = 100_000;
const DISPLAY = 'huge-display';
const RED: Rgb = [230, 20, 20];
const BLUE: Rgb = [20, 40, 230];
const CENTRE = [160, 120] as const;

const huge = suite<Context>('a 100,000-photo album');

huge.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.xvfb = await startXvfb(320, 240);
  context.home = await tempDir('photoframe-home-');
  context.viewerHome = await tempDir('photoframe-pi-');
  const source = await tempDir();
  await solidJpeg(join(source, '1-red.jpg'), 320, 240, RED);
  await solidJpeg(join(source, '2-blue.jpg'), 320, 240, BLUE);
  const imported = await runCli(['--etcd', context.etcd.endpoint, '--home', context.home, 'import', '--wait', source, '--album', 'Huge']);
  assert.is(imported.code, 0, imported.stderr);
  const store = new LibraryStore(homePaths(context.home).store);
  await store.update(async (library) => {
    const byFile = (file: string) => Object.values(library.photos).find((p) => p.sources[0]!.endsWith(file))!.name;
    context.red = byFile('1-red.jpg');
    context.blue = byFile('2-blue.jpg');
    const album = library.albums.find((a) => a.name === 'Huge')!;
    // Names in the library's form (24 hex digits of a hash), of photos that need never be fetched.
    const names = Array.from({ length: PHOTOS - 2 }, (_, i) => `${(i + 1).toString(16).padStart(24, '0')}.jpg`);
    album.photos = [context.red, context.blue, ...names];
  });
  const port = await freePort();
  context.server = startCli(['--etcd', context.etcd.endpoint, '--home', context.home, 'serve', '--host', '127.0.0.1', '--http-port', String(port)]);
  await context.server.waitFor(/image server listening/);
  context.viewer = startViewerProcess({ etcdEndpoint: context.etcd.endpoint, home: context.viewerHome, id: DISPLAY, display: context.xvfb.display });
  await context.viewer.waitFor(/watching etcd/);
});

huge.after(async (context) => {
  await context.viewer?.stop();
  await context.server?.stop();
  await context.xvfb?.stop();
  await context.etcd?.stop();
});

huge('assigned, it goes as a manifest with a sample for original viewers, and its first photo is shown', async (context) => {
  const set = await runCli(['--etcd', context.etcd.endpoint, '--home', context.home, 'display', 'set', DISPLAY, 'album=Huge', 'order=sequence', 'interval_time=1', 'interval_units=days']);
  assert.is(set.code, 0, set.stderr);
  const manifest = decodeImagesManifest((await context.etcd.client.get(displayKey(DISPLAY, 'images_manifest')).string())!);
  assert.ok(manifest.ok);
  assert.is(manifest.value.count, PHOTOS);
  const rawImages = (await context.etcd.client.get(displayKey(DISPLAY, 'images')).string())!;
  assert.ok(rawImages.length <= 256 * 1024, `the sample is ${rawImages.length} bytes`);
  const sample = decodeImages(rawImages);
  assert.ok(sample.ok);
  assert.ok(sample.value.length > 1000 && sample.value.length < PHOTOS, `a sample of ${sample.value.length}`);
  assert.is(sample.value[0], context.red);
  assert.not.ok(sample.value.includes(context.blue), 'the second photo is not in the sample, so showing it proves the manifest is used');

  await context.viewer.waitFor(/manifest loaded photos=100000/);
  await context.viewer.waitFor(new RegExp(`showing image name="${context.red}" of=100000`));
  await screenShows(context.xvfb.display, [[...CENTRE, RED]], context.viewer.lines);
});

huge('next moves to the second photo of the manifest, on screen', async (context) => {
  const from = context.viewer.lines.length;
  await context.etcd.client.put(displayKey(DISPLAY, 'change_photo')).value('"next"');
  await context.viewer.waitFor(new RegExp(`showing image name="${context.blue}" of=100000`), 15_000, from);
  await screenShows(context.xvfb.display, [[...CENTRE, BLUE]], context.viewer.lines);
});

huge('with etcd and the server gone, a restarted viewer starts from the manifest on its disk', async (context) => {
  await context.viewer.stop();
  await context.server.stop();
  await context.etcd.stop();
  context.viewer = startViewerProcess({ etcdEndpoint: context.etcd.endpoint, home: context.viewerHome, id: DISPLAY, display: context.xvfb.display });
  await context.viewer.waitFor(/manifest loaded photos=100000/);
  await context.viewer.waitFor(new RegExp(`showing image name="${context.red}" of=100000`));
  await screenShows(context.xvfb.display, [[...CENTRE, RED]], context.viewer.lines);
});

huge.run();
