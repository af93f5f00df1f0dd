import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeGroupClock, type GroupClock } from '../common/protocol/codecs/groupClockCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { statusKey } from '../common/protocol/systemKeys.ts';
import { slotAt } from '../common/sync/groupSlots.ts';
import { publishGroup } from '../console/displays/albumPublisher.ts';
import { groupClockFindings } from '../console/displays/groupClockCheck.ts';
import { stepGroup, STEP_LEAD_MS } from '../console/displays/groupClock.ts';
import { republishAfterMemberChange } from '../console/displays/groupRepublish.ts';
import { ensureAlbum } from '../data/library/albums.ts';
import { rememberDisplay } from '../data/library/displays.ts';
import { addGroupMembers, createGroup, removeGroupMembers, requireGroup, setGroupAlbum, setGroupMode } from '../data/library/groups.ts';
import { emptyLibrary, type Library } from '../data/library/librarySchema.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import { tempDir } from './helpers/fixtures.ts';
import { cliAt, runCli } from './helpers/runCli.ts';
import { homePaths } from '../common/homePaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';

/** The console's side of a `same` group, against a real etcd: what each member is given, and group next/back. */
const console_ = suite<{ etcd: TestEtcd }>('group clock, console side');
console_.before(async (context) => {
  context.etcd = await startTestEtcd();
});
console_.after(async (context) => {
  await context.etcd?.stop();
});

const PHOTOS = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg'];

function libraryWithGroup(prefix: string): Library {
  const library = emptyLibrary();
  ensureAlbum(library, 'Album').photos = [...PHOTOS];
  const ids = [1, 2, 3].map((n) => `${prefix}-${n}`);
  for (const id of ids) rememberDisplay(library, { id, hostname: id });
  createGroup(library, 'G');
  addGroupMembers(library, 'G', ids);
  setGroupAlbum(library, 'G', 'Album');
  return library;
}

async function clockOf(etcd: TestEtcd, id: string): Promise<GroupClock | null> {
  const raw = await etcd.client.get(displayKey(id, 'group_clock')).string();
  if (raw === null) return null;
  const decoded = decodeGroupClock(raw);
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.value;
}

console_('a same group: every member gets one clock and the whole album, images last; a republish writes nothing', async ({ etcd }) => {
  const library = libraryWithGroup('same');
  const group = setGroupMode(library, 'G', 'same');
  await etcd.client.put(displayKey('same-1', 'settings')).value('{"interval_time": 30, "interval_units": "seconds"}');
  const order: string[] = [];
  const watcher = await etcd.client.watch().prefix('/same-').create();
  watcher.on('put', (kv) => order.push(kv.key.toString()));
  // Every event before a marker put has arrived once the marker has: the watch delivers in revision order.
  const allSeen = async () => {
    const marker = `/same-marker:${order.length}`;
    await etcd.client.put(marker).value('1');
    while (!order.includes(marker)) await new Promise((resolve) => setTimeout(resolve, 20));
    order.splice(order.indexOf(marker), 1);
  };
  assert.equal((await publishGroup(etcd.client, library, group)).sort(), group.displayIds);
  const clock = await clockOf(etcd, 'same-1');
  assert.ok(clock);
  assert.equal({ ...clock, seed: 0 }, { group: group.id, epoch_ms: 0, interval_ms: 30_000, offset: 0, seed: 0 }, 'the interval is the members\' setting');
  assert.ok(clock.seed !== null, 'shuffled (the order setting is shuffle by default)');
  for (const id of group.displayIds) {
    assert.equal(await clockOf(etcd, id), clock);
    assert.equal(JSON.parse((await etcd.client.get(displayKey(id, 'images')).string())!), PHOTOS);
  }
  await allSeen();
  for (const id of group.displayIds) assert.ok(order.indexOf(displayKey(id, 'group_clock')) < order.indexOf(displayKey(id, 'images')), `${id}: the clock before the images`);
  order.length = 0;
  assert.equal(await publishGroup(etcd.client, library, group), []);
  await allSeen();
  assert.equal(order, [], 'nothing written again');
  await watcher.cancel();
});

