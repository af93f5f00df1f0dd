import type { Etcd3, Watcher } from 'etcd3';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { readPrefixPaged } from './pagedRange.ts';

/** One change seen in etcd: a new value, or null when the key was deleted. */
export interface FeedChange {
  key: string;
  value: string | null;
  /** etcd's mod_revision of the change (of the delete, for a delete); absent for values not from etcd. */
  revision?: string;
}

export interface FeedHandlers {
  /** What the ranges held when the feed opened; delivered once, before any live change. */
  snapshot(changes: FeedChange[]): void;
  /** A change after the snapshot, in the order etcd sent it. */
  change(change: FeedChange): void;
  /**
   * The watch cannot go on (etcd compacted the revisions it needed to resume).
   * The feed is closed; reopen it to read afresh.
   */
  broken(error: Error): void;
  /**
   * The link to etcd went down (a member died, etcd is unreachable) or came
   * back: every watch re-attached, on whichever member answers. Changes
   * missed meanwhile arrive after `up`, so nothing needs reading afresh.
   */
  link?(state: FeedLink): void;
}

export type FeedLink = { up: true } | { up: false; reason: string };

export interface EtcdFeed {
  close(): Promise<void>;
}

export interface FeedHooks {
  /** Runs between the read and the watch; tests write here to prove nothing in that gap is lost. */
  afterRead?: () => Promise<void>;
  /** How long a watch may take to be established or resumed before the feed counts as broken. */
  attachTimeoutMs?: number;
  /**
   * How long etcd may stay unreachable before the feed counts as broken; by
   * default the client's own reconnecting goes on for as long as it takes.
   */
  disconnectGraceMs?: number;
}

/** What a feed follows: every key under a prefix, or one key. */
export type FeedRange = { prefix: string } | { key: string };

const DEFAULT_ATTACH_TIMEOUT_MS = 15_000;

/**
 * Reads each range, then watches it from the revision after its read, so a
 * write landing between read and watch still arrives. Changes that arrive
 * while the watches are being set up are held until the snapshot has been
 * delivered, so an older snapshot can never overwrite a newer change. No
 * polling: etcd pushes every change.
 *
 * When etcd has compacted the revision a watch starts (or resumes) from, it
 * answers "created and cancelled", which etcd3 1.1.2 drops: the watch never
 * attaches and that client's watch queue stalls. So a watch that is not
 * attached within `attachTimeoutMs` of being sent makes the feed broken, and
 * the caller starts over with a new client and a fresh read.
 */
export async function openEtcdFeed(client: Etcd3, ranges: readonly FeedRange[], handlers: FeedHandlers, hooks: FeedHooks = {}): Promise<EtcdFeed> {
  const reads = await Promise.all(
    ranges.map((range) => ('prefix' in range ? readPrefixPaged(client, range.prefix) : client.get(range.key).exec())),
  );
  const snapshot: FeedChange[] = reads.flatMap((read) =>
    read.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), revision: kv.mod_revision })),
  );
  await hooks.afterRead?.();

  let live = false;
  let closed = false;
  const held: FeedChange[] = [];
  // Per key, the newest revision handed on. A watch resumed on another member
  // may repeat a change (see watchResume.ts); older news must never win.
  const newest = new Map<string, bigint>();
  const isNews = (change: FeedChange): boolean => {
    if (change.revision === undefined) return true;
    const revision = BigInt(change.revision);
    const seen = newest.get(change.key);
    if (seen !== undefined && revision <= seen) return false;
    newest.set(change.key, revision);
    return true;
  };
  for (const change of snapshot) isNews(change);
  const deliver = (change: FeedChange) => {
    if (closed) return;
    if (!isNews(change)) return;
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
  const down = new Set<Watcher>();
  const follow = (watcher: Watcher) => {
    watcher.on('put', (kv) => deliver({ key: kv.key.toString(), value: kv.value.toString(), revision: kv.mod_revision }));
    watcher.on('delete', (kv) => deliver({ key: kv.key.toString(), value: null, revision: kv.mod_revision }));
    watcher.on('error', breakFeed);
    // etcd3 re-attaches watches after a reconnect; 'connecting' means etcd answers again.
    let resumeTimer: NodeJS.Timeout | undefined;
    watcher.on('connecting', () => {
      clearTimeout(resumeTimer);
      resumeTimer = setTimeout(() => breakFeed(new Error(`watch did not resume within ${attachTimeoutMs} ms (compacted revision?)`)), attachTimeoutMs);
    });
    // Counted from the first disconnect: while etcd is down they repeat with every retry.
    let downTimer: NodeJS.Timeout | undefined;
    const { disconnectGraceMs } = hooks;
    if (disconnectGraceMs !== undefined) {
      watcher.on('disconnected', () => {
        downTimer ??= setTimeout(() => breakFeed(new Error(`etcd unreachable for ${disconnectGraceMs} ms`)), disconnectGraceMs);
      });
    }
    const clearTimers = () => {
      clearTimeout(resumeTimer);
      clearTimeout(downTimer);
      downTimer = undefined;
    };
    watcher.on('connected', clearTimers);
    watcher.on('end', clearTimers);
    watcher.on('disconnected', (error: Error) => {
      if (closed || !live) return;
      const first = down.size === 0;
      down.add(watcher);
      if (first) handlers.link?.({ up: false, reason: error.message.split('\n')[0]! });
    });
    watcher.on('connected', () => {
      if (!down.delete(watcher) || closed) return;
      if (down.size === 0) handlers.link?.({ up: true });
    });
    watchers.push(watcher);
    return watcher;
  };
  const attach = async (range: FeedRange, revision: string) => {
    const builder = 'prefix' in range ? client.watch().prefix(range.prefix) : client.watch().key(range.key);
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
    // One at a time: etcd3 sends watch requests over one stream and attaches them in order.
    for (const [index, range] of ranges.entries()) await attach(range, reads[index]!.header.revision);
  } catch (error) {
    await close();
    throw error;
  }
  handlers.snapshot(snapshot);
  live = true;
  for (const change of held.splice(0)) handlers.change(change);
  return { close };
}
