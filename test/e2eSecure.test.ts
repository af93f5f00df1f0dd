import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../common/net/freePort.ts';
import { decodeImageServer } from '../common/protocol/codecs/imageServerCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { solidJpeg, tempDir, type Rgb } from './helpers/fixtures.ts';
import { runCli, startCli, type LongRunning } from './helpers/runCli.ts';
import { screenShows } from './helpers/screenShows.ts';
import { startSecureTestEtcd, type SecureTestEtcd } from './helpers/secureTestEtcd.ts';
import { startViewerProcess } from './helpers/viewerUnderTest.ts';

/**
 * The secure configuration end to end: etcd with mutual TLS and auth, two
 * enrolled displays each with its own certificate and role, the image server
 * over HTTPS, two real viewers on their own Xvfb screens — then one display
 * revoked while the other carries on.
 */
interface Display {
  id: string;
  bundle: string;
  xvfb: XvfbDisplay;
  viewer: LongRunning;
}

interface Context {
  etcd: SecureTestEtcd;
  server: LongRunning;
  kitchen: Display;
  hall: Display;
}

const SCREEN = { width: 160, height: 120 };
const RED: Rgb = [230, 20, 20];
const BLUE: Rgb = [20, 40, 230];
const BLACK: Rgb = [0, 0, 0];

const secure = suite<Context>('end to end over mutual TLS');

const cli = (context: Context, ...args: string[]) => runCli(['--etcd', context.etcd.endpoint, '--home', context.etcd.home, ...args]);

async function enrollAndStart(context: Context, name: string): Promise<Display> {
  // The bundle is copied out, as `make deploy` copies it to a Pi: revocation deletes the console's own copy.
  const enrolled = await cli(context, 'display', 'enroll', name, '--out', await tempDir('photoframe-bundle-'), '--json');
  assert.is(enrolled.code, 0, enrolled.stderr);
  const { id, bundle } = JSON.parse(enrolled.stdout) as { id: string; bundle: string };
  const xvfb = await startXvfb(SCREEN.width, SCREEN.height);
  const viewer = startViewerProcess({ etcdEndpoint: context.etcd.endpoint, home: await tempDir('photoframe-pi-'), id, enrollment: bundle, display: xvfb.display });
  await viewer.waitFor(/watching etcd/);
  return { id, bundle, xvfb, viewer };
}

secure.before(async (context) => {
  context.etcd = await startSecureTestEtcd();
  const source = await tempDir();
  await solidJpeg(join(source, 'red.jpg'), 400, 300, RED);
  await solidJpeg(join(source, 'blue.jpg'), 400, 300, BLUE);
  for (const [file, album] of [['red.jpg', 'Reds'], ['blue.jpg', 'Blues']]) {
    const imported = await cli(context, 'import', '--wait', join(source, file!), '--album', album!);
    assert.is(imported.code, 0, imported.stderr);
  }
  const port = await freePort();
  context.server = startCli(['--etcd', context.etcd.endpoint, '--home', context.etcd.home, 'serve', '--host', '127.0.0.1', '--http-port', String(port)]);
  await context.server.waitFor(/image server listening/);
  context.kitchen = await enrollAndStart(context, 'Kitchen');
  context.hall = await enrollAndStart(context, 'Hall');
});

secure.after(async (context) => {
  for (const display of [context.kitchen, context.hall]) {
    await display?.viewer.stop();
    await display?.xvfb.stop();
  }
  await context.server?.stop();
  await context.etcd?.stop();
});

const shows = (display: Display, colour: Rgb) =>
  screenShows(display.xvfb.display, [[20, 20, colour], [80, 60, colour], [140, 100, colour]], display.viewer.lines, 20_000);

secure('the console assigns albums and each display shows its photo, fetched over HTTPS', async (context) => {
  const server = decodeImageServer((await context.etcd.admin.get(IMAGE_SERVER_KEY).string()) ?? '');
  assert.ok(server.ok && server.value.url.startsWith('https://'), 'the image server is published as https');
  for (const [name, album] of [['Kitchen', 'Reds'], ['Hall', 'Blues']]) {
    const set = await cli(context, 'display', 'set', name!, `album=${album}`);
    assert.is(set.code, 0, set.stderr);
  }
  await shows(context.kitchen, RED);
  await shows(context.hall, BLUE);
});

secure('display now answers from an enrolled display, whose role forbids the original /R: key', async (context) => {
  const now = await cli(context, 'display', 'now', 'Kitchen', '--json');
  assert.is(now.code, 0, now.stderr);
  const [row] = JSON.parse(now.stdout) as { answer: { image: string | null } }[];
  assert.ok(row?.answer.image, 'the answer names the photo on screen');
});

secure('a revoked display goes black at once, is refused at its next reconnect, and the other carries on', async (context) => {
  const { kitchen, hall } = context;
  const revoked = await cli(context, 'display', 'revoke', 'Kitchen');
  assert.is(revoked.code, 0, revoked.stderr);
  // Its open watch sees its list deleted: a black screen, with no reconnect needed.
  await screenShows(kitchen.xvfb.display, [[20, 20, BLACK], [80, 60, BLACK]], kitchen.viewer.lines, 10_000);
  await shows(hall, BLUE);
  assert.is(await context.etcd.admin.get(displayKey(kitchen.id, 'images')).string(), null);

  // Every connection drops; at its reconnect etcd refuses the revoked identity, and the viewer says why in one line.
  const from = kitchen.viewer.lines.length;
  await context.etcd.restart();
  const refused = await kitchen.viewer.waitFor(/is not allowed to .*it may have been revoked/, 30_000, from);
  assert.match(refused, /display "Kitchen" is not allowed to (write|read) \S+; it may have been revoked/);
  // The other display comes through the restart and still follows the console.
  await shows(hall, BLUE);
  const set = await cli(context, 'display', 'set', 'Hall', 'album=Reds');
  assert.is(set.code, 0, set.stderr);
  await shows(hall, RED);
});

secure('no private key reaches the logs', async (context) => {
  for (const line of [...context.server.lines, ...context.kitchen.viewer.lines, ...context.hall.viewer.lines]) assert.not.match(line, /PRIVATE KEY/);
});

secure.run();
