import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../common/net/freePort.ts';
import { stopChildProcess } from '../common/process/stopChildProcess.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { solidJpeg, tempDir, type Rgb } from './helpers/fixtures.ts';
import { originalServer } from './helpers/originalSystem.ts';
import type { LongRunning } from './helpers/runCli.ts';
import { screenShows } from './helpers/screenShows.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import { startViewerProcess } from './helpers/viewerUnderTest.ts';

/**
 * The original server (a Python script on Debian's python3-etcd3, writing
 * each key as the original's code does) drives our viewer under Xvfb. Photos
 * come from a plain download folder, as the original serves them; no
 * photoframe image server exists here.
 */
interface Context {
  etcd: TestEtcd;
  xvfb: XvfbDisplay;
  folder: ChildProcess;
  viewer: LongRunning;
  rebootMarker: string;
}

const ID = 'original-driven';
const run = promisify(execFile);
const RED: Rgb = [230, 20, 20];
const DARK_RED: Rgb = [115, 10, 10];
const BLUE: Rgb = [20, 40, 230];
const BLACK: Rgb = [0, 0, 0];

const original = suite<Context>('the original server drives our viewer');

original.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.xvfb = await startXvfb(320, 240);
  const folder = await tempDir('original-images-');
  await solidJpeg(join(folder, 'red.jpg'), 400, 300, RED);
  await solidJpeg(join(folder, 'blue.jpg'), 400, 300, BLUE);
  // The original serves its images as a static folder; python's http.server is one.
  const port = await freePort();
  context.folder = spawn('/usr/bin/python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', folder, String(port)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve) => createInterface({ input: context.folder.stdout! }).once('line', () => resolve()));
  context.rebootMarker = join(await tempDir(), 'rebooted');
  context.viewer = startViewerProcess({
    etcdEndpoint: context.etcd.endpoint,
    home: await tempDir('photoframe-pi-'),
    id: ID,
    display: context.xvfb.display,
    args: ['--download-url', `http://127.0.0.1:${port}`, '--reboot-command', `touch ${context.rebootMarker}`],
  });
  await context.viewer.waitFor(/watching etcd/);
});

original.after(async (context) => {
  await context.viewer?.stop();
  if (context.folder) await stopChildProcess(context.folder);
  await context.xvfb?.stop();
  await context.etcd?.stop();
});

const shows = (context: Context, colour: Rgb) => screenShows(context.xvfb.display, [[40, 120, colour], [280, 120, colour]], context.viewer.lines);

async function write(context: Context, topic: string, ...args: string[]): Promise<number> {
  const from = context.viewer.lines.length;
  const result = await originalServer(context.etcd.endpoint, topic, ID, ...args);
  assert.is(result.code, 0, result.stderr);
  return from;
}

original('its image list is fetched from the download folder and shown; a longer list keeps the photo on screen', async (context) => {
  await write(context, 'images', 'red.jpg');
  await shows(context, RED);
  // The pixels can reach the screen before the log line reaches us: wait for it, or it would count as a redraw below.
  await context.viewer.waitFor(/showing image name="red.jpg"/);
  const from = await write(context, 'images', 'red.jpg', 'blue.jpg');
  await context.viewer.waitFor(/image list photos=2 kept="red.jpg"/, 10_000, from);
  await shows(context, RED);
  assert.not.ok(context.viewer.lines.slice(from).some((line) => /showing image/.test(line)), 'no redraw for a list that keeps the photo');
});

original('"forward" and "back" step through the photos', async (context) => {
  await write(context, 'change_photo', 'forward');
  await shows(context, BLUE);
  await write(context, 'change_photo', 'back');
  await shows(context, RED);
});

original('a heartbeat-style settings object applies: 0/1, decimal strings, "INFO", unit "M"', async (context) => {
  const from = await write(context, 'settings', 'heartbeat', 'interval_time=5', 'brightness=0.5', 'use_halflife=1', 'variance_pct=20');
  const line = await context.viewer.waitFor(/settings applied/, 10_000, from);
  assert.match(line, /interval="5 minutes"/);
  assert.match(line, /variance_pct=20 /);
  assert.match(line, /half_life=true/);
  assert.match(line, /brightness=0\.5 /);
  assert.match(line, /log_level="info"/);
  await shows(context, DARK_RED);
});

