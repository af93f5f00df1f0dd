/**
 * When the console redraws its view after changes it did not cause. A change
 * from etcd is drawn at most every `minGapMs` (a fleet of 1,000 displays
 * writes ~1,000 status keys a second, and one rebuild of the 1,000-row list
 * for each kept the console from its keystrokes: bench/fleetBench.ts, median
 * 92 ms and p95 1.2 s a key); any other change at once. `flush` draws a
 * pending redraw now: a key must act on the rows as they are, not as they
 * were drawn before.
 */
export interface PacerClock {
  now(): number;
  later(run: () => void, ms: number): { cancel(): void };
}

export const REAL_PACER_CLOCK: PacerClock = {
  now: () => Date.now(),
  later: (run, ms) => {
    if (ms <= 0) {
      const immediate = setImmediate(run);
      return { cancel: () => clearImmediate(immediate) };
    }
    const timer = setTimeout(run, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

export class RefreshPacer {
  private pending: { immediate: boolean; cancel(): void } | null = null;
  /** Whether every change since the last redraw came from etcd (then the view may redraw only what they touched). */
  private onlyThrottled = true;
  private lastAt = -Infinity;
  /** Redraws done, for tests. */
  redraws = 0;

  constructor(
    /** `onlyThrottled`: every change since the last redraw was a throttled one (from etcd). */
    private readonly redraw: (onlyThrottled: boolean) => void,
    private readonly minGapMs: number,
    private readonly clock: PacerClock = REAL_PACER_CLOCK,
  ) {}

  /** Something changed; `throttled` for a change from etcd. */
  changed(throttled: boolean): void {
    if (!throttled) this.onlyThrottled = false;
    const wait = throttled ? this.lastAt + this.minGapMs - this.clock.now() : 0;
    if (this.pending) {
      // Already due at once, or due later and asked for now: keep it, or bring it forward.
      if (wait > 0 || this.pending.immediate) return;
      this.pending.cancel();
    }
    const handle = this.clock.later(() => this.run(), Math.max(0, wait));
    this.pending = { immediate: wait <= 0, cancel: () => handle.cancel() };
  }

  /** A pending redraw, done now. */
  flush(): void {
    if (this.pending) this.run();
  }

  cancel(): void {
    this.pending?.cancel();
    this.pending = null;
  }

  private run(): void {
    this.pending?.cancel();
    this.pending = null;
    this.lastAt = this.clock.now();
    this.redraws++;
    const onlyThrottled = this.onlyThrottled;
    this.onlyThrottled = true;
    this.redraw(onlyThrottled);
  }
}
