import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { encodeImageServer } from '../common/protocol/codecs/imageServerCodec.ts';
import { displayKey, type DisplayTopic } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { grainyJpeg, tempDir, type Rgb } from './helpers/fixtures.ts';
import type { LongRunning } from './helpers/runCli.ts';
import { startFakeNotifySocket } from './helpers/fakeNotifySocket.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import { screenShows } from './helpers/screenShows.ts';
import { startViewerProcess } from './helpers/viewerUnderTest.ts';

/**
 * A viewer under hostile or heavy input, as an attacker or a careless script
 * would produce it, through a real etcd and a real window on Xvfb.
 */
interface Context {
  etcd: TestEtcd;
  xvfb: XvfbDisplay;
  viewers: LongRunning[];
  server: FlakyImageServer;
}

/**
 * An image server that misbehaves on demand: a captive portal's HTML page with
 * status 200, an endless body, or (restored) the photo. It ignores the token.
 */
interface FlakyImageServer {
  url: string;
  mode: 'html' | 'endless' | 'photo' | 'truncated';
  /** Bytes written for the last endless body before the client hung up. */
  endlessBytesSent: number;
  close(): Promise<void>;
}

const RED: Rgb = [220, 30, 30];
const GREEN: Rgb = [30, 200, 40];
const BLUE: Rgb = [30, 40, 220];
const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];
const TOKEN = 'hardening-token-0123456789';

async function startFlakyImageServer(): Promise<FlakyImageServer> {
  // The colour is the first word of the name.
  const grainy = async (colour: Rgb) => (await grainyJpeg(320, 240, colour)).toBuffer();
  const photos: Record<string, Buffer> = { red: await grainy(RED), green: await grainy(GREEN), blue: await grainy(BLUE) };
  const state: Omit<FlakyImageServer, 'url' | 'close'> = { mode: 'html', endlessBytesSent: 0 };
  const server: Server = createServer((req, res) => {
    if (state.mode === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Please log in to the hotel Wi-Fi</body></html>');
    } else if (state.mode === 'photo' || state.mode === 'truncated') {
      const whole = photos[/^\/images\/([a-z]+)-/.exec(req.url ?? '')?.[1] ?? 'red'] ?? photos.red!;
      // A connection cut short: the header is perfect, the pixels stop a third of the way.
      const photo = state.mode === 'truncated' ? whole.subarray(0, Math.floor(whole.length / 3)) : whole;
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': photo.length }).end(photo);
    } else {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      state.endlessBytesSent = 0;
      const chunk = Buffer.alloc(1024 * 1024, 0xab);
      const pump = () => {
        while (!res.destroyed && state.endlessBytesSent < 4 * 1024 ** 3) {
          state.endlessBytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}

const run = promisify(execFile);
const hardening = suite<Context>('viewer hardening');

hardening.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.xvfb = await startXvfb(320, 240);
  context.viewers = [];
  context.server = await startFlakyImageServer();
  await context.etcd.client.put(IMAGE_SERVER_KEY).value(encodeImageServer({ url: context.server.url, token: TOKEN }));
});

hardening.after(async (context) => {
  await Promise.all(context.viewers.map((viewer) => viewer.stop()));
  await context.server?.close();
  await context.xvfb?.stop();
  await context.etcd?.stop();
});

async function startViewer(context: Context, id: string, home?: string, env: NodeJS.ProcessEnv = {}): Promise<LongRunning> {
  const viewer = startViewerProcess({ etcdEndpoint: context.etcd.endpoint, home: home ?? (await tempDir('photoframe-pi-')), id, display: context.xvfb.display, env });
  context.viewers.push(viewer);
  await viewer.waitFor(/watching etcd/);
  return viewer;
}

/** 2 KB of every byte value, newlines and invalid UTF-8 included, as a corrupted or hostile writer leaves it. */
function hostileValue(i: number): Buffer {
  return Buffer.concat([Buffer.from(`{"n":${i},`), Buffer.from(Array.from({ length: 2048 }, (_, j) => (i + j * 7) % 256))]);
}

hardening('a flood of 10,000 malformed values leaves a small log of short, printable lines', async (context) => {
  const viewer = await startViewer(context, 'flood');
  const from = viewer.lines.length;
  // change_photo is left out: as in the original protocol, any value written there is a command.
  const topics: DisplayTopic[] = ['images', 'settings', 'power_state'];
  for (let batch = 0; batch < 100; batch++) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => {
        const i = batch * 100 + j;
        return context.etcd.client.put(displayKey('flood', topics[i % topics.length]!)).value(hostileValue(i));
      }),
    );
  }
  // Delivered in order after the flood: once it is logged, every bad value has been seen.
  await context.etcd.client.put(displayKey('flood', 'power_state')).value('"off"');
  await viewer.waitFor(/power off/, 60_000, from);
  const lines = viewer.lines.slice(from);
  const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
  const longest = Math.max(...lines.map((line) => line.length));
  assert.ok(bytes < 64 * 1024, `the flood produced ${bytes} bytes of log in ${lines.length} lines`);
  assert.ok(longest <= 300, `a line of ${longest} characters`);
  const unprintable = lines.find((line) => /[\u0000-\u001f\u007f-\u009f\ufffd]/.test(line));
  assert.is(unprintable, undefined, 'no raw binary in the log');
  assert.is(viewer.child.exitCode, null, 'viewer still running');
  await viewer.stop();
});

