import { once } from 'node:events';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { decodeViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { statusKey } from '../common/protocol/systemKeys.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { solidJpeg, tempDir } from './helpers/fixtures.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import { startViewerProcess } from './helpers/viewerUnderTest.ts';

const SCREEN = { width: 160, height: 120 };
const STALL = fileURLToPath(new URL('./helpers/stallDecode/register.mjs', import.meta.url));

const stuck = suite<{ etcd: TestEtcd; xvfb: XvfbDisplay }>('stuck detector');

stuck.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.xvfb = await startXvfb(SCREEN.width, SCREEN.height);
});
stuck.after(async (context) => {
  await context.xvfb?.stop();
  await context.etcd?.stop();
});

stuck('a viewer whose decode stalls reports it, logs it once and exits non-zero; its event loop ran on meanwhile', async ({ etcd, xvfb }) => {
  const id = 'stuck-1';
  const { home } = await cachedColours(etcd, id);
  const statuses: string[] = [];
  const watcher = await etcd.client.watch().key(statusKey(id)).create();
  watcher.on('put', (kv) => statuses.push(kv.value.toString()));
  // Decoding blue.jpg to pixels never returns; everything else in the process works.
  const viewer = startViewerProcess({
    etcdEndpoint: etcd.endpoint,
    home,
    id,
    display: xvfb.display,
    env: { NODE_OPTIONS: `--import ${STALL}`, PHOTOFRAME_TEST_STALL_DECODE: 'blue.jpg' },
  });
  try {
    await viewer.waitFor(/watching etcd/, 20_000);
    // Written once the settings (in sequence) are known: red, green, then blue, whose decode stalls.
    await etcd.client.put(displayKey(id, 'images')).value('["red.jpg","green.jpg","blue.jpg"]');
    const [code] = (await Promise.race([
      once(viewer.child, 'exit'),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`the viewer did not exit:\n${viewer.lines.slice(-20).join('\n')}`)), 45_000)),
    ])) as [number | null];
    assert.is(code, 3, viewer.lines.slice(-20).join('\n'));
    const shown = viewer.lines.filter((line) => /showing image/.test(line));
    assert.ok(shown.length >= 2 && shown.every((line) => !line.includes('blue.jpg')), shown.join('\n'));
    assert.is(viewer.lines.filter((line) => /the slideshow is stuck/.test(line)).length, 1, 'logged once');
    const reports = statuses.map((raw) => decodeViewerStatus(raw)).filter((d) => d.ok && d.value.stuck);
    assert.ok(reports.length > 0, 'the status said so before the exit');
    assert.match((reports[0] as { value: { stuck: string } }).value.stuck, /no photo has changed for \d+ s, more than 3× the interval of 1 s/);
  } finally {
    await watcher.cancel();
    await viewer.stop();
  }
});

stuck('a photo whose decode check wedges is given up after the stall bound: the slideshow moves on and the file stays', async ({ etcd, xvfb }) => {
  const id = 'stuck-check';
  const { home, dir } = await cachedColours(etcd, id);
  const viewer = startViewerProcess({
    etcdEndpoint: etcd.endpoint,
    home,
    id,
    display: xvfb.display,
    env: { NODE_OPTIONS: `--import ${STALL}`, PHOTOFRAME_TEST_STALL_CHECK: 'blue.jpg', PHOTOFRAME_IMAGE_STALL_SECONDS: '1.5' },
  });
  try {
    await viewer.waitFor(/watching etcd/, 20_000);
    await etcd.client.put(displayKey(id, 'images')).value('["red.jpg","green.jpg","blue.jpg"]');
    // Before the bound, the check of blue.jpg held the fetch (and with it the slideshow) for good.
    await viewer.waitFor(/cannot show blue\.jpg: cannot check cached blue\.jpg: its decode did not finish in 1\.5 s/, 30_000);
    const failedAt = viewer.lines.findIndex((line) => /cannot show blue\.jpg/.test(line));
    await viewer.waitFor(/showing image.*red\.jpg/, 20_000, failedAt + 1);
    assert.ok(viewer.child.exitCode === null, 'the viewer runs on');
    assert.ok(!viewer.lines.some((line) => /removing it and fetching it again/.test(line)), 'a check that did not finish is no verdict on the file');
    assert.ok(await stat(join(dir, 'blue.jpg')).then(() => true, () => false), 'blue.jpg stays in the cache');
  } finally {
    await viewer.stop();
  }
});

/**
 * A viewer home whose cache already holds red, green and blue photos, cached
 * but not yet checked by a process (each is checked, a small decode, before
 * its first use), and the display on a 1-second sequence.
 */
async function cachedColours(etcd: TestEtcd, id: string): Promise<{ home: string; dir: string }> {
  const home = await tempDir('photoframe-pi-');
  const dir = join(homePaths(home).viewerCache, `${SCREEN.width}x${SCREEN.height}`);
  await mkdir(dir, { recursive: true });
  for (const [name, colour] of [['red.jpg', [220, 30, 30]], ['green.jpg', [30, 200, 40]], ['blue.jpg', [30, 40, 220]]] as const) {
    await solidJpeg(join(dir, name), SCREEN.width, SCREEN.height, [...colour]);
  }
  await etcd.client.put(displayKey(id, 'settings')).value(JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'seconds' }));
  return { home, dir };
}

stuck.run();