original('an edit-form settings object applies: every field a string, use_halflife a boolean', async (context) => {
  const from = await write(context, 'settings', 'form', 'interval_time=30', 'interval_units=s', 'brightness=1.0', 'use_halflife=true', 'log_level=INFO');
  const line = await context.viewer.waitFor(/settings applied/, 10_000, from);
  assert.match(line, /interval="30 seconds"/);
  assert.match(line, /half_life=true/);
  await shows(context, RED);
});

original('power_state "Stop" blanks the screen and the viewer stays up; "on" restores', async (context) => {
  await write(context, 'power_state', 'Stop');
  await shows(context, BLACK);
  await write(context, 'power_state', 'on');
  await shows(context, RED);
  assert.is(context.viewer.child.exitCode, null);
});

original('current_display is answered at /R: in time for the original server\'s poll', async (context) => {
  // The script polls /R: every 0.5 s, as the original does, and gives up after 2 s.
  const result = await originalServer(context.etcd.endpoint, 'current_display', ID, '2');
  assert.is(result.code, 0, `no answer within 2 s: ${result.stdout}`);
  const answer = JSON.parse(result.stdout) as { display: string; image: string; shown_at: string };
  assert.is(answer.display, ID);
  assert.is(answer.image, 'red.jpg');
  assert.ok(!Number.isNaN(Date.parse(answer.shown_at)));
});

original('restart_screen reopens the window and shows the photo again', async (context) => {
  const from = await write(context, 'restart_screen');
  await context.viewer.waitFor(/screen restarted/, 10_000, from);
  await shows(context, RED);
});

original('two restart_screen writes in a row leave one window', async (context) => {
  const from = context.viewer.lines.length;
  await Promise.all([write(context, 'restart_screen'), write(context, 'restart_screen')]);
  await context.viewer.waitFor(/screen restarted/, 10_000, from);
  const restarts = () => context.viewer.lines.slice(from).filter((line) => /screen restarted/.test(line)).length;
  while (restarts() < 2) await context.viewer.waitFor(/screen restarted/, 10_000, context.viewer.lines.length);
  const { stdout } = await run('xwininfo', ['-root', '-tree', '-display', context.xvfb.display]);
  assert.is(stdout.split('\n').filter((line) => line.includes(`"photoframe ${ID}"`)).length, 1, stdout);
  await shows(context, RED);
});

original('reboot runs the configured reboot command', async (context) => {
  const from = await write(context, 'reboot');
  await context.viewer.waitFor(/rebooting: running/, 10_000, from);
  const deadline = Date.now() + 5000;
  for (;;) {
    const exists = await access(context.rebootMarker).then(() => true, () => false);
    if (exists) break;
    if (Date.now() > deadline) assert.unreachable('the reboot command did not run');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

original('a settings object without a unit means minutes, as in the original', async (context) => {
  const from = await write(context, 'raw', 'settings', '{"interval_time": 3}');
  const line = await context.viewer.waitFor(/settings applied/, 10_000, from);
  assert.match(line, /interval="3 minutes"/);
});

original('a field that means nothing is logged with its key and reason and keeps its default; the rest applies', async (context) => {
  const from = await write(context, 'raw', 'settings', '{"interval_time": "soon", "interval_units": "s"}');
  await context.viewer.waitFor(/\/original-driven:settings: settings\.interval_time .*"soon"; left at its default/, 10_000, from);
  const line = await context.viewer.waitFor(/settings applied/, 10_000, from);
  assert.match(line, /interval="10 seconds"/);
});

original('a value that is not JSON is logged and ignored; the photo stays', async (context) => {
  const from = await write(context, 'raw', 'settings', '{"interval_time": ');
  await context.viewer.waitFor(/ignoring malformed \/original-driven:settings: not valid JSON/, 10_000, from);
  await write(context, 'raw', 'reboot', '{"when": "lat');
  await context.viewer.waitFor(/ignoring malformed \/original-driven:reboot: not valid JSON/, 10_000, from);
  await shows(context, RED);
  assert.is(context.viewer.child.exitCode, null);
});

original.run();
