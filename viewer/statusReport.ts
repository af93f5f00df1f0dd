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
/**
 * Displays that hear the same change at once (an album given to a group of
 * 1,000, a group's slot flip) would all write their status in the same few
 * milliseconds: 1,000 puts landing on etcd, and on the cores beside it, while
 * it is still delivering the change to the rest of the fleet (the fleet
 * bench: status writes were a third of the simulated fleet's CPU during a
 * fan-out, and each display wrote twice, on the list and on the photo drawn
 * from it). So a change after two quiet seconds is written after this
 * display's own offset in [0, 2 s): a fleet's writes are spread evenly over
 * two seconds, and the changes that follow the first within it (the photo
 * drawn after the list) go out in the same write. Changes that keep coming are
 * written at the once-a-second pace, as before.
 */
export const STATUS_SPREAD_MS = 2000;
/** Free space changes slowly; a statfs for every write cost more than the rest of the status. */
export const FREE_SPACE_MAX_AGE_MS = 30_000;

/** This display's offset within STATUS_SPREAD_MS: fixed for the display (FNV-1a of its id), spread evenly over a fleet. */
export function statusSpreadMs(displayId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < displayId.length; i++) hash = Math.imul(hash ^ displayId.charCodeAt(i), 0x01000193) >>> 0;
  // The low bits of FNV-1a mix poorly for ids differing in their last characters: fold the high ones in.
  hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b) >>> 0;
  return ((hash ^ (hash >>> 16)) >>> 0) % STATUS_SPREAD_MS;
}

/** The reporter's clock and timers; a test passes its own to fire them without waiting. */
export interface StatusClock {
  now(): number;
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

const REAL_CLOCK: StatusClock = {
  now: () => Date.now(),
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

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
 * at most one a second and after the display's own spread offset, with the
 * state as it is when the put goes out, so a burst of changes costs one
 * write; with nothing changing, one put per heartbeat. The key is on a lease, so a viewer that is gone loses it. The
 * viewer does not watch this key, so its own writes never come back to it.
 * Nothing is sent while there is no etcd; the next change after reconnecting
 * brings the key up to date.
 */
export class StatusReporter {
  private appliedRevision: bigint | null = null;
  private readonly appliedByTopic = new Map<string, bigint>();
  private client: Etcd3 | null = null;
  private lease: Lease | null = null;
  private timer: unknown;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly spreadMs: number;
  private free: { at: number; bytes: number | null } | null = null;
  private lastSentAt = 0;
  private lastChangeAt = -Infinity;
  private sending = false;
  private again = false;
  /** Puts sent, for tests and benchmarks. */
  writes = 0;

  constructor(
    private readonly displayId: string,
    private readonly source: StatusSource,
    private readonly log: Logger,
    private readonly clock: StatusClock = REAL_CLOCK,
  ) {
    this.spreadMs = statusSpreadMs(displayId);
  }

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
    if (!this.client) return;
    const now = this.clock.now();
    // A change after a quiet spell (none for the whole spread) waits the display's offset too; while changes keep
    // coming (a slideshow of a second) the once-a-second pace alone applies, its phase already set by the offset.
    const quiet = now - this.lastChangeAt >= STATUS_SPREAD_MS;
    this.lastChangeAt = now;
    if (this.timer !== undefined) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    const paced = this.lastSentAt + STATUS_MIN_INTERVAL_MS - now;
    const wait = Math.max(paced, quiet ? this.spreadMs : 0);
    this.timer = this.clock.set(() => {
      this.timer = undefined;
      void this.send();
    }, wait);
  }

  /** Stops reporting; the key goes with its lease at once (a clean stop is offline now, not in 90 s). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) this.clock.clear(this.timer);
    clearTimeout(this.heartbeat);
    this.timer = undefined;
    this.client = null;
    const lease = this.lease;
    this.lease = null;
    await lease?.revoke().catch(() => {});
  }

  /** The file system's free space, measured again once FREE_SPACE_MAX_AGE_MS old. */
  private async freeBytes(): Promise<number | null> {
    const now = this.clock.now();
    if (this.free === null || now - this.free.at >= FREE_SPACE_MAX_AGE_MS) this.free = { at: now, bytes: await freeBytes(this.source.diskPath) };
    return this.free.bytes;
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
    this.lastSentAt = this.clock.now();
    clearTimeout(this.heartbeat);
    try {
      const health = (await this.source.health?.().catch(() => null)) ?? {};
      const status: ViewerStatus = {
        ...this.source.state(),
        applied_revision: this.appliedRevision === null ? null : this.appliedRevision.toString(),
        applied: Object.fromEntries([...this.appliedByTopic].map(([topic, revision]) => [topic, revision.toString()])),
        free_bytes: await this.freeBytes(),
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
