import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeImageServer } from '../common/protocol/codecs/imageServerCodec.ts';
import { DEFAULT_SETTINGS, type DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { prepareFrame, type Frame } from '../viewer/framePreparer.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { grainyJpeg, tempDir, twoColourImage, type Rgb } from './helpers/fixtures.ts';
import type { LongRunning } from './helpers/runCli.ts';
import { captureScreen, type ScreenImage } from './helpers/screenCapture.ts';
import { screenShows } from './helpers/screenShows.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import { startViewerProcess } from './helpers/viewerUnderTest.ts';

/**
 * How the display looks, through a real viewer process, etcd and an Xvfb
 * window read back: crossfades, fills, portrait sizing.
 */
interface Context {
  etcd: TestEtcd;
  xvfb: XvfbDisplay;
  server: PhotoServer;
  viewers: LongRunning[];
}

interface PhotoServer {
  url: string;
  /** Every request's path and query, in order. */
  requests: string[];
  /** The photo served for a name's first word, as a file too (to make the frames the viewer must show). */
  files: Record<string, string>;
  close(): Promise<void>;
}

const SCREEN = { width: 320, height: 240 };
const RED: Rgb = [220, 30, 30];
const GREEN: Rgb = [30, 200, 40];
const BLUE: Rgb = [30, 40, 220];
const TOKEN = 'looks-token-0123456789';
const SKY_FACTS = { taken: '2021-07-14T16:20:00', place: { name: 'Lyon', country: 'FR' } };

async function startPhotoServer(): Promise<PhotoServer> {
  const dir = await tempDir();
  const photos: Record<string, Buffer> = {
    red: await (await grainyJpeg(320, 240, RED)).toBuffer(),
    green: await (await grainyJpeg(320, 240, GREEN)).toBuffer(),
    blue: await (await grainyJpeg(320, 240, BLUE)).toBuffer(),
    // 2:1, red left and blue right: bars above and below on a 4:3 screen.
    wide: await (await twoColourImage(400, 200, RED, BLUE)).jpeg({ quality: 95 }).toBuffer(),
    // 3:4 portrait, as a rendition for a portrait canvas would be.
    tall: await (await grainyJpeg(240, 320, GREEN)).toBuffer(),
    // A white sky: a caption must still read on it.
    sky: await (await grainyJpeg(320, 240, [235, 240, 250])).toBuffer(),
  };
  const files: Record<string, string> = {};
  for (const [word, bytes] of Object.entries(photos)) await writeFile((files[word] = join(dir, `${word}.jpg`)), bytes);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url?.startsWith('/captions/')) {
      const known = /^\/captions\/sky-/.test(req.url);
      if (!known) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(SKY_FACTS));
    }
    const photo = photos[/^\/images\/([a-z]+)-/.exec(req.url ?? '')?.[1] ?? ''];
    if (!photo) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': photo.length }).end(photo);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    files,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const run = promisify(execFile);
const looks = suite<Context>('how the viewer looks (Xvfb)');

looks.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.xvfb = await startXvfb(SCREEN.width, SCREEN.height);
  context.server = await startPhotoServer();
  context.viewers = [];
  await context.etcd.client.put(IMAGE_SERVER_KEY).value(encodeImageServer({ url: context.server.url, token: TOKEN }));
});

looks.after(async (context) => {
  await Promise.all(context.viewers.map((viewer) => viewer.stop()));
  await context.server?.close();
  await context.xvfb?.stop();
  await context.etcd?.stop();
});

async function startViewer(context: Context, id: string, args: string[] = []): Promise<LongRunning> {
  for (const viewer of context.viewers.splice(0)) await viewer.stop();
  const viewer = startViewerProcess({ etcdEndpoint: context.etcd.endpoint, home: await tempDir('photoframe-pi-'), id, display: context.xvfb.display, args });
  context.viewers.push(viewer);
  await viewer.waitFor(/watching etcd/);
  return viewer;
}

const put = (context: Context, id: string, topic: 'images' | 'settings', value: unknown) => context.etcd.client.put(displayKey(id, topic)).value(JSON.stringify(value));
const STILL = { order: 'sequence', interval_time: 1, interval_units: 'days' } as const;

/** The frame the viewer makes of a served photo, placed on a black screen as RGB. */
async function expectedScreen(context: Context, word: string, settings: Partial<DisplaySettings> = {}, caption: string | null = null): Promise<Buffer> {
  const frame: Frame = await prepareFrame(context.server.files[word]!, SCREEN, { ...DEFAULT_SETTINGS, ...settings }, caption);
  const rgb = Buffer.alloc(SCREEN.width * SCREEN.height * 3);
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const from = (y * frame.width + x) * 4;
      const to = ((y + frame.rect.y) * SCREEN.width + x + frame.rect.x) * 3;
      frame.data.copy(rgb, to, from, from + 3);
    }
  }
  return rgb;
}

