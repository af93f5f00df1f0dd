import type { TlsMaterial } from '../common/tls/tlsMaterial.ts';
import { onLoggedProblem } from '../common/log.ts';
import type { ScheduleStatusValue, ScreenPowerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { measureClockOffsetOnAny, type ClockOffset } from './clockOffset.ts';
import { readCpuTemperature, readThrottling } from './deviceHealth.ts';
import type { ViewerHealth } from './statusReport.ts';

// Slow or costly readings (a walk of the cache, a dozen HTTP requests) are refreshed this often at most.
const SLOW_READING_MS = 10 * 60_000;

export interface HealthSources {
  version: string;
  /** etcd's endpoints: the HTTP Date header of the first that answers is etcd's clock. */
  etcdEndpoints: readonly string[];
  /** The display's TLS identity, for an etcd that admits only clients with a certificate. */
  etcdTls?: TlsMaterial | null;
  cacheBytes(): Promise<number>;
  screen(): ScreenPowerStatus | null;
  schedule(): ScheduleStatusValue | null;
  stuck(): string | null;
  /** In a `same` group: its id and the slot due. */
  groupSlot?(): { group: string; slot: number } | null;
  /** A new clock offset was measured (a group member re-aims its slots). */
  clockMeasured?(): void;
  /** Something worth a status write happened (a new last error). */
  changed(): void;
}

/**
 * Gathers the health a viewer reports in its status: memory, temperature,
 * throttling, cache and disk, uptime, version, the last error, the time one
 * change took to reach the screen, and the clock's offset against etcd's.
 * Sampled when a status goes out; none of it alone causes a write, so an idle
 * display writes only its heartbeat.
 */
export class ViewerHealthSampler {
  private lastError: { message: string; at: string } | null = null;
  private applyMs: number | null = null;
  /** performance.now() of the newest change seen whose first pixel is still to come. */
  private changeSeenAt: number | null = null;
  private cacheBytes: { value: number | null; at: number } = { value: null, at: -Infinity };
  private clock: { value: ClockOffset | null; at: number } = { value: null, at: -Infinity };
  private measuringClock = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly sources: HealthSources) {
    this.unsubscribe = onLoggedProblem(({ component, message, at }) => {
      const text = `${component}: ${message}`.slice(0, 500);
      const repeated = this.lastError?.message === text;
      this.lastError = { message: text, at: at.toISOString() };
      if (!repeated) sources.changed();
    });
  }

  /** etcd's clock minus this one, ms, as last measured; 0 before the first measurement. */
  clockOffsetMs(): number {
    return this.clock.value?.offsetMs ?? this.lastOffsetMs;
  }

  /** The last offset measured: while etcd cannot be reached a group member keeps placing its slots by it. */
  private lastOffsetMs = 0;

  /** A change to this display's keys arrived. */
  changeSeen(): void {
    this.changeSeenAt ??= performance.now();
  }

  /** The change seen led to nothing to draw (an album name, a pause): it is not timed. */
  nothingToDraw(): void {
    this.changeSeenAt = null;
  }

  /** Something reached the screen (a photo or black): the change before it is applied. */
  drawn(): void {
    if (this.changeSeenAt === null) return;
    this.applyMs = Math.round((performance.now() - this.changeSeenAt) * 10) / 10;
    this.changeSeenAt = null;
  }

  stop(): void {
    this.unsubscribe();
  }

  async sample(): Promise<ViewerHealth> {
    const now = Date.now();
    if (now - this.cacheBytes.at > SLOW_READING_MS) {
      this.cacheBytes = { value: await this.sources.cacheBytes().catch(() => null), at: now };
    }
    if (now - this.clock.at > SLOW_READING_MS && this.sources.etcdEndpoints.length > 0 && !this.measuringClock) {
      // Measured in the background: its result goes out with the next status.
      this.measuringClock = true;
      this.clock.at = now;
      const before = this.clock.value;
      // The coarse estimate (±60 ms, within a second) goes out at once, if it is the first or moved; the refined one follows.
      const coarse = (estimate: ClockOffset) => {
        const known = this.clock.value;
        if (known !== null && Math.abs(known.offsetMs - estimate.offsetMs) <= estimate.errorMs) return;
        this.clock = { value: estimate, at: this.clock.at };
        this.lastOffsetMs = estimate.offsetMs;
        this.sources.clockMeasured?.();
        this.sources.changed();
      };
      void measureClockOffsetOnAny(this.sources.etcdEndpoints, this.sources.etcdTls ?? null, coarse)
        .then(
          (offset) => {
            this.clock = { value: offset, at: Date.now() };
            if (offset) this.lastOffsetMs = offset.offsetMs;
          },
          () => (this.clock = { value: null, at: Date.now() }),
        )
        .finally(() => {
          this.measuringClock = false;
          this.sources.clockMeasured?.();
          // A first measurement, or one that moved by more than its uncertainty, is news; the same again is not.
          const after = this.clock.value;
          if ((before === null) !== (after === null) || (before && after && Math.abs(before.offsetMs - after.offsetMs) > Math.max(250, after.errorMs))) this.sources.changed();
        });
    }
    const [cpuTemp, throttled] = await Promise.all([readCpuTemperature(), readThrottling()]);
    return {
      apply_ms: this.applyMs,
      screen: this.sources.screen(),
      schedule: this.sources.schedule(),
      rss_bytes: process.memoryUsage.rss(),
      cpu_temp_c: cpuTemp,
      throttled,
      cache_bytes: this.cacheBytes.value,
      uptime_s: Math.round(process.uptime()),
      version: this.sources.version,
      last_error: this.lastError,
      clock_offset_ms: this.clock.value?.offsetMs ?? null,
      clock_offset_error_ms: this.clock.value?.errorMs ?? null,
      stuck: this.sources.stuck(),
      group_slot: this.sources.groupSlot?.() ?? null,
    };
  }
}
