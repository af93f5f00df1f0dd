import type { Etcd3 } from 'etcd3';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import type { Logger } from '../common/log.ts';
import { encodeNowShowing, nowShowingKey, type NowShowing } from '../common/protocol/codecs/commandCodecs.ts';
import { retryWithBackoff } from '../common/retryWithBackoff.ts';
import { announceDisplay, type Presence } from './announce.ts';
import { openDisplayFeed, type DisplayFeed, type FeedChange, type FeedHandlers } from './displayFeed.ts';
import type { Size } from './layout.ts';
import { StatusReporter, type StatusSource } from './statusReport.ts';

// Long enough for the original server's 10 s poll; short enough that a stale answer clears itself.
const NOW_SHOWING_TTL_SECONDS = 60;

export interface ConnectionOptions {
  id: string;
  endpoints: string[];
  version: string;
  /** The screen's size as announced (read when a connection is made: restart_screen may change it). */
  screenSize: () => Size;
  /** What the status key reports. */
  status: StatusSource;
  log: Logger;
}

/** What the connection hands on: the keys read afresh at each (re)connection, and each change after. */
export interface ConnectionListener {
  snapshot(changes: FeedChange[]): void;
  change(change: FeedChange): void;
}

/**
 * The viewer's link to etcd, all of it in one place: the client, this
 * display's presence, the feed of its keys, the status key, answers to
 * `current_display`, and reconnecting. One connection (a session) at a time;
 * when the watch breaks, the session is dropped and a new one made, reading
 * the keys afresh, with backoff while etcd is away.
 */
export class ViewerConnection {
  private session: { client: Etcd3; presence: Presence; feed: DisplayFeed } | null = null;
  /** The client whose feed is opening: the snapshot arrives before the session is set. */
  private pendingClient: Etcd3 | null = null;
  private stopping = false;
  private readonly status: StatusReporter;
  private readonly handlers: FeedHandlers;

  constructor(
    private readonly options: ConnectionOptions,
    listener: ConnectionListener,
  ) {
    const { id, log } = options;
    this.status = new StatusReporter(id, options.status, log);
    this.handlers = {
      snapshot: (changes) => {
        listener.snapshot(changes);
        for (const change of changes) if (change.key.startsWith(`/${id}:`)) this.status.applied(change.revision, change.key);
        this.status.connected(this.session?.client ?? this.pendingClient);
      },
      change: (change) => {
        listener.change(change);
        if (change.key.startsWith(`/${id}:`)) this.status.applied(change.revision, change.key);
      },
      broken: (error) => {
        // The client's watch queue may be wedged (see displayFeed.ts): start over with a new client.
        log.warn(`watch ended (${error.message.split('\n')[0]}); reconnecting and reading the keys afresh`);
        void this.closeSession().then(() => this.reconnectInBackground());
      },
    };
  }

  /** Connects once; rejects if etcd cannot be reached now. */
  async connect(): Promise<void> {
    const { id, endpoints, log } = this.options;
    const client = await connectEtcd(endpoints, { callTimeoutMs: 10_000 });
    this.pendingClient = client;
    let presence: Presence | undefined;
    try {
      presence = await announceDisplay(client, id, this.options.screenSize(), this.options.version, log);
      this.session = { client, presence, feed: await openDisplayFeed(client, id, this.handlers) };
    } catch (error) {
      await presence?.close().catch(() => {});
      client.close();
      throw error;
    }
    // A stop that arrived while we were connecting must not leave a lease or watch behind.
    if (this.stopping) return this.closeSession();
    log.info('watching etcd', { prefix: `/${id}:`, endpoints: endpoints.join(',') });
  }

  /** Keeps trying to connect, backing off, until connected or closed. */
  reconnectInBackground(): void {
    void retryWithBackoff('reconnect to etcd', () => this.connect(), { stopped: () => this.stopping, log: this.options.log });
  }

  /** Something the status key reports changed: it is written soon (at most once a second). */
  statusChanged(): void {
    this.status.changed();
  }

  /** Puts the answer to a `current_display` request where the asker watches. */
  answerNowShowing(requestId: string, answer: NowShowing): void {
    const log = this.options.log;
    const client = this.session?.client;
    if (!client) return log.warn(`cannot answer current_display ${requestId}: not connected to etcd`);
    // A lease that is never kept alive: etcd removes the answer by itself.
    const lease = client.lease(NOW_SHOWING_TTL_SECONDS, { autoKeepAlive: false });
    lease
      .put(nowShowingKey(requestId))
      .value(encodeNowShowing(answer))
      .then(
        () => log.info('answered current_display', { request: requestId, image: answer.image ?? '' }),
        (error: Error) => log.warn(`cannot answer current_display ${requestId}: ${error.message.split('\n')[0]}`),
      )
      .finally(() => lease.release());
  }

  /** Ends the connection for good: no status, presence or watch is left behind. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.status.stop();
    await this.closeSession();
  }

  private async closeSession(): Promise<void> {
    const current = this.session;
    this.session = null;
    this.status.connected(null);
    await current?.feed.close().catch(() => {});
    await current?.presence.close().catch(() => {});
    current?.client.close();
  }
}
