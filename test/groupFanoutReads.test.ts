import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { publishGroup } from '../console/displays/albumPublisher.ts';
import { decodeGroupClock } from '../common/protocol/codecs/groupClockCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { emptyLibrary, type AlbumRecord, type GroupRecord } from '../data/library/librarySchema.ts';
import { startTestEtcd } from './helpers/testEtcd.ts';

const MEMBERS = 300;
const ids = Array.from({ length: MEMBERS }, (_, i) => `9a0c0000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const album = (tag: string): AlbumRecord => ({
  id: `album-${tag}`,
  name: `Album ${tag}`,
  photos: Array.from({ length: 20 }, (_, i) => `${tag}-${String(i).padStart(4, '0')}.jpg`),
  createdAt: '2026-01-01T00:00:00.000Z',
});

/** The KV requests etcd has started, by method (Range, Txn, Put ...), from its own Prometheus counters. */
async function kvRequests(endpoint: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^grpc_server_started_total\{grpc_method="(\w+)",grpc_service="etcdserverpb\.KV",grpc_type="unary"\} (\d+)/.exec(line);
    if (match) counts.set(match[1]!, Number(match[2]));
  }
  if (!counts.has('Range')) throw new Error('etcd does not export grpc_server_started_total for Range');
  return counts;
}

const delta = (before: Map<string, number>, after: Map<string, number>) => {
  const out: Record<string, number> = {};
  for (const [method, count] of after) if (count !== (before.get(method) ?? 0)) out[method] = count - (before.get(method) ?? 0);
  return out;
};

test('an album for a same group of 300: the schedule and lists read in batched transactions, not one request per member', async () => {
  const etcd = await startTestEtcd();
  try {
    const library = emptyLibrary();
    const albums = [album('a'), album('b')];
    library.albums.push(...albums);
    const group: GroupRecord = { id: 'group-batched', name: 'Batched', albumId: albums[0]!.id, displayIds: ids, createdAt: '2026-01-01T00:00:00.000Z', mode: 'same' };
    library.groups = [group];

    const before = await kvRequests(etcd.endpoint);
    await publishGroup(etcd.client, library, group);
    const first = delta(before, await kvRequests(etcd.endpoint));
    // 300 members: three keys each read (album, images, manifest) and the clock, a batch of settings, then the clock,
    // album and images written: a few transactions per 128 members. Before, the schedule alone took a get per
    // member for the settings (none set), two more for each clock: 900 requests.
    const requests = Object.values(first).reduce((sum, n) => sum + n, 0);
    assert.ok(requests <= 30, `publishing to ${MEMBERS} members took ${requests} etcd requests (${JSON.stringify(first)})`);
    assert.is(first.Range ?? 0, 0, `no single-key reads: ${JSON.stringify(first)}`);

    // Every member holds the one schedule and the whole album.
    const clocks = new Set<string>();
    for (const id of ids) {
      const raw = await etcd.client.get(displayKey(id, 'group_clock')).string();
      assert.ok(raw !== null, `${id} has no group_clock`);
      const decoded = decodeGroupClock(raw);
      assert.ok(decoded.ok && decoded.value?.group === group.id, `${id}: ${raw}`);
      clocks.add(raw);
      assert.equal(JSON.parse((await etcd.client.get(displayKey(id, 'images')).string())!), albums[0]!.photos);
    }
    assert.is(clocks.size, 1, 'every member holds the same schedule');

    // A new album keeps the schedule: it is read once, found right, and not written again.
    const clockRevision = (await etcd.client.get(displayKey(ids[0]!, 'group_clock')).exec()).kvs[0]!.mod_revision;
    group.albumId = albums[1]!.id;
    const again = await kvRequests(etcd.endpoint);
    await publishGroup(etcd.client, library, group);
    const second = delta(again, await kvRequests(etcd.endpoint));
    assert.is(second.Range ?? 0, 0, `no single-key reads: ${JSON.stringify(second)}`);
    assert.is((await etcd.client.get(displayKey(ids[0]!, 'group_clock')).exec()).kvs[0]!.mod_revision, clockRevision);
    assert.equal(JSON.parse((await etcd.client.get(displayKey(ids[MEMBERS - 1]!, 'images')).string())!), albums[1]!.photos);
  } finally {
    await etcd.stop();
  }
});

test.run();
