import type { Etcd3 } from 'etcd3';
import { openEtcdFeed, type EtcdFeed, type FeedHandlers, type FeedHooks } from '../common/etcd/etcdFeed.ts';
import { displayPrefix } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';

export type { FeedChange, FeedHandlers, FeedHooks } from '../common/etcd/etcdFeed.ts';
export type DisplayFeed = EtcdFeed;

// While etcd is down, the client's own retries (grpc reconnects, watch and lease
// backoffs) cost a viewer a few percent of a core; past a short blip it is
// cheaper to drop the client and probe with one request at a time, backing off.
const DISCONNECT_GRACE_MS = 5000;

/**
 * A display's keys and the image server key, through the compaction-safe
 * feed the console also uses: a snapshot first, then every change after it,
 * and "broken" when etcd compacted what a watch needed (reopen to read afresh).
 */
export async function openDisplayFeed(client: Etcd3, displayId: string, handlers: FeedHandlers, hooks: FeedHooks = {}): Promise<DisplayFeed> {
  return openEtcdFeed(client, [{ key: IMAGE_SERVER_KEY }, { prefix: displayPrefix(displayId) }], handlers, { disconnectGraceMs: DISCONNECT_GRACE_MS, ...hooks });
}
