import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { decodeViewerStatus, type ViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { statusKey } from '../common/protocol/systemKeys.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { fakeCecCtl } from './helpers/fakeCec.ts';
import { clockStartingAt } from './helpers/fakeClock.ts';
import { solidJpeg, tempDir, type Rgb } from './helpers/fixtures.ts';
import { cliAt } from './helpers/runCli.ts';
import { screenShows } from './helpers/screenShows.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import { startViewerProcess } from './helpers/viewerUnderTest.ts';

/**
 * Screen schedules through real components: a viewer process whose clock
 * (libfaketime) starts just inside or well inside a window, real etcd, an
 * SDL window on Xvfb read back, and a stand-in `cec-ctl` on PATH.
 */
const SCREEN = { width: 160, height: 120 };
const RED: Rgb = [220, 30, 30];
const GREEN: Rgb = [30, 200, 40];
const BLACK: Rgb = [0, 0, 0];
const CENTRE = (colour: Rgb): [number, number, Rgb][] => [[80, 60, colour], [10, 10, colour]];

const schedule = suite<{ etcd: TestEtcd; xvfb: XvfbDisplay }>('screen schedules');

schedule.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.xvfb = await startXvfb(SCREEN.width, SCREEN.height);
});
schedule.after(async (context) => {
  await context.xvfb?.stop();
  await context.etcd?.stop();
});

/** A viewer home whose cache already holds red, green and blue photos of the screen's size. */
async function homeWithPhotos(): Promise<string> {
  const home = await tempDir('photoframe-pi-');
  const dir = join(homePaths(home).viewerCache, `${SCREEN.width}x${SCREEN.height}`);
  await mkdir(dir, { recursive: true });
  await solidJpeg(join(dir, 'red.jpg'), SCREEN.width, SCREEN.height, RED);
  await solidJpeg(join(dir, 'green.jpg'), SCREEN.width, SCREEN.height, GREEN);
  await solidJpeg(join(dir, 'blue.jpg'), SCREEN.width, SCREEN.height, [30, 40, 220]);
  return home;
}

/** Reads the status key until `accept` takes it (15 s at most). */
async function statusWhere(etcd: TestEtcd, id: string, accept: (status: ViewerStatus) => boolean): Promise<ViewerStatus> {
  let last: ViewerStatus | null = null;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const raw = await etcd.client.get(statusKey(id)).string();
    const decoded = raw === null ? null : decodeViewerStatus(raw);
    last = decoded?.ok ? decoded.value : null;
    if (last && accept(last)) return last;
  }
  throw new Error(`the status never matched; last: ${JSON.stringify(last)}`);
}