// A name without a content hash: renditions are checked by type and decoding.
const PHOTO = 'hotel-lobby.jpg';

hardening('an HTML page answered with 200 is never cached or shown; once the server is restored the photo shows', async (context) => {
  context.server.mode = 'html';
  const home = await tempDir('photoframe-pi-');
  const viewer = await startViewer(context, 'portal', home);
  await context.etcd.client.put(displayKey('portal', 'images')).value(JSON.stringify([PHOTO]));
  const failure = await viewer.waitFor(/cannot show hotel-lobby\.jpg/);
  await screenShows(context.xvfb.display, [[160, 120, BLACK]], viewer.lines);
  // A retry may be downloading into a temp file right now; what matters is that nothing entered the cache.
  assert.equal((await cachedFiles(home)).filter((file) => !isTempFile(file)), [], 'nothing entered the cache');
  assert.match(failure, /served as text\/html, not an image/);
  context.server.mode = 'photo';
  // The server announcing itself again is when a viewer retries at once.
  await context.etcd.client.put(IMAGE_SERVER_KEY).value(encodeImageServer({ url: context.server.url, token: TOKEN }));
  await screenShows(context.xvfb.display, [[160, 120, RED], [10, 10, RED]], viewer.lines);
  await viewer.stop();
});

hardening('a truncated JPEG is refused, never cached; once the server is restored the photo shows', async (context) => {
  context.server.mode = 'truncated';
  const home = await tempDir('photoframe-pi-');
  const viewer = await startViewer(context, 'truncated', home);
  await context.etcd.client.put(displayKey('truncated', 'images')).value(JSON.stringify([PHOTO]));
  const failure = await viewer.waitFor(/cannot show hotel-lobby\.jpg/);
  assert.match(failure, /not a decodable image/);
  assert.equal((await cachedFiles(home)).filter((file) => !isTempFile(file)), [], 'nothing entered the cache');
  context.server.mode = 'photo';
  await context.etcd.client.put(IMAGE_SERVER_KEY).value(encodeImageServer({ url: context.server.url, token: TOKEN }));
  await screenShows(context.xvfb.display, [[160, 120, RED]], viewer.lines);
  await viewer.stop();
});

hardening('a poisoned entry already in the cache (an HTML page, a truncated JPEG) is detected and replaced', async (context) => {
  context.server.mode = 'photo';
  const green = await (await grainyJpeg(320, 240, GREEN)).toBuffer();
  // What an older viewer left behind after meeting a captive portal, or a connection cut short.
  const poisons = { html: Buffer.from('<html><body>Please log in</body></html>'), truncated: green.subarray(0, Math.floor(green.length / 3)) };
  for (const [kind, content] of Object.entries(poisons)) {
    const home = await tempDir('photoframe-pi-');
    const poisoned = join(homePaths(home).viewerCache, '320x240', PHOTO);
    await mkdir(join(poisoned, '..'), { recursive: true });
    await writeFile(poisoned, content);
    const viewer = await startViewer(context, `poisoned-${kind}`, home);
    await context.etcd.client.put(displayKey(`poisoned-${kind}`, 'images')).value(JSON.stringify([PHOTO]));
    await screenShows(context.xvfb.display, [[160, 120, RED]], viewer.lines);
    assert.ok(viewer.lines.some((line) => /refused cached hotel-lobby\.jpg: not a decodable image.*removing it/.test(line)), `the ${kind} replacement is logged`);
    await viewer.stop();
  }
});

