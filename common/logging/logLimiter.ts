/**
 * Decides which log lines are written when the same thing keeps happening.
 * Pure: a function of the lines offered and the clock, so it is tested
 * without waiting.
 *
 * - An identical line (same level, component and message) is written once per
 *   window; the repeats are counted and reported as "… repeated N times".
 * - Whatever the messages, at most `budget` limited lines are written per
 *   window; a flood of different malformed values is summarised as
 *   "… N more lines suppressed". Ten thousand bad writes to etcd thus cost a
 *   few kilobytes of log, not hundreds of megabytes.
 */
export interface LimiterOptions {
  windowMs: number;
  budget: number;
}

export interface Summary {
  /** The line this summary is about, or null for the flood summary. */
  key: string | null;
  count: number;
}

export interface Admission {
  write: boolean;
  /** Summaries of lines held back in windows that have now closed: to be written first. */
  summaries: Summary[];
}

export const DEFAULT_LIMITS: LimiterOptions = { windowMs: 60_000, budget: 50 };

export class LogLimiter {
  private windowStart = -Infinity;
  private written = 0;
  private overBudget = 0;
  private readonly repeats = new Map<string, number>();

  constructor(private readonly options: LimiterOptions = DEFAULT_LIMITS) {}

  admit(key: string, now: number): Admission {
    const summaries = now - this.windowStart >= this.options.windowMs ? this.closeWindow(now) : [];
    if (this.repeats.has(key)) {
      this.repeats.set(key, this.repeats.get(key)! + 1);
      return { write: false, summaries };
    }
    if (this.written >= this.options.budget) {
      this.overBudget++;
      return { write: false, summaries };
    }
    this.repeats.set(key, 0);
    this.written++;
    return { write: true, summaries };
  }

  /** True while something is held back, i.e. a summary is still owed. */
  get holding(): boolean {
    return this.overBudget > 0 || [...this.repeats.values()].some((count) => count > 0);
  }

  /** When the current window closes; a caller with lines held back flushes then. */
  get windowEndsAt(): number {
    return this.windowStart + this.options.windowMs;
  }

  /** Ends the window: what was held back, then a fresh start. */
  closeWindow(now: number): Summary[] {
    const summaries: Summary[] = [];
    for (const [key, count] of this.repeats) if (count > 0) summaries.push({ key, count });
    if (this.overBudget > 0) summaries.push({ key: null, count: this.overBudget });
    this.repeats.clear();
    this.overBudget = 0;
    this.written = 0;
    this.windowStart = now;
    return summaries;
  }
}