schedule('inside a window the TV is put in standby over CEC and the window is black; at its end the TV wakes and the next photo shows', async ({ etcd, xvfb }) => {
  const id = 'sched-cec';
  const cec = await fakeCecCtl();
  const home = await homeWithPhotos();
  await etcd.client.put(displayKey(id, 'settings')).value(JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days', schedule: '22:00-23:01', timezone: 'UTC' }));
  // 25 s before the window ends at 23:01: the checks of the window must be done before it ends, and with
  // 10 s a loaded machine (two test files at once beside other work) sometimes ran out of window.
  const fakeStart = Date.parse('2027-01-12T23:00:35Z');
  const realStart = Date.now();
  const viewer = startViewerProcess({ etcdEndpoint: etcd.endpoint, home, id, display: xvfb.display, env: { ...clockStartingAt('2027-01-12T23:00:35Z'), PATH: `${cec.dir}:${process.env.PATH}` } });
  try {
    await viewer.waitFor(/watching etcd/, 20_000);
    // Written once the viewer has its settings (in sequence): red is due first, and is not shown in the window.
    await etcd.client.put(displayKey(id, 'images')).value('["red.jpg","green.jpg","blue.jpg"]');
    await screenShows(xvfb.display, CENTRE(BLACK), viewer.lines);
    const off = await statusWhere(etcd, id, (s) => s.schedule?.state === 'off' && s.screen?.power === 'standby' && s.applied?.images !== undefined);
    assert.equal(off.schedule, { state: 'off', until: '2027-01-12T23:01:00.000Z' });
    assert.equal(off.screen, { power: 'standby', source: 'cec', method: 'cec-ctl' });
    assert.ok((await cec.calls()).some((call) => call.includes('--standby')), 'standby was sent');
    assert.is(off.image, null, 'nothing was decoded or drawn while off');

    // The status and what the console makes of it: the viewer's clock is weeks off etcd's.
    const expectedOffset = realStart - fakeStart;
    const measured = await statusWhere(etcd, id, (s) => typeof s.clock_offset_ms === 'number');
    assert.ok(Math.abs(measured.clock_offset_ms! - expectedOffset) < 5000, `clock offset ${measured.clock_offset_ms} vs about ${expectedOffset}`);
    for (const field of ['rss_bytes', 'uptime_s', 'version', 'cache_bytes', 'free_bytes'] as const) assert.ok(measured[field] !== null && measured[field] !== undefined, field);
    const shown = await cliAt({ etcd, home }).json('display', 'show', id);
    assert.is(shown.status.schedule.state, 'off');
    assert.is(shown.status.screen.method, 'cec-ctl');
    assert.ok(shown.flags.includes('clock'), JSON.stringify(shown.flags));

    // 23:01: the window ends; the TV is woken and made the active source, and the slideshow moves on to green, not red from before.
    await screenShows(xvfb.display, CENTRE(GREEN), viewer.lines, 45_000);
    const on = await statusWhere(etcd, id, (s) => s.screen?.power === 'on' && s.image === 'green.jpg');
    assert.equal(on.schedule, { state: 'on', until: '2027-01-13T22:00:00.000Z' });
    const calls = await cec.calls();
    assert.ok(calls.some((call) => call.includes('--image-view-on')), calls.join('\n'));
    assert.ok(calls.some((call) => call.includes('--active-source phys-addr=1.0.0.0')), calls.join('\n'));
  } finally {
    await viewer.stop();
  }
});

schedule('without CEC a window is a black screen; power_state on overrides it until the next edge', async ({ etcd, xvfb }) => {
  const id = 'sched-plain';
  const home = await homeWithPhotos();
  await etcd.client.put(displayKey(id, 'settings')).value(JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days', schedule: 'Mon-Fri 22:00-06:00; Sat,Sun 23:00-09:00', timezone: 'UTC' }));
  // A Tuesday night, half an hour into the window.
  const viewer = startViewerProcess({ etcdEndpoint: etcd.endpoint, home, id, display: xvfb.display, env: clockStartingAt('2027-01-12T22:30:00Z') });
  try {
    await viewer.waitFor(/watching etcd/, 20_000);
    // Written once the order (sequence) is known: red is due first.
    await etcd.client.put(displayKey(id, 'images')).value('["red.jpg","green.jpg"]');
    await viewer.waitFor(/image list photos=2/);
    await screenShows(xvfb.display, CENTRE(BLACK), viewer.lines);
    const off = await statusWhere(etcd, id, (s) => s.schedule?.state === 'off');
    assert.equal(off.screen, { power: 'off', source: 'commanded', method: 'none' });

    await etcd.client.put(displayKey(id, 'power_state')).value('"on"');
    await screenShows(xvfb.display, CENTRE(RED), viewer.lines);
    const overridden = await statusWhere(etcd, id, (s) => s.schedule?.state === 'overridden');
    assert.equal(overridden.schedule, { state: 'overridden', until: '2027-01-13T06:00:00.000Z', override: 'on' });
    assert.equal(overridden.screen, { power: 'on', source: 'commanded', method: 'none' });
  } finally {
    await viewer.stop();
  }
});

schedule.run();
