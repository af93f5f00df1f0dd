import type { Etcd3, Watcher } from 'etcd3';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { displayPrefix } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';

/** One change seen in etcd: a new value, or null when the key was deleted. */
export interface FeedChange {
  key: string;
  value: string | null;
}

export interface FeedHandlers {
  /** What the keys held when the feed opened; delivered once, before any live change. */
  snapshot(changes: FeedChange[]): void;
  /** A change after the snapshot, in the order etcd sent it. */
  change(change: FeedChange): void;
  /**
   * The watch cannot go on (etcd compacted the revisions it needed to resume).
   * The feed is closed; reopen it to read afresh.
   */
  broken(error: Error): void;
}

export interface DisplayFeed {
  close(): Promise<void>;
}

export interface FeedHooks {
  /** Runs between the read and the watch; tests write here to prove nothing in that gap is lost. */
  afterRead?: () => Promise<void>;
  /** How long a watch may take to be established or resumed before the feed counts as broken. */
  attachTimeoutMs?: number;
  /** How long etcd may stay unreachable before the feed counts as broken. */
  disconnectGraceMs?: number;
}

const DEFAULT_ATTACH_TIMEOUT_MS = 15_000;
// While etcd is down, the client's own retries (grpc reconnects, watch and lease
// backoffs) cost a few percent of a core; past a short blip it is cheaper to
// drop the client and probe with one request at a time, backing off.
const DEFAULT_DISCONNECT_GRACE_MS = 5000;

/**
 * Reads a display's keys and the image server key, then watches both from
 * the revision after each read, so a write landing between read and watch
 * still arrives. Changes that arrive while the watches are being set up are
 * held until the snapshot has been delivered, so an older snapshot can never
 * overwrite a newer change. No polling: etcd pushes every change.
 *
 * When etcd has compacted the revision a watch starts (or resumes) from, it
 * answers "created and cancelled", which etcd3 1.1.2 drops: the watch never
 * attaches and that client's watch queue stalls. So a watch that is not
 * attached within `attachTimeoutMs` of being sent makes the feed broken, and
 * the caller starts over with a new client and a fresh read.
 */
export async function openDisplayFeed(client: Etcd3, displayId: string, handlers: FeedHandlers, hooks: FeedHooks = {}): Promise<DisplayFeed> {
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

  let live = false;
  let closed = false;
  const held: FeedChange[] = [];
  const deliver = (change: FeedChange) => {
    if (closed) return;
    if (live) handlers.change(change);
    else held.push(change);
  };
  const watchers: Watcher[] = [];
  const close = async () => {
    closed = true;
    // A watch etcd already cancelled never gets an answer to our cancel; do not wait forever for one.
    await Promise.all(watchers.map((w) => Promise.race([w.cancel().catch(() => {}), sleep(2000)])));
  };
  const attachTimeoutMs = hooks.attachTimeoutMs ?? DEFAULT_ATTACH_TIMEOUT_MS;
  const disconnectGraceMs = hooks.disconnectGraceMs ?? DEFAULT_DISCONNECT_GRACE_MS;
  // Until the feed is live, any watcher's failure fails the opening (the caller retries);
  // after that it is reported as broken. Never both, or the caller would reconnect twice.
  let failSetup: (error: Error) => void = () => {};
  const setupFailed = new Promise<never>((_, reject) => (failSetup = reject));
  setupFailed.catch(() => {});
  const breakFeed = (error: Error) => {
    if (closed) return;
    if (!live) return failSetup(error);
    void close();
    handlers.broken(error);
  };
  const follow = (watcher: Watcher) => {
    watcher.on('put', (kv) => deliver({ key: kv.key.toString(), value: kv.value.toString() }));
    watcher.on('delete', (kv) => deliver({ key: kv.key.toString(), value: null }));
    watcher.on('error', breakFeed);
    // etcd3 re-attaches watches after a reconnect; 'connecting' means etcd answers again.
    let resumeTimer: NodeJS.Timeout | undefined;
    watcher.on('connecting', () => {
      clearTimeout(resumeTimer);
      resumeTimer = setTimeout(() => breakFeed(new Error(`watch did not resume within ${attachTimeoutMs} ms (compacted revision?)`)), attachTimeoutMs);
    });
    // Counted from the first disconnect: while etcd is down they repeat with every retry.
    let downTimer: NodeJS.Timeout | undefined;
    watcher.on('disconnected', () => {
      downTimer ??= setTimeout(() => breakFeed(new Error(`etcd unreachable for ${disconnectGraceMs} ms`)), disconnectGraceMs);
    });
    const clearTimers = () => {
      clearTimeout(resumeTimer);
      clearTimeout(downTimer);
      downTimer = undefined;
    };
    watcher.on('connected', clearTimers);
    watcher.on('end', clearTimers);
    watchers.push(watcher);
    return watcher;
  };
  const attach = async (builder: ReturnType<Etcd3['watch']>, revision: string) => {
    const watcher = follow(builder.startRevision((BigInt(revision) + 1n).toString()).watcher());
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        once(watcher, 'connected'),
        setupFailed,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`watch was not established within ${attachTimeoutMs} ms (compacted revision?)`)),
            attachTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    await attach(client.watch().prefix(prefix), displayRead.header.revision);
    await attach(client.watch().key(IMAGE_SERVER_KEY), serverRead.header.revision);
  } catch (error) {
    await close();
    throw error;
  }
  handlers.snapshot(snapshot);
  live = true;
  for (const change of held.splice(0)) handlers.change(change);
  return { close };
}
