import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openEtcdFeed, type FeedChange } from '../common/etcd/etcdFeed.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

const paging = suite<{ etcd: TestEtcd }>('etcd feed: a prefix larger than one gRPC message');

paging.before(async (context) => {
  context.etcd = await startTestEtcd();
});

paging.after(async (context) => {
  await context.etcd?.stop();
});

paging('a snapshot of 7 MB under one prefix (a fleet of 1,000 displays\' lists is as large) arrives whole, at one revision', async ({ etcd }) => {
  // 400 lists of 8 KB and four values of ~1 MB: over gRPC's 4 MiB answer limit many times, and four of them nearly fill one.
  const keys = [...Array.from({ length: 400 }, (_, i) => `/fleet-${String(i).padStart(4, '0')}:images`), ...Array.from({ length: 4 }, (_, i) => `/huge-${i}:images`)];
  const valueOf = (key: string) => (key.startsWith('/huge') ? 'h'.repeat(1_000_000) : `["${key}", "${'x'.repeat(8000)}"]`);
  const lists = keys.filter((key) => key.startsWith('/fleet'));
  for (let i = 0; i < lists.length; i += 50) {
    await etcd.client.kv.txn({ success: lists.slice(i, i + 50).map((key) => ({ request_put: { key: Buffer.from(key), value: Buffer.from(valueOf(key)) } })) });
  }
  for (const key of keys.filter((k) => k.startsWith('/huge'))) await etcd.client.put(key).value(valueOf(key));
  let snapshot: FeedChange[] = [];
  const live: FeedChange[] = [];
  const feed = await openEtcdFeed(etcd.client, [{ prefix: '/' }], {
    snapshot: (changes) => (snapshot = changes),
    change: (change) => live.push(change),
    broken: () => {},
  }, {
    // A write between the pages' read and the watch is not lost: it comes as a live change.
    afterRead: async () => void (await etcd.client.put('/late:images').value('["late.jpg"]')),
  });
  try {
    assert.is(snapshot.length, keys.length);
    assert.equal(snapshot.map((c) => c.key).sort(), [...keys].sort());
    assert.ok(snapshot.every((c) => c.value === valueOf(c.key)), 'every value whole');
    assert.is(new Set(snapshot.map((c) => c.key)).size, keys.length, 'no key twice across pages');
    for (let i = 0; i < 50 && live.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(live.map((c) => c.key), ['/late:images']);
  } finally {
    await feed.close();
  }
});

paging.run();
