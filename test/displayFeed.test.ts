import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { openDisplayFeed, type FeedChange } from '../viewer/displayFeed.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

const feed = suite<{ etcd: TestEtcd }>('display feed');

feed.before(async (context) => {
  context.etcd = await startTestEtcd();
});
feed.after(async (context) => {
  await context.etcd?.stop();
});

/** Collects changes and lets a test wait until it has seen some number of them. */
function collector() {
  const changes: FeedChange[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    changes,
    push(change: FeedChange) {
      changes.push(change);
      for (const w of waiters.filter((w) => changes.length >= w.count)) w.resolve();
    },
    until(count: number, timeoutMs = 10_000): Promise<void> {
      if (changes.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`saw ${changes.length} of ${count} changes: ${JSON.stringify(changes)}`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

/** Each change carries etcd's mod_revision (the console compares it with what a viewer applied); the tests check it separately. */
const keyValues = (changes: readonly FeedChange[]) => changes.map(({ key, value }) => ({ key, value }));

function assertRevisionsRise(changes: readonly FeedChange[]): void {
  const revisions = changes.map((change) => Number(change.revision));
  assert.ok(revisions.every((revision, i) => Number.isInteger(revision) && (i === 0 || revision > revisions[i - 1]!)), `revisions ${revisions.join(', ')}`);
}

feed('the snapshot comes first; writes between read and watch still arrive, after it', async ({ etcd }) => {
  const id = 'feed-gap';
  await etcd.client.put(displayKey(id, 'images')).value('["a.jpg"]');
  await etcd.client.put(displayKey('other-display', 'images')).value('["not-mine.jpg"]');
  const seen = collector();
  const events: string[] = [];
  const opened = await openDisplayFeed(
    etcd.client,
    id,
    {
      snapshot: (changes) => {
        events.push('snapshot');
        assert.equal(keyValues(changes), [{ key: `/${id}:images`, value: '["a.jpg"]' }]);
      },
      change: (change) => {
        events.push('change');
        seen.push(change);
      },
      broken: (error) => assert.unreachable(`feed broke: ${error.message}`),
    },
    {
      afterRead: async () => {
        // Lands after the read and before the watch exists: must not be lost.
        await etcd.client.put(displayKey(id, 'images')).value('["b.jpg"]');
        await etcd.client.put(displayKey(id, 'change_photo')).value('"next"');
      },
    },
  );
  try {
    await seen.until(2);
    assertRevisionsRise(seen.changes);
    assert.equal(keyValues(seen.changes), [
      { key: `/${id}:images`, value: '["b.jpg"]' },
      { key: `/${id}:change_photo`, value: '"next"' },
    ]);
    assert.equal(events, ['snapshot', 'change', 'change'], 'no change is delivered before the snapshot');
  } finally {
    await opened.close();
  }
});

feed('puts, repeated commands, deletes and the image server key are all pushed', async ({ etcd }) => {
  const id = 'feed-live';
  const seen = collector();
  const opened = await openDisplayFeed(etcd.client, id, { snapshot: () => {}, change: seen.push, broken: () => {} });
  try {
    await etcd.client.put(displayKey(id, 'change_photo')).value('"next"');
    await etcd.client.put(displayKey(id, 'change_photo')).value('"next"');
    await etcd.client.delete().key(displayKey(id, 'change_photo'));
    await etcd.client.put(IMAGE_SERVER_KEY).value('{"url":"http://127.0.0.1:1","token":"0123456789abcdef"}');
    await etcd.client.put(displayKey('feed-live-2', 'images')).value('[]');
    await seen.until(4);
    assertRevisionsRise(seen.changes);
    assert.equal(keyValues(seen.changes.slice(0, 3)), [
      { key: `/${id}:change_photo`, value: '"next"' },
      { key: `/${id}:change_photo`, value: '"next"' },
      { key: `/${id}:change_photo`, value: null },
    ]);
    assert.is(seen.changes[3]!.key, IMAGE_SERVER_KEY);
    assert.ok(!seen.changes.some((c) => c.key.startsWith('/feed-live-2:')), 'a display whose id extends ours is not ours');
  } finally {
    await opened.close();
  }
});

feed('a watch whose start revision was compacted away breaks the feed instead of hanging', async ({ etcd }) => {
  const id = 'feed-compacted';
  // Its own client: etcd3's watch queue on this client stays stalled afterwards.
  const client = await connectEtcd([etcd.endpoint]);
  try {
    let brokenReports = 0;
    let reportBroken: (error: Error) => void = () => {};
    const broken = new Promise<Error>((resolve) => (reportBroken = resolve));
    const countBroken = (error: Error) => {
      brokenReports++;
      reportBroken(error);
    };
    const opened = await openDisplayFeed(
      client,
      id,
      { snapshot: () => {}, change: () => {}, broken: countBroken },
      {
        attachTimeoutMs: 1500,
        afterRead: async () => {
          await client.put(displayKey(id, 'images')).value('["x.jpg"]');
          const latest = await client.put(displayKey(id, 'images')).value('["y.jpg"]').exec();
          await client.kv.compact({ revision: latest.header.revision, physical: true });
        },
      },
    ).catch((error: Error) => error);
    // etcd either refuses the watch while it is set up, or cancels it right after: both must surface.
    const outcome =
      opened instanceof Error
        ? opened
        : await Promise.race([broken, new Promise<string>((resolve) => setTimeout(() => resolve('silence'), 5000))]);
    if (!(opened instanceof Error)) await opened.close();
    assert.ok(outcome instanceof Error, `the feed reported it cannot go on (got ${String(outcome)})`);
    assert.match((outcome as Error).message, /compact|not established|canceled/i, (outcome as Error).message);
    // A failure while opening is the caller's to handle; reporting it as broken too would start a second reconnect.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.is(brokenReports, opened instanceof Error ? 0 : 1);
  } finally {
    client.close();
  }
});

feed.run();