const differing = (screen: ScreenImage, rgb: Buffer, tolerance = 0, from = 0, to = rgb.length) => {
  let count = 0;
  for (let i = from; i < to; i++) if (Math.abs(screen.rgb[i]! - rgb[i]!) > tolerance) count++;
  return count;
};

/** Captures until the screen is `rgb` exactly (drawing is asynchronous to any log line), or fails after a while. */
/** Waits until the screen is `rgb` exactly (or only its `rows`, from and to). */
async function screenIsExactly(context: Context, rgb: Buffer, what: string, viewer: LongRunning, rows?: [number, number]): Promise<void> {
  const deadline = Date.now() + 20_000;
  let off = 0;
  const [from, to] = rows ? rows.map((row) => row * SCREEN.width * 3) : [0, rgb.length];
  do {
    off = differing(await captureScreen(context.xvfb.display), rgb, 0, from, to);
    if (off === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (Date.now() < deadline);
  assert.unreachable(`${what}: ${off} channel values differ\n${viewer.lines.slice(-10).join('\n')}`);
}

looks('crossfade: mid-transition every pixel is a blend of the two photos, neither alone; it ends on the new photo exactly', async (context) => {
  const viewer = await startViewer(context, 'fade');
  await put(context, 'fade', 'settings', { ...STILL, transition: 'crossfade', transition_ms: 6000 });
  await put(context, 'fade', 'images', ['red-1.jpg']);
  const red = await expectedScreen(context, 'red');
  const blue = await expectedScreen(context, 'blue');
  await screenIsExactly(context, red, 'the first photo, with a cut (nothing to fade from)', viewer);
  await put(context, 'fade', 'images', ['blue-1.jpg']);
  const deadline = Date.now() + 30_000;
  let blended = false;
  while (!blended && Date.now() < deadline) {
    const screen = await captureScreen(context.xvfb.display);
    let outside = 0;
    let pure = 0;
    for (let p = 0; p < SCREEN.width * SCREEN.height; p++) {
      let nearRed = true;
      let nearBlue = true;
      for (let c = 0; c < 3; c++) {
        const i = p * 3 + c;
        const [seen, a, b] = [screen.rgb[i]!, red[i]!, blue[i]!];
        if (seen < Math.min(a, b) - 2 || seen > Math.max(a, b) + 2) outside++;
        if (Math.abs(seen - a) > 2) nearRed = false;
        if (Math.abs(seen - b) > 2) nearBlue = false;
      }
      if (nearRed || nearBlue) pure++;
    }
    assert.is(outside, 0, 'every channel of every pixel lies between the two photos');
    blended = pure === 0;
  }
  assert.ok(blended, `a capture with no pixel of either photo alone\n${viewer.lines.slice(-10).join('\n')}`);
  await screenIsExactly(context, blue, 'the end of the fade', viewer);
});

looks('latest wins: 200 rapid writes during crossfades end on the final photo', async (context) => {
  const viewer = await startViewer(context, 'burst');
  await put(context, 'burst', 'settings', { ...STILL, transition: 'crossfade', transition_ms: 400 });
  await put(context, 'burst', 'images', ['red-1.jpg']);
  await screenShows(context.xvfb.display, [[160, 120, RED]], viewer.lines);
  const words = ['blue', 'red', 'green'];
  for (let i = 0; i < 199; i++) await put(context, 'burst', 'images', [`${words[i % 3]}-${i}.jpg`]);
  await put(context, 'burst', 'images', ['green-final.jpg']);
  await screenIsExactly(context, await expectedScreen(context, 'green'), 'the final photo', viewer);
  await viewer.waitFor(/showing image name="green-final.jpg"/);
  assert.is(viewer.child.exitCode, null, 'still running');
});

looks('fit=cover leaves no black bars; fit=blur fills them with a blurred copy and shows the photo itself unblurred', async (context) => {
  const viewer = await startViewer(context, 'fit');
  await put(context, 'fit', 'settings', { ...STILL, fit: 'cover' });
  await put(context, 'fit', 'images', ['wide-1.jpg']);
  await screenIsExactly(context, await expectedScreen(context, 'wide', { fit: 'cover' }), 'cover', viewer);
  const cover = await captureScreen(context.xvfb.display);
  for (const [x, y] of [[2, 2], [317, 2], [2, 237], [317, 237]] as const) {
    const [r, g, b] = cover.pixel(x, y);
    assert.ok(r + g + b > 150, `cover: (${x},${y}) is not a black bar: ${[r, g, b]}`);
  }

  await put(context, 'fit', 'settings', { ...STILL, fit: 'blur' });
  // The photo (rows 40-199 of a 2:1 photo on 320×240) exactly as contain draws it; the bars are the
  // fill, made small and stretched over the window by the renderer (with our addon, as on a Pi).
  const contain = await expectedScreen(context, 'wide');
  await screenIsExactly(context, contain, 'blur: the photo between the bars is the sharp photo', viewer, [40, 200]);
  const blur = await captureScreen(context.xvfb.display);
  const bar = [] as number[];
  for (let x = 0; x < 320; x += 4) for (const y of [5, 20, 220, 235]) bar.push(...blur.pixel(x, y));
  assert.ok(Math.max(...bar) > 60, 'the bars are not black');
  assert.ok(Math.max(...bar) - Math.min(...bar) > 60, 'the bars are not one colour');
  // A darkened copy of the photo: red on the left, blue on the right.
  const [left, right] = [blur.pixel(10, 10), blur.pixel(310, 230)];
  assert.ok(left[0] > left[2] && left[0] < 200, `left of the bars: ${left}`);
  assert.ok(right[2] > right[0] && right[2] < 200, `right of the bars: ${right}`);
  // Blurred and filtered: along a bar row the colour changes by a few levels per pixel, where the photo's
  // red/blue border jumps by ~190 (and a fill stretched without filtering would jump at each of its pixels).
  for (const y of [5, 30, 210, 235]) {
    let steepest = 0;
    for (let x = 1; x < 320; x++) for (let c = 0; c < 3; c++) steepest = Math.max(steepest, Math.abs(blur.pixel(x, y)[c]! - blur.pixel(x - 1, y)[c]!));
    assert.ok(steepest <= 8, `row ${y} changes by ${steepest} between neighbouring pixels`);
  }
});

looks('a portrait-mounted screen fetches at its portrait canvas size, so a portrait photo is shown at full resolution', async (context) => {
  const viewer = await startViewer(context, 'portrait');
  const from = context.server.requests.length;
  await put(context, 'portrait', 'settings', { ...STILL, orientation: 'V' });
  await put(context, 'portrait', 'images', ['tall-1.jpg']);
  await screenShows(context.xvfb.display, [[160, 120, GREEN]], viewer.lines);
  const asked = context.server.requests.slice(from).filter((url) => url.startsWith('/images/tall-1.jpg'));
  assert.equal(asked, ['/images/tall-1.jpg?w=240&h=320'], 'the canvas of a 320×240 panel mounted portrait is 240×320');
  // 240×320 upright fills the portrait canvas: turned, it fills the whole panel, no bars, no enlarging.
  const screen = await captureScreen(context.xvfb.display);
  for (const [x, y] of [[2, 2], [317, 237]] as const) assert.ok(screen.pixel(x, y)[1] > 100, `(${x},${y}) is the photo: ${screen.pixel(x, y)}`);
});

looks('caption=date_place: the date in the display\'s locale and the place, in the bottom right corner, as that text renders', async (context) => {
  const viewer = await startViewer(context, 'caption');
  const settings = { ...STILL, caption: 'date_place', locale: 'en-GB' } as const;
  await put(context, 'caption', 'settings', settings);
  await put(context, 'caption', 'images', ['sky-1.jpg']);
  const captioned = await expectedScreen(context, 'sky', settings, '14 July 2021 · Lyon, France');
  await screenIsExactly(context, captioned, 'the photo with its caption', viewer);
  // Where the caption is: only the bottom right differs from the photo alone.
  const plain = await expectedScreen(context, 'sky');
  const screen = await captureScreen(context.xvfb.display);
  let changedBottomRight = 0;
  let changedElsewhere = 0;
  for (let y = 0; y < SCREEN.height; y++) {
    for (let x = 0; x < SCREEN.width; x++) {
      const i = (y * SCREEN.width + x) * 3;
      if (screen.rgb[i] === plain[i]) continue;
      if (x >= SCREEN.width / 3 && y >= (SCREEN.height * 3) / 4) changedBottomRight++;
      else changedElsewhere++;
    }
  }
  assert.ok(changedBottomRight > 500, `caption pixels in the bottom right: ${changedBottomRight}`);
  assert.is(changedElsewhere, 0, 'nothing else drawn over');
  assert.ok(context.server.requests.includes('/captions/sky-1.jpg'), 'facts fetched beside the image');
});

looks('the window follows a resize: the photo is laid out again for the new size', async (context) => {
  const viewer = await startViewer(context, 'resize', ['--windowed', '160x120']);
  await put(context, 'resize', 'settings', STILL);
  await put(context, 'resize', 'images', ['red-1.jpg']);
  await viewer.waitFor(/showing image name="red-1.jpg"/);
  const from = viewer.lines.length;
  // No window manager on Xvfb: xdotool moves and resizes the window itself, as a user's would.
  await run('xdotool', ['search', '--sync', '--name', '^photoframe resize$', 'windowmove', '--sync', '0', '0', 'windowsize', '--sync', '320', '240'], {
    env: { ...process.env, DISPLAY: context.xvfb.display },
  });
  await screenIsExactly(context, await expectedScreen(context, 'red'), 'the photo made for 320×240', viewer);
  await viewer.waitFor(/showing image name="red-1.jpg"/, 15_000, from);
});

looks.run();