hardening('an endless body is cut off at the size cap, nothing lands in the cache, and the viewer stays small', async (context) => {
  context.server.mode = 'endless';
  const home = await tempDir('photoframe-pi-');
  const viewer = await startViewer(context, 'endless', home, { PHOTOFRAME_MAX_DOWNLOAD_MB: '8' });
  await context.etcd.client.put(displayKey('endless', 'images')).value(JSON.stringify([PHOTO]));
  await viewer.waitFor(/refused hotel-lobby\.jpg .* larger than the 8 MiB limit/, 60_000);
  // Socket buffers hold a few MB beyond what the viewer read before it hung up.
  assert.ok(context.server.endlessBytesSent < 64 * 1024 * 1024, `the server sent ${context.server.endlessBytesSent} bytes`);
  assert.equal((await cachedFiles(home)).filter((file) => !isTempFile(file)), [], 'nothing entered the cache');
  for (const file of await cachedFiles(home)) {
    const bytes = (await stat(join(homePaths(home).viewerCache, file))).size;
    assert.ok(bytes <= 9 * 1024 * 1024, `a temp file of ${bytes} bytes, past the cap`);
  }
  await screenShows(context.xvfb.display, [[160, 120, BLACK]], viewer.lines);
  assert.is(viewer.child.exitCode, null, 'viewer still running');
  await viewer.stop();
});

hardening('the viewer notifies the systemd watchdog while it runs, and stops when it is stuck', async (context) => {
  const socket = await startFakeNotifySocket();
  const viewer = await startViewer(context, 'watched', undefined, { NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '400000' });
  try {
    await viewer.waitFor(/notifying the systemd watchdog/);
    await socket.waitForMessage(() => socket.messages.filter((m) => m.text === 'WATCHDOG=1').length >= 3);
    // Frozen as a hung process would be: nothing of it runs. Arrivals are stamped by the receiver, in wall-clock time.
    viewer.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // It runs one systemd-notify at a time, so at most the one already sent can still arrive.
    const whileStopped = socket.messages.filter((m) => m.at > stoppedAt);
    assert.ok(whileStopped.length <= 1, `${whileStopped.length} notifications while stuck`);
    const from = viewer.lines.length;
    viewer.child.kill('SIGCONT');
    const continuedAt = Date.now();
    // Its first tick finds the loop was held up and withholds; then it is healthy and notifies again.
    await viewer.waitFor(/not notifying the systemd watchdog: the event loop was blocked/, 15_000, from);
    await socket.waitForMessage((m) => m.at > continuedAt);
  } finally {
    await viewer.stop();
    await socket.stop();
  }
});