console_('group next and back: every member one slot on (a little ahead) or back (at once), the same value on all; a split group refuses', async ({ etcd }) => {
  const library = libraryWithGroup('step');
  const group = setGroupMode(library, 'G', 'same');
  await publishGroup(etcd.client, library, group);
  const before = (await clockOf(etcd, 'step-1'))!;
  const now = Date.now();
  const next = await stepGroup(etcd.client, group, 1, now);
  assert.is(next.epoch_ms, now + STEP_LEAD_MS);
  assert.is(next.offset, slotAt(before, now) + 1);
  for (const id of group.displayIds) assert.equal(await clockOf(etcd, id), next);
  const back = await stepGroup(etcd.client, group, -1, now + 1000);
  assert.is(slotAt(back, now + 1000), slotAt(next, now + 1000) - 1);
  for (const id of group.displayIds) assert.equal(await clockOf(etcd, id), back);
  setGroupMode(library, 'G', 'split');
  try {
    await stepGroup(etcd.client, requireGroup(library, 'G'), 1);
    assert.unreachable('a split group has no common slot');
  } catch (error) {
    assert.match((error as Error).message, /split mode/);
  }
});

console_('split again, or a member leaving: the clock is taken away, so the display keeps its own time', async ({ etcd }) => {
  const library = libraryWithGroup('leave');
  const group = setGroupMode(library, 'G', 'same');
  await publishGroup(etcd.client, library, group);
  removeGroupMembers(library, 'G', ['leave-3']);
  await republishAfterMemberChange(etcd.client, library, [group.id], ['leave-3']);
  assert.is(await clockOf(etcd, 'leave-3'), null);
  assert.ok(await clockOf(etcd, 'leave-1'));
  setGroupMode(library, 'G', 'split');
  await publishGroup(etcd.client, library, group);
  for (const id of ['leave-1', 'leave-2']) assert.is(await clockOf(etcd, id), null);
});

console_('doctor names a group member whose clock is off etcd by more than 50 ms', async ({ etcd }) => {
  const status = (offset: number) => JSON.stringify({ image: null, shown_at: null, applied_revision: null, free_bytes: null, power: 'on', paused: false, updated_at: new Date().toISOString(), clock_offset_ms: offset, clock_offset_error_ms: 2, group_slot: { group: 'g', slot: 1 } });
  await etcd.client.put(statusKey('doc-good')).value(status(12));
  await etcd.client.put(statusKey('doc-bad')).value(status(-75));
  const findings = await groupClockFindings(etcd.client);
  assert.equal(findings.map((f) => f.display), ['doc-bad']);
  assert.match(findings[0]!.problem, /75 ms/);
});

console_('photoframe group set on a same group gives its members a clock with the new interval; group next and display next GROUP step the shared clock', async ({ etcd }) => {
  const home = await tempDir('photoframe-home-');
  const store = new LibraryStore(homePaths(home).store);
  const group = await store.update(async (library) => {
    Object.assign(library, libraryWithGroup('cli'));
    const found = setGroupMode(library, 'G', 'same');
    await publishGroup(etcd.client, library, found);
    return found;
  });
  const cli = cliAt({ etcd, home });
  await cli.ok('group', 'set', 'G', 'interval_time=20', 'interval_units=seconds');
  const clock = (await clockOf(etcd, 'cli-1'))!;
  assert.is(clock.interval_ms, 20_000);
  for (const id of group.displayIds) assert.equal(await clockOf(etcd, id), clock);
  const stepped = await cli.json('group', 'next', 'G');
  assert.is(stepped.slot, (await clockOf(etcd, 'cli-2'))!.offset);
  // `display next GROUP` (and the console's > on a group) on a same group moves the shared clock, not each display alone.
  const beforeDisplayNext = (await clockOf(etcd, 'cli-1'))!;
  await cli.ok('display', 'next', 'G');
  const afterDisplayNext = (await clockOf(etcd, 'cli-1'))!;
  assert.ok(afterDisplayNext.offset > beforeDisplayNext.offset || afterDisplayNext.epoch_ms !== beforeDisplayNext.epoch_ms, 'the clock was stepped');
  for (const id of group.displayIds) {
    assert.equal(await clockOf(etcd, id), afterDisplayNext);
    assert.is(await etcd.client.get(displayKey(id, 'change_photo')).string(), null, 'no display was stepped alone');
  }
  const refused = await runCli(cli.args('group', 'next', 'Nope'));
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /unknown group "Nope"/);
});

console_.run();
