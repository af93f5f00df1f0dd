import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { displayKey, type DisplayTopic } from '../common/protocol/displayKeys.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { tempDir } from './helpers/fixtures.ts';
import type { LongRunning } from './helpers/runCli.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import { startViewerProcess } from './helpers/viewerUnderTest.ts';

/**
 * A viewer under hostile or heavy input, as an attacker or a careless script
 * would produce it, through a real etcd and a real window on Xvfb.
 */
interface Context {
  etcd: TestEtcd;
  xvfb: XvfbDisplay;
  viewers: LongRunning[];
}

const hardening = suite<Context>('viewer hardening');

hardening.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.xvfb = await startXvfb(320, 240);
  context.viewers = [];
});

hardening.after(async (context) => {
  await Promise.all(context.viewers.map((viewer) => viewer.stop()));
  await context.xvfb?.stop();
  await context.etcd?.stop();
});

async function startViewer(context: Context, id: string, args: string[] = []): Promise<LongRunning> {
  const viewer = startViewerProcess({ etcdEndpoint: context.etcd.endpoint, home: await tempDir('photoframe-pi-'), id, display: context.xvfb.display, args });
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
  const topics: DisplayTopic[] = ['images', 'settings', 'power_state', 'change_photo'];
  for (let batch = 0; batch < 100; batch++) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => {
        const i = batch * 100 + j;
        return context.etcd.client.put(displayKey('flood', topics[i % topics.length]!)).value(hostileValue(i));
      }),
    );
  }
  // Delivered in order after the flood: once it is logged, every bad value has been seen.
  await context.etcd.client.put(displayKey('flood', 'images')).value('[]');
  await viewer.waitFor(/no images assigned/, 60_000, from);
  const lines = viewer.lines.slice(from);
  const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
  const longest = Math.max(...lines.map((line) => line.length));
  assert.ok(bytes < 64 * 1024, `the flood produced ${bytes} bytes of log in ${lines.length} lines`);
  assert.ok(longest <= 300, `a line of ${longest} characters`);
  const unprintable = lines.find((line) => /[\u0000-\u001f\u007f-\u009f\ufffd]/.test(line));
  assert.is(unprintable, undefined, 'no raw binary in the log');
  assert.is(viewer.child.exitCode, null, 'viewer still running');
});

hardening.run();
