import type { Etcd3 } from 'etcd3';
import { statfs } from 'node:fs/promises';
import type { Logger } from '../common/log.ts';
import { encodeViewerStatus, type ViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { statusKey } from '../common/protocol/systemKeys.ts';

export const STATUS_MIN_INTERVAL_MS = 1000;

export interface StatusSource {
  /** What is on screen and how the slideshow stands, as the app knows it. */
  state(): Pick<ViewerStatus, 'image' | 'shown_at' | 'power' | 'paused'>;
  /** The folder whose file system's free space is reported (the photo cache's). */
  diskPath: string;
}

/**
 * Keeps `/photoframe/status/<id>` current: after anything changes, one put,
 * at most one a second, with the state as it is when the put goes out, so a
 * burst of changes costs one write. Nothing is sent while there is no etcd;
 * the next change after reconnecting brings the key up to date.
 */
export class StatusReporter {
  private appliedRevision: bigint | null = null;
  private client: Etcd3 | null = null;
  private timer: NodeJS.Timeout | undefined;
  private lastSentAt = 0;
  private sending = false;
  private again = false;

  constructor(
    private readonly displayId: string,
    private readonly source: StatusSource,
    private readonly log: Logger,
  ) {}

  /** The revision of a change to this display's keys that the viewer has applied. */
  applied(revision: string | undefined): void {
    if (revision === undefined) return;
    const value = BigInt(revision);
    if (this.appliedRevision === null || value > this.appliedRevision) this.appliedRevision = value;
    this.changed();
  }

  connected(client: Etcd3 | null): void {
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

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.client = null;
  }

  private async send(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.sending = true;
    this.lastSentAt = Date.now();
    try {
      const status: ViewerStatus = {
        ...this.source.state(),
        applied_revision: this.appliedRevision === null ? null : this.appliedRevision.toString(),
        free_bytes: await freeBytes(this.source.diskPath),
        updated_at: new Date().toISOString(),
      };
      await client.put(statusKey(this.displayId)).value(encodeViewerStatus(status));
    } catch (error) {
      this.log.debug('cannot report status', { error: (error as Error).message.split('\n')[0] });
    } finally {
      this.sending = false;
      if (this.again) {
        this.again = false;
        this.changed();
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
