import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { publishGroup } from '../console/displays/albumPublisher.ts';
import { emptyLibrary, type AlbumRecord, type GroupRecord } from '../data/library/librarySchema.ts';
import { listDigest, SimulatedFleet } from '../viewer/headless/simulatedFleet.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

const DISPLAYS = 1000;

interface Context {
  etcd: TestEtcd;
  fleet: SimulatedFleet;
}

const fleet = suite<Context>('a simulated fleet of 1,000 displays');

fleet.before(async (context) => {
  context.etcd = await startTestEtcd();
});

fleet.after(async (context) => {
  await context.fleet?.close();
  await context.etcd?.stop();
});

const ids = Array.from({ length: DISPLAYS }, (_, i) => `f1ee7000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const album = (tag: string, count: number): AlbumRecord => ({
  id: `album-${tag}`,
  name: `Album ${tag}`,
  photos: Array.from({ length: count }, (_, i) => `${tag}-${String(i).padStart(5, '0')}.jpg`),
  createdAt: '2026-01-01T00:00:00.000Z',
});

fleet('an album change reaches all 1,000 headless viewers, each on its right list, one key of a display per revision', async (context) => {
  const { client, endpoint } = context.etcd;
  // Each process shares one etcd client among its 250 viewers: the feed, codecs and model are each viewer's own.
  context.fleet = await SimulatedFleet.start(
    ids.map((id) => ({ id, etcd: { endpoints: [endpoint], tls: null } })),
    { processes: 4, sharedClient: true, connectParallel: 32 },
  );
  assert.equal(context.fleet.failures, []);

  const library = emptyLibrary();
  const first = album('first', 150);
  const second = album('second', 180);
  library.albums.push(first, second);
  const group: GroupRecord = { id: 'group-1', name: 'Shop', albumId: first.id, displayIds: ids, createdAt: '2026-01-01T00:00:00.000Z', mode: 'same' };
  library.groups = [group];
  const everyone = (list: AlbumRecord) => new Map(ids.map((id) => [id, listDigest(list.photos)]));

  const written = await publishGroup(client, library, group);
  assert.is(written.length, DISPLAYS);
  await context.fleet.allHold(everyone(first));

  // Every event of the next change, to check how the writes reached etcd.
  const events: { key: string; revision: bigint }[] = [];
  const { header } = await client.kv.range({ key: Buffer.from('/') });
  const watcher = await client.watch().prefix('/').startRevision((BigInt(header.revision) + 1n).toString()).create();
  watcher.on('put', (kv) => events.push({ key: kv.key.toString(), revision: BigInt(kv.mod_revision) }));
  group.albumId = second.id;
  assert.is((await publishGroup(client, library, group)).length, DISPLAYS);
  await context.fleet.allHold(everyone(second));
  for (let i = 0; i < 100 && events.length < 2 * DISPLAYS; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  await watcher.cancel();
  assert.is(events.length, 2 * DISPLAYS, 'one album and one images write per display, nothing else');
  const byRevision = new Map<bigint, string[]>();
  for (const event of events) byRevision.set(event.revision, [...(byRevision.get(event.revision) ?? []), event.key.slice(1, event.key.indexOf(':'))]);
  for (const [revision, displays] of byRevision) {
    assert.is(new Set(displays).size, displays.length, `revision ${revision} holds two keys of one display`);
    assert.ok(displays.length <= 128, 'within --max-txn-ops');
  }
  assert.ok(byRevision.size < 40, `batched: ${byRevision.size} transactions for ${events.length} keys`);
  for (const id of ids) {
    const album = events.find((e) => e.key === `/${id}:album`)!;
    const images = events.find((e) => e.key === `/${id}:images`)!;
    assert.ok(album.revision < images.revision, 'each display hears its album before its images');
  }

  // The same group split: each display holds its own part, together the whole album, each photo once.
  group.mode = 'split';
  await publishGroup(client, library, group);
  const held = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 100) {
    const answer = await client.kv.txn({ success: ids.slice(i, i + 100).map((id) => ({ request_range: { key: Buffer.from(`/${id}:images`) } })) });
    for (const response of answer.responses) for (const kv of response.response_range!.kvs) held.set(kv.key.toString().slice(1, 37), JSON.parse(kv.value.toString()));
  }
  assert.is(held.size, DISPLAYS);
  assert.equal([...held.values()].flat().sort(), [...second.photos].sort(), 'the parts hold the album, each photo once');
  await context.fleet.allHold(new Map([...held].map(([id, part]) => [id, listDigest(part)])));
  for (const id of ids) assert.is(context.fleet.lists.get(id)!.digest, listDigest(held.get(id)!), `display ${id} ends on its part`);
});

fleet.run();
