import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { freePort } from '../common/net/freePort.ts';
import { decodeViewerStatus, type ViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { statusKey } from '../common/protocol/systemKeys.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { solidJpeg, tempDir, twoColourImage, type Rgb } from './helpers/fixtures.ts';
import { runCli, startCli, type LongRunning } from './helpers/runCli.ts';
import { screenShows as showsOnScreen } from './helpers/screenShows.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import { startViewerProcess } from './helpers/viewerUnderTest.ts';

/**
 * The whole path through real components: import → image server → display set
 * → etcd → viewer → SDL window on an Xvfb screen, read back pixel by pixel.
 */
interface Context {
  etcd: TestEtcd;
  xvfb: XvfbDisplay;
  home: string;
  server: LongRunning;
  viewer: LongRunning;
  viewerHome: string;
  photos: { split: string; blue: string; sideways: string };
}

const SCREEN = { width: 320, height: 240 };
const RED: Rgb = [230, 20, 20];
const GREEN: Rgb = [20, 200, 40];
const BLUE: Rgb = [20, 40, 230];
const BLACK: Rgb = [0, 0, 0];

const e2e = suite<Context>('end to end');

e2e.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.xvfb = await startXvfb(SCREEN.width, SCREEN.height);
  context.home = await tempDir('photoframe-home-');
  const source = await tempDir();
  // 4:3 like the screen, so it fills it: red on the left, green on the right.
  await (await twoColourImage(400, 300, RED, GREEN)).jpeg({ quality: 95 }).toFile(join(source, '1-split.jpg'));
  // 2:1, so it is letterboxed with black above and below.
  await solidJpeg(join(source, '2-blue.jpg'), 400, 200, BLUE);
  // Stored sideways: upright it is red on top, blue below, and pillarboxed.
  await (await twoColourImage(400, 300, RED, BLUE)).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(join(source, '3-sideways.jpg'));
  const imported = await runCli(['--etcd', context.etcd.endpoint, '--home', context.home, 'import', '--wait', source, '--album', 'E2E']);
  assert.is(imported.code, 0, imported.stderr);
  const library = await new LibraryStore(homePaths(context.home).store).read();
  const name = (file: string) => Object.values(library.photos).find((p) => p.sources[0]!.endsWith(file))!.name;
  context.photos = { split: name('1-split.jpg'), blue: name('2-blue.jpg'), sideways: name('3-sideways.jpg') };

  const port = await freePort();
  context.server = startCli(['--etcd', context.etcd.endpoint, '--home', context.home, 'serve', '--host', '127.0.0.1', '--http-port', String(port)]);
  await context.server.waitFor(/image server listening/);
  // The viewer has a home of its own, as it would on a Pi.
  context.viewerHome = await tempDir('photoframe-pi-');
  context.viewer = startViewer(context, context.etcd.endpoint);
  await context.viewer.waitFor(/watching etcd/);
});

e2e.after(async (context) => {
  await context.viewer?.stop();
  await context.server?.stop();
  await context.xvfb?.stop();
  await context.etcd?.stop();
});

/** The display under test: its own home, as on a Pi, drawing on the Xvfb screen. */
function startViewer(context: Context, etcdEndpoint: string): LongRunning {
  return startViewerProcess({ etcdEndpoint, home: context.viewerHome, id: 'e2e-display', display: context.xvfb.display });
}

function screenShows(context: Context, expected: [number, number, Rgb][], timeoutMs = 15_000): Promise<void> {
  return showsOnScreen(context.xvfb.display, expected, context.viewer.lines, timeoutMs);
}

e2e('assigning an album puts its first photo on screen, fullscreen and the right way round', async (context) => {
  const result = await runCli(['--etcd', context.etcd.endpoint, '--home', context.home, 'display', 'set', 'e2e-display', 'album=E2E', 'interval_time=1', 'interval_units=days', 'order=sequence']);
  assert.is(result.code, 0, result.stderr);
  await context.viewer.waitFor(new RegExp(`showing image name="${context.photos.split}"`));
  // A 4:3 photo on a 4:3 screen fills it edge to edge.
  await screenShows(context, [
    [40, 120, RED],
    [280, 120, GREEN],
    [3, 3, RED],
    [316, 236, GREEN],
  ]);
});

