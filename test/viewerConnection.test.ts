import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../common/log.ts';
import { decodeNowShowing, nowShowingKey } from '../common/protocol/codecs/commandCodecs.ts';
import { decodeViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { onlineKey, statusKey } from '../common/protocol/systemKeys.ts';
import type { FeedChange } from '../viewer/displayFeed.ts';
import { ViewerConnection } from '../viewer/viewerConnection.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

const connection = suite<{ etcd: TestEtcd }>('viewer connection');

connection.before(async (context) => {
  context.etcd = await startTestEtcd();
});
connection.after(async (context) => {
  await context.etcd?.stop();
});

/** Reads until `accept` takes what is read (giving up after 15 s, so a failure ends the test rather than hanging it). */
async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  for (const deadline = Date.now() + 15_000; ; ) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last read ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

connection('the connection alone: presence, the snapshot then changes, the status key, an answer, nothing left after close', async ({ etcd }) => {
  const id = 'conn-1';
  await etcd.client.put(displayKey(id, 'images')).value('["a.jpg"]');
  const snapshots: FeedChange[][] = [];
  const changes: FeedChange[] = [];
  let image: string | null = null;
  const viewer = new ViewerConnection(
    {
      id,
      endpoints: [etcd.endpoint],
      version: 'test',
      screenSize: () => ({ width: 64, height: 48 }),
      status: { state: () => ({ image, shown_at: null, power: 'on', paused: false }), diskPath: '/' },
      log: createLogger('test'),
    },
    { snapshot: (read) => snapshots.push(read), change: (change) => changes.push(change) },
  );
  await viewer.connect();
  assert.equal(snapshots.map((read) => read.map(({ key, value }) => [key, value])), [[[`/${id}:images`, '["a.jpg"]']]]);
  assert.ok(await etcd.client.get(onlineKey(id)).string());

  const put = await etcd.client.put(displayKey(id, 'change_photo')).value('"next"');
  await until(async () => changes.length, (n) => n > 0);
  assert.is(changes[0]!.value, '"next"');
  image = 'a.jpg';
  viewer.statusChanged();
  const status = await until(
    async () => decodeViewerStatus((await etcd.client.get(statusKey(id)).string()) ?? '{}'),
    (decoded) => decoded.ok && decoded.value.image === 'a.jpg' && decoded.value.applied_revision === put.header.revision,
  );
  assert.ok(status.ok);
  assert.ok(status.ok && status.value.applied?.change_photo === put.header.revision, 'the revision applied per topic');
  // On a lease (gone with the viewer), and never heard back by the viewer's own feed.
  const kv = (await etcd.client.get(statusKey(id)).exec()).kvs[0]!;
  assert.is.not(kv.lease, '0');
  assert.ok(changes.every((change) => !change.key.startsWith('/photoframe/status/')));

  viewer.answerNowShowing('req-1', { display: id, image: 'a.jpg', album: null, shown_at: null, power: 'on', paused: false });
  const answer = await until(async () => etcd.client.get(nowShowingKey('req-1')).string(), (raw) => raw !== null);
  const decoded = decodeNowShowing(answer!);
  assert.ok(decoded.ok && decoded.value.image === 'a.jpg');

  await viewer.close();
  assert.is(await etcd.client.get(onlineKey(id)).string(), null);
  assert.is(await etcd.client.get(statusKey(id)).string(), null, 'a clean stop takes the status with it');
});

connection.run();
