import type { Etcd3 } from 'etcd3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSettings } from '../common/protocol/codecs/settingsCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { giveAlbum, publishGroup } from '../console/displays/albumPublisher.ts';
import { runDisplayAction } from '../console/displays/displayControl.ts';
import { putSettings } from '../console/displays/displayWrites.ts';
import { republishAfterMemberChange } from '../console/displays/groupRepublish.ts';
import { putSettingsMany } from '../console/displays/settingsFanout.ts';
import { clearGroupClock, putGroupClock } from '../console/displays/groupClock.ts';
import { ensureAlbum } from '../data/library/albums.ts';
import { rememberDisplay } from '../data/library/displays.ts';
import { addGroupMembers, createGroup, removeGroupMembers, setGroupAlbum, setGroupMode } from '../data/library/groups.ts';
import { emptyLibrary, type Library } from '../data/library/librarySchema.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

/**
 * The console's writes to many displays through a real etcd: how many
 * revisions they cost (one per key was the old way), and what happens when
 * the client sends a request again after etcd applied it (an answer lost in
 * an election), played here by a client that sends every write twice.
 */
const writes = suite<{ etcd: TestEtcd }>('batched display writes');

writes.before(async (context) => {
  context.etcd = await startTestEtcd();
});
writes.after(async (context) => {
  await context.etcd?.stop();
});

const photos = (count: number) => Array.from({ length: count }, (_, i) => `${i.toString(16).padStart(24, '0')}.jpg`);
const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

async function revision(client: Etcd3): Promise<bigint> {
  return BigInt((await client.maintenance.status()).header.revision);
}

async function versionOf(client: Etcd3, key: string): Promise<number> {
  const kv = (await client.get(key).exec()).kvs[0];
  return kv ? Number(kv.version) : 0;
}

/**
 * The client as it behaves when a write's answer is lost after etcd applied
 * it: the same request goes again. Here every put and transaction is sent
 * twice and the second answer is the one returned.
 */
function sendingEverythingTwice(client: Etcd3): Etcd3 {
  const kv = Object.create(client.kv) as Etcd3['kv'];
  kv.txn = async (...args: Parameters<Etcd3['kv']['txn']>) => {
    await client.kv.txn(...args);
    return client.kv.txn(...args);
  };
  kv.put = async (...args: Parameters<Etcd3['kv']['put']>) => {
    await client.kv.put(...args);
    return client.kv.put(...args);
  };
  return new Proxy(client, { get: (target, property) => (property === 'kv' ? kv : Reflect.get(target, property)) });
}

function libraryWithGroup(prefix: string, members: number, album: string[]): Library {
  const library = emptyLibrary();
  ensureAlbum(library, 'Album').photos = album;
  const displayIds = ids(prefix, members);
  for (const id of displayIds) rememberDisplay(library, { id, hostname: id });
  createGroup(library, 'G');
  addGroupMembers(library, 'G', displayIds);
  setGroupAlbum(library, 'G', 'Album');
  return library;
}

writes('300 displays leaving a same group are cleared in a handful of revisions: lists emptied, clocks gone', async ({ etcd }) => {
  const { client } = etcd;
  const library = libraryWithGroup('leave', 300, photos(40));
  const group = setGroupMode(library, 'G', 'same');
  assert.is((await publishGroup(client, library, group)).length, 300);
  const left = [...group.displayIds];
  removeGroupMembers(library, 'G', left);
  const before = await revision(client);
  const written = await republishAfterMemberChange(client, library, [group.id], left);
  const spent = await revision(client) - before;
  assert.equal(written.sort(), [...left].sort());
  // 300 group clocks deleted and 300 lists emptied, 128 keys a transaction: 6 (one revision per key was 600).
  assert.ok(spent <= 8n, `${spent} revisions`);
  const lists = await client.getAll().prefix('/leave-').strings();
  for (const id of left) {
    assert.is(lists[displayKey(id, 'images')], '[]', id);
    assert.is(lists[displayKey(id, 'group_clock')], undefined, id);
  }
  // Nothing left to clear: nothing written.
  const again = await revision(client);
  assert.equal(await republishAfterMemberChange(client, library, [group.id], left), []);
  assert.is(await revision(client), again);
});

