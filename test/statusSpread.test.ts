import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../common/log.ts';
import { decodeViewerStatus, type ViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { statusKey } from '../common/protocol/systemKeys.ts';
import { STATUS_SPREAD_MS, StatusReporter, statusSpreadMs, type StatusClock } from '../viewer/statusReport.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

const spread = suite<{ etcd: TestEtcd; dir: string }>('status writes of a fleet');

spread.before(async (context) => {
  context.etcd = await startTestEtcd();
  // On tmpfs: its free space moves by exactly what is written into it.
  context.dir = await mkdtemp('/dev/shm/photoframe-status-');
});
spread.after(async (context) => {
  await context.etcd?.stop();
  if (context.dir) await rm(context.dir, { recursive: true, force: true });
});

/** The reporter's timers, fired by the test; time moves only when the test moves it. */
class TestClock implements StatusClock {
  at = Date.parse('2026-12-07T08:00:00Z');
  readonly armed = new Set<{ callback: () => void; delayMs: number; due: number }>();
  now = () => this.at;
  set = (callback: () => void, delayMs: number) => {
    const timer = { callback, delayMs, due: this.at + delayMs };
    this.armed.add(timer);
    return timer;
  };
  clear = (handle: unknown) => void this.armed.delete(handle as { callback: () => void; delayMs: number; due: number });
  /** The one timer armed: moves the clock to when it is due (if not past already) and fires it. */
  fire(): void {
    assert.is(this.armed.size, 1, `one status timer armed (${this.armed.size})`);
    const [timer] = this.armed;
    this.armed.delete(timer!);
    this.at = Math.max(this.at, timer!.due);
    timer!.callback();
  }
}

const ids = Array.from({ length: 1000 }, (_, i) => `f1ee7000-0000-4000-8000-${String(i).padStart(12, '0')}`);

async function statusWritten(etcd: TestEtcd, id: string, reporter: StatusReporter, writes: number): Promise<ViewerStatus> {
  for (const deadline = Date.now() + 15_000; reporter.writes < writes; await new Promise((resolve) => setTimeout(resolve, 10))) {
    if (Date.now() > deadline) throw new Error(`status write ${writes} never went out`);
  }
  const decoded = decodeViewerStatus((await etcd.client.get(statusKey(id)).string())!);
  assert.ok(decoded.ok, 'a well-formed status');
  return decoded.value;
}

spread('a fleet hearing one change writes its status over two seconds, each display at its own offset, not all at once', () => {
  const offsets = ids.map(statusSpreadMs);
  assert.ok(offsets.every((ms) => Number.isInteger(ms) && ms >= 0 && ms < STATUS_SPREAD_MS));
  assert.is(statusSpreadMs(ids[7]!), statusSpreadMs(ids[7]!), 'fixed for a display');
  // Evenly: every tenth of the window holds 5-15 % of the fleet.
  const tenths = Array.from({ length: 10 }, (_, k) => offsets.filter((ms) => Math.floor((ms * 10) / STATUS_SPREAD_MS) === k).length);
  assert.ok(tenths.every((n) => n >= 50 && n <= 150), `offsets per tenth of the window: ${tenths.join(' ')}`);
});

spread('a list arriving, then its photo drawn: one status write, at the display\'s offset, saying both', async ({ etcd, dir }) => {
  const id = ids.find((candidate) => statusSpreadMs(candidate) > 0)!;
  const clock = new TestClock();
  let image: string | null = null;
  const reporter = new StatusReporter(id, { state: () => ({ image, shown_at: null, power: 'on', paused: false }), diskPath: dir }, createLogger('test'), clock);
  try {
    reporter.connected(etcd.client);
    clock.fire();
    await statusWritten(etcd, id, reporter, 1);

    // Long after: the list arrives from etcd, and the photo from it is drawn a moment later.
    clock.at += 60_000;
    reporter.applied('41', displayKey(id, 'images'));
    assert.equal([...clock.armed].map((t) => t.delayMs), [statusSpreadMs(id)], 'waits its own offset, not a moment');
    image = 'new.jpg';
    reporter.changed();
    assert.is(clock.armed.size, 1, 'the drawing joins the write already waiting');
    assert.is(reporter.writes, 1, 'nothing written before the offset');
    clock.fire();
    const status = await statusWritten(etcd, id, reporter, 2);
    assert.is(status.applied?.images, '41');
    assert.is(status.image, 'new.jpg');
    assert.is(reporter.writes, 2, 'one write for the list and its photo');
  } finally {
    await reporter.stop();
  }
});

spread('changes that keep coming are written at the once-a-second pace, not each after the offset', async ({ etcd, dir }) => {
  const id = ids.find((candidate) => statusSpreadMs(candidate) > 1500)!;
  const clock = new TestClock();
  const reporter = new StatusReporter(id, { state: () => ({ image: null, shown_at: null, power: 'on', paused: false }), diskPath: dir }, createLogger('test'), clock);
  try {
    const start = clock.at;
    reporter.connected(etcd.client);
    // A slideshow of one second: a photo every 900 ms. The first joins the write waiting for the offset.
    clock.at = start + 900;
    reporter.changed();
    clock.fire();
    await statusWritten(etcd, id, reporter, 1);
    const offset = statusSpreadMs(id);
    // The next, 900 ms after it, goes out a second after the last write: at the pace, not after the offset again.
    clock.at = start + 1800;
    reporter.changed();
    assert.equal([...clock.armed].map((t) => t.delayMs), [offset + 1000 - 1800]);
    clock.fire();
    await statusWritten(etcd, id, reporter, 2);
  } finally {
    await reporter.stop();
  }
});

spread('free space is measured once per 30 s, not at every status write', async ({ etcd, dir }) => {
  const id = ids[3]!;
  const clock = new TestClock();
  const reporter = new StatusReporter(id, { state: () => ({ image: null, shown_at: null, power: 'on', paused: false }), diskPath: dir }, createLogger('test'), clock);
  try {
    reporter.connected(etcd.client);
    clock.fire();
    const first = (await statusWritten(etcd, id, reporter, 1)).free_bytes;
    assert.ok(typeof first === 'number');
    await writeFile(join(dir, 'filler'), Buffer.alloc(16 * 2 ** 20, 1));
    clock.at += 5000;
    reporter.changed();
    clock.fire();
    assert.is((await statusWritten(etcd, id, reporter, 2)).free_bytes, first, 'a write 5 s later reports the free space it measured');
    clock.at += 30_000;
    reporter.changed();
    clock.fire();
    const later = (await statusWritten(etcd, id, reporter, 3)).free_bytes!;
    assert.ok(first - later >= 15 * 2 ** 20, `measured again after 30 s: ${first} then ${later}`);
  } finally {
    await reporter.stop();
  }
});

spread.run();
