import type { Etcd3, Watcher } from 'etcd3';
import { displayPrefix } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';

/** One change seen in etcd: a new value, or null when the key was deleted. */
export interface FeedChange {
  key: string;
  value: string | null;
}

export interface DisplayFeed {
  /** What the keys held when the feed opened; the watch carries on from exactly there. */
  snapshot: FeedChange[];
  close(): Promise<void>;
}

export interface FeedHooks {
  /** Runs between the read and the watch; tests write here to prove nothing in that gap is lost. */
  afterRead?: () => Promise<void>;
}

/**
 * Reads a display's keys and the image server key, then watches both from
 * the revision after each read, so a write landing between read and watch
 * still arrives. No polling: etcd pushes every change.
 */
export async function openDisplayFeed(
  client: Etcd3,
  displayId: string,
  onChange: (change: FeedChange) => void,
  hooks: FeedHooks = {},
): Promise<DisplayFeed> {
  const prefix = displayPrefix(displayId);
  const [displayRead, serverRead] = await Promise.all([
    client.getAll().prefix(prefix).exec(),
    client.get(IMAGE_SERVER_KEY).exec(),
  ]);
  const snapshot: FeedChange[] = [
    ...serverRead.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString() })),
    ...displayRead.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString() })),
  ];
  await hooks.afterRead?.();

  const watchers: Watcher[] = [];
  const follow = (watcher: Watcher) => {
    watcher.on('put', (kv) => onChange({ key: kv.key.toString(), value: kv.value.toString() }));
    watcher.on('delete', (kv) => onChange({ key: kv.key.toString(), value: null }));
    watchers.push(watcher);
  };
  const nextRevision = (revision: string) => (BigInt(revision) + 1n).toString();
  try {
    follow(await client.watch().prefix(prefix).startRevision(nextRevision(displayRead.header.revision)).create());
    follow(await client.watch().key(IMAGE_SERVER_KEY).startRevision(nextRevision(serverRead.header.revision)).create());
  } catch (error) {
    await Promise.all(watchers.map((w) => w.cancel()));
    throw error;
  }
  return {
    snapshot,
    close: async () => {
      await Promise.all(watchers.map((w) => w.cancel()));
    },
  };
}