writes('giving 300 displays an album costs a few revisions, each display its album key before its list', async ({ etcd }) => {
  const { client } = etcd;
  const library = emptyLibrary();
  const album = ensureAlbum(library, 'Shop');
  album.photos = photos(25);
  const displays = ids('give', 300);
  const before = await revision(client);
  assert.is((await giveAlbum(client, displays, album, album.photos)).length, 300);
  assert.ok((await revision(client)) - before <= 6n, 'album keys, then lists: 3 transactions each');
  for (const id of displays.slice(0, 5)) {
    const [albumKv, imagesKv] = await Promise.all([client.get(displayKey(id, 'album')).exec(), client.get(displayKey(id, 'images')).exec()]);
    assert.is(imagesKv.kvs[0]!.value.toString(), JSON.stringify(album.photos));
    assert.ok(BigInt(albumKv.kvs[0]!.mod_revision) < BigInt(imagesKv.kvs[0]!.mod_revision), 'images last');
  }
  const again = await revision(client);
  assert.equal(await giveAlbum(client, displays, album, album.photos), []);
  assert.is(await revision(client), again, 'a display showing the album already is not written');
});

writes('settings for 300 displays: merged with what each holds, a few revisions, and each applied once though every write goes twice', async ({ etcd }) => {
  const { client } = etcd;
  const displays = ids('set', 300);
  await client.put(displayKey('set-7', 'settings')).value('{"name": "Till 7", "brightness": "0.750"}');
  const twice = sendingEverythingTwice(client);
  const before = await revision(client);
  const result = await putSettingsMany(twice, displays.map((id) => ({ id, name: id })), { interval_time: 30, interval_units: 'seconds' });
  // 300 keys, 128 a transaction: 3 transactions, their copies refused by the guard (one revision per display per copy was 600).
  assert.ok((await revision(client)) - before <= 4n, `${(await revision(client)) - before} revisions`);
  for (const id of displays) assert.is(await versionOf(client, displayKey(id, 'settings')), id === 'set-7' ? 2 : 1, `${id} written once`);
  const merged = decodeSettings((await client.get(displayKey('set-7', 'settings')).string())!);
  assert.ok(merged.ok);
  assert.is(merged.value.fields.name, 'Till 7', 'what it held is kept');
  assert.is(merged.value.fields.interval_time, 30);
  assert.is(result.get('set-7')?.brightness, 0.75);
  // The same change again: nothing to write.
  const again = await revision(client);
  await putSettingsMany(twice, displays.map((id) => ({ id, name: id })), { interval_time: 30 });
  assert.is(await revision(client), again);
});

writes('one display\'s settings, sent twice: written once', async ({ etcd }) => {
  const { client } = etcd;
  const key = displayKey('single-settings', 'settings');
  await putSettings(sendingEverythingTwice(client), 'single-settings', 'single', { interval_time: 45 });
  assert.is(await versionOf(client, key), 1);
});

writes('a command to a group of 200, sent twice by the client, reaches each display once; pressed again, once more', async ({ etcd }) => {
  const { client } = etcd;
  const targets = ids('cmd', 200).map((id) => ({ id, name: id }));
  const twice = sendingEverythingTwice(client);
  const before = await revision(client);
  await runDisplayAction(twice, 'next', targets);
  assert.ok((await revision(client)) - before <= 3n, 'two transactions, not 200 puts');
  for (const { id } of targets) assert.is(await versionOf(client, displayKey(id, 'change_photo')), 1, `${id} heard next once`);
  // The same command again is a new press: every display hears it, once.
  await runDisplayAction(twice, 'next', targets);
  for (const { id } of targets) assert.is(await versionOf(client, displayKey(id, 'change_photo')), 2, `${id} heard next twice in all`);
  assert.is(await client.get(displayKey('cmd-0', 'change_photo')).string(), '"forward"');
});

writes('group clocks keep to the etcd\'s --max-txn-ops as every batched write does (PHOTOFRAME_ETCD_MAX_TXN_OPS)', async ({ etcd }) => {
  const { client } = etcd;
  const members = ids('clock-limit', 10);
  const clock = { group: 'g-limit', epoch_ms: 0, interval_ms: 10_000, offset: 0, seed: null };
  const saved = process.env.PHOTOFRAME_ETCD_MAX_TXN_OPS;
  process.env.PHOTOFRAME_ETCD_MAX_TXN_OPS = '4';
  try {
    let before = await revision(client);
    assert.equal((await putGroupClock(client, members, clock)).length, 10);
    // 10 puts, 4 a transaction: 3 transactions, each its own revision (one transaction of 10 is refused by such an etcd).
    assert.is(await revision(client) - before, 3n);
    before = await revision(client);
    await clearGroupClock(client, members);
    assert.is(await revision(client) - before, 3n);
  } finally {
    if (saved === undefined) delete process.env.PHOTOFRAME_ETCD_MAX_TXN_OPS;
    else process.env.PHOTOFRAME_ETCD_MAX_TXN_OPS = saved;
  }
});

writes.run();
