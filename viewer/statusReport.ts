import type { Etcd3, Lease } from 'etcd3';
import { statfs } from 'node:fs/promises';
import type { Logger } from '../common/log.ts';
import { encodeViewerStatus, type ViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { isDisplayTopic, parseDisplayKey } from '../common/protocol/displayKeys.ts';
import { statusKey } from '../common/protocol/systemKeys.ts';

export const STATUS_MIN_INTERVAL_MS = 1000;
/**
 * With nothing changing, the status is still written this often, so the
 * console can tell a status that stopped arriving (stale) from one with
 * nothing new: 80 writes an hour, within the 120 allowed an idle display.
 */
export const STATUS_HEARTBEAT_MS = 45_000;
/** The status key's lease: gone this long after the viewer stops keeping it alive (offline). */
export const STATUS_TTL_SECONDS = 90;

export type ViewerHealth = Omit<ViewerStatus, 'image' | 'shown_at' | 'power' | 'paused' | 'applied_revision' | 'applied' | 'free_bytes' | 'updated_at'>;

export interface StatusSource {
  /** What is on screen and how the slideshow stands, as the app knows it. */
  state(): Pick<ViewerStatus, 'image' | 'shown_at' | 'power' | 'paused'>;
  /** The folder whose file system's free space is reported (the photo cache's). */
  diskPath: string;
  /** The rest of the health, sampled when a status goes out (never a reason to write by itself). */
  health?(): Promise<ViewerHealth>;
}

/**
 * Keeps `/photoframe/status/<id>` current: after anything changes, one put,
 * at most one a second, with the state as it is when the put goes out, so a
 * burst of changes costs one write; with nothing changing, one put per
 * heartbeat. The key is on a lease, so a viewer that is gone loses it. The
 * viewer does not watch this key, so its own writes never come back to it.
 * Nothing is sent while there is no etcd; the next change after reconnecting
 * brings the key up to date.
 */
export class StatusReporter {
  private appliedRevision: bigint | null = null;
  private readonly appliedByTopic = new Map<string, bigint>();
  private client: Etcd3 | null = null;
  private lease: Lease | null = null;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastSentAt = 0;
  private sending = false;
  private again = false;
  /** Puts sent, for tests and benchmarks. */
  writes = 0;

  constructor(
    private readonly displayId: string,
    private readonly source: StatusSource,
    private readonly log: Logger,
  ) {}

  /** The revision of a change to this display's keys (`key`) that the viewer has applied. */
  applied(revision: string | undefined, key?: string): void {
    if (revision === undefined) return;
    const value = BigInt(revision);
    if (this.appliedRevision === null || value > this.appliedRevision) this.appliedRevision = value;
    const topic = key === undefined ? undefined : parseDisplayKey(key)?.topic;
    if (topic !== undefined && isDisplayTopic(topic)) {
      const before = this.appliedByTopic.get(topic);
      if (before === undefined || value > before) this.appliedByTopic.set(topic, value);
    }
    this.changed();
  }

  connected(client: Etcd3 | null): void {
    if (client === this.client) {
      if (client) this.changed();
      return;
    }
    // The old lease is let go, not revoked: across a reconnect the key should not blink out; it expires by itself.
    this.lease?.release();
    this.lease = null;
    this.client = client;
    if (client) this.changed();
  }

  changed(): void {
    if (!this.client || this.timer) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    const wait = Math.max(0, this.lastSentAt + STATUS_MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, wait);
  }

  /** Stops reporting; the key goes with its lease at once (a clean stop is offline now, not in 90 s). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    clearTimeout(this.heartbeat);
    this.timer = undefined;
    this.client = null;
    const lease = this.lease;
    this.lease = null;
    await lease?.revoke().catch(() => {});
  }

  private leaseFor(client: Etcd3): Lease {
    if (this.lease) return this.lease;
    const lease = client.lease(STATUS_TTL_SECONDS, { autoKeepAlive: true });
    lease.on('lost', () => {
      if (this.lease === lease) this.lease = null;
    });
    this.lease = lease;
    return lease;
  }

  private async send(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.sending = true;
    this.lastSentAt = Date.now();
    clearTimeout(this.heartbeat);
    try {
      const health = (await this.source.health?.().catch(() => null)) ?? {};
      const status: ViewerStatus = {
        ...this.source.state(),
        applied_revision: this.appliedRevision === null ? null : this.appliedRevision.toString(),
        applied: Object.fromEntries([...this.appliedByTopic].map(([topic, revision]) => [topic, revision.toString()])),
        free_bytes: await freeBytes(this.source.diskPath),
        ...health,
        updated_at: new Date().toISOString(),
      };
      if (this.client !== client) return;
      await this.leaseFor(client).put(statusKey(this.displayId)).value(encodeViewerStatus(status));
      this.writes++;
    } catch (error) {
      // A lease etcd no longer knows (expired while away) is granted afresh next time.
      this.lease?.release();
      this.lease = null;
      this.log.debug('cannot report status', { error: (error as Error).message.split('\n')[0] });
    } finally {
      this.sending = false;
      if (this.again) {
        this.again = false;
        this.changed();
      }
      if (this.client) {
        this.heartbeat = setTimeout(() => this.changed(), STATUS_HEARTBEAT_MS);
        this.heartbeat.unref();
      }
    }
  }
}

async function freeBytes(path: string): Promise<number | null> {
  try {
    const stats = await statfs(path);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}