e2e('change_photo "next" changes what is on screen, at once', async (context) => {
  const from = context.viewer.lines.length;
  await context.etcd.client.put(displayKey('e2e-display', 'change_photo')).value('"next"');
  await context.viewer.waitFor(new RegExp(`showing image name="${context.photos.blue}"`), 10_000, from);
  await screenShows(context, [
    [160, 120, BLUE],
    [160, 20, BLACK],
    [160, 220, BLACK],
  ]);
});

e2e('the viewer reports the photo on screen, the newest revision it applied and its free disk', async (context) => {
  const newest = async () => {
    const kvs = (await context.etcd.client.getAll().prefix('/e2e-display:').exec()).kvs;
    return kvs.reduce((max, kv) => (BigInt(kv.mod_revision) > max ? BigInt(kv.mod_revision) : max), 0n);
  };
  const written = await newest();
  let status: ViewerStatus | null = null;
  const deadline = Date.now() + 10_000;
  // The report follows a change by up to a second; wait for the one that covers the newest write.
  for (;;) {
    const raw = await context.etcd.client.get(statusKey('e2e-display')).string();
    const decoded = raw === null ? null : decodeViewerStatus(raw);
    status = decoded?.ok ? decoded.value : null;
    if (status?.applied_revision && BigInt(status.applied_revision) >= written && status.image === context.photos.blue) break;
    if (Date.now() > deadline) assert.unreachable(`no current status: ${raw}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(status!.free_bytes! > 0);
  assert.ok(!Number.isNaN(Date.parse(status!.shown_at!)));
});

e2e('a malformed value is logged and ignored; the photo stays', async (context) => {
  const from = context.viewer.lines.length;
  await context.etcd.client.put(displayKey('e2e-display', 'images')).value('["unterminated');
  await context.viewer.waitFor(/ignoring malformed \/e2e-display:images: not valid JSON/, 10_000, from);
  await screenShows(context, [[160, 120, BLUE]]);
  assert.is(context.viewer.child.exitCode, null, 'viewer still running');
});

e2e('a new image list shows at once, EXIF-rotated and pillarboxed', async (context) => {
  const from = context.viewer.lines.length;
  await context.etcd.client.put(displayKey('e2e-display', 'images')).value(JSON.stringify([context.photos.sideways, context.photos.split]));
  await context.viewer.waitFor(new RegExp(`showing image name="${context.photos.sideways}"`), 10_000, from);
  await screenShows(context, [
    [160, 30, RED],
    [160, 210, BLUE],
    [20, 120, BLACK],
    [300, 120, BLACK],
  ]);
});

e2e('"back" returns to the previous photo', async (context) => {
  const from = context.viewer.lines.length;
  await context.etcd.client.put(displayKey('e2e-display', 'change_photo')).value('"back"');
  await context.viewer.waitFor(new RegExp(`showing image name="${context.photos.split}"`), 10_000, from);
  await screenShows(context, [
    [40, 120, RED],
    [280, 120, GREEN],
  ]);
});

e2e('a key deleted while the viewer was off is treated as deleted when it comes back', async (context) => {
  await context.etcd.client.put(displayKey('e2e-display', 'power_state')).value('"off"');
  await screenShows(context, [[40, 120, BLACK], [280, 120, BLACK]]);
  await context.viewer.stop();
  // Deleting power_state means "on"; the viewer must notice although it was not running.
  await context.etcd.client.delete().key(displayKey('e2e-display', 'power_state'));
  context.viewer = startViewer(context, context.etcd.endpoint);
  await context.viewer.waitFor(/watching etcd/);
  await screenShows(context, [
    [160, 30, RED],
    [160, 210, BLUE],
  ]);
});

e2e('with etcd and the image server gone, a restarted viewer shows its cached photos', async (context) => {
  await context.viewer.stop();
  assert.is(context.viewer.child.exitCode, 0, 'viewer stops cleanly on SIGTERM');
  const endpoint = context.etcd.endpoint;
  await context.server.stop();
  await context.etcd.stop();
  context.viewer = startViewer(context, endpoint);
  await context.viewer.waitFor(/cannot reach etcd .* showing cached photos and reconnecting/);
  // The remembered list is [sideways, split]; a restart begins at its first photo.
  await context.viewer.waitFor(new RegExp(`showing image name="${context.photos.sideways}"`));
  await screenShows(context, [
    [160, 30, RED],
    [160, 210, BLUE],
    [20, 120, BLACK],
  ]);
});

e2e.run();