hardening('a burst of 1,000 settings and change_photo writes ends on the final state, drawing almost none of the superseded ones', async (context) => {
  context.server.mode = 'photo';
  const viewer = await startViewer(context, 'burst');
  const key = (topic: DisplayTopic) => displayKey('burst', topic);
  await context.etcd.client.put(key('settings')).value(JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days' }));
  await context.etcd.client.put(key('images')).value(JSON.stringify(['red-1.jpg', 'green-1.jpg']));
  await screenShows(context.xvfb.display, [[160, 120, RED]], viewer.lines);
  const from = viewer.lines.length;
  for (let i = 0; i < 1000; i++) {
    const write = i % 2 === 0
      ? context.etcd.client.put(key('settings')).value(JSON.stringify({ order: 'sequence', brightness: 0.5 + (i % 100) / 100, interval_time: 1, interval_units: 'days' }))
      : context.etcd.client.put(key('change_photo')).value('"next"');
    // Unawaited within a batch, so writes pile up as a script's would.
    if (i % 50 === 49) await write;
  }
  await context.etcd.client.put(key('settings')).value(JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days' }));
  await context.etcd.client.put(key('images')).value(JSON.stringify(['blue-1.jpg']));
  await screenShows(context.xvfb.display, [[160, 120, BLUE], [10, 10, BLUE], [310, 230, BLUE]], viewer.lines, 60_000);
  const drawn = viewer.lines.slice(from).filter((line) => /showing image/.test(line)).length;
  // Each write may start at most the frame already in flight; superseded ones are dropped before decoding.
  assert.ok(drawn <= 20, `${drawn} frames drawn for 1,002 writes`);
  assert.is(viewer.child.exitCode, null, 'viewer still running');
  await viewer.stop();
});

hardening('hostile value shapes, a settings value nested 10,000 deep among them, leave the viewer up and drawing', async (context) => {
  context.server.mode = 'photo';
  const viewer = await startViewer(context, 'hostile');
  const key = (topic: DisplayTopic) => displayKey('hostile', topic);
  const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
  const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);
  const hostile: [DisplayTopic, string][] = [
    ['settings', `{"brightness":${deepObject}}`],
    ['settings', deepObject],
    ['settings', `{"name":${deepArray}}`],
    ['images', deepArray],
    ['images', `[${deepObject}]`],
    ['change_photo', deepObject],
    ['power_state', deepArray],
    ['settings', `{"name":"${'x'.repeat(1_000_000)}"}`],
    ['images', JSON.stringify(Array.from({ length: 50_000 }, (_, i) => `p${i}.jpg`).concat(['../../etc/passwd']))],
  ];
  for (const [topic, value] of hostile) await context.etcd.client.put(key(topic)).value(value);
  await context.etcd.client.put(key('images')).value(JSON.stringify(['green-1.jpg']));
  await screenShows(context.xvfb.display, [[160, 120, GREEN]], viewer.lines);
  assert.is(viewer.child.exitCode, null, 'viewer still running');
  // Restarted with the values still in etcd, it comes up again (no crash loop).
  await viewer.stop();
  const again = await startViewer(context, 'hostile');
  await screenShows(context.xvfb.display, [[160, 120, GREEN]], again.lines);
  await again.stop();
});

hardening('a drawn frame is not kept: the screen holds no copy of its pixels', async (context) => {
  const script = fileURLToPath(new URL('./helpers/screenRetentionMain.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', script], { env: { ...process.env, DISPLAY: context.xvfb.display } });
  assert.equal(JSON.parse(stdout.trim().split('\n').pop()!), { retained: false });
});

hardening('when a window that covered the photo goes away, the same photo is painted again from the cache, its timer untouched', async (context) => {
  context.server.mode = 'photo';
  const viewer = await startViewer(context, 'expose');
  const key = (topic: DisplayTopic) => displayKey('expose', topic);
  await context.etcd.client.put(key('settings')).value(JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days' }));
  await context.etcd.client.put(key('images')).value(JSON.stringify(['red-2.jpg', 'green-2.jpg']));
  await screenShows(context.xvfb.display, [[160, 120, RED]], viewer.lines);
  // The pixels can reach the screen before the log line reaches us.
  await viewer.waitFor(/showing image name="red-2.jpg"/);
  const shownBefore = viewer.lines.filter((line) => /showing image/.test(line)).length;
  // xlogo paints white with a black logo; without a window manager it maps on top.
  const cover = spawn('xlogo', ['-display', context.xvfb.display, '-geometry', '200x160+60+40', '-bg', 'white', '-fg', 'white'], { stdio: 'ignore' });
  try {
    await screenShows(context.xvfb.display, [[160, 120, WHITE]], viewer.lines);
  } finally {
    cover.kill();
    await once(cover, 'exit');
  }
  await screenShows(context.xvfb.display, [[160, 120, RED], [100, 60, RED], [250, 190, RED]], viewer.lines);
  assert.is(viewer.lines.filter((line) => /showing image/.test(line)).length, shownBefore, `a repaint, not a new photo:\n${viewer.lines.slice(-8).join('\n')}`);
  await viewer.stop();
});

const isTempFile = (file: string) => /\/\.[^/]*\.tmp$/.test(file);

async function cachedFiles(home: string): Promise<string[]> {
  const dir = homePaths(home).viewerCache;
  const found: string[] = [];
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    for (const file of await readdir(join(dir, sub)).catch(() => [] as string[])) found.push(join(sub, file));
  }
  return found;
}

hardening.run();
