import { messageTemplate } from './logTemplate.ts';

/**
 * Decides which log lines are written when the same thing keeps happening.
 * Pure: a function of the lines offered and the clock, so it is tested
 * without waiting.
 *
 * - Each source, a (level, component, message template) triple, may write
 *   `perTemplate` lines per window, so one noisy source cannot starve others:
 *   a flood of malformed values never hides the watchdog or a screen error.
 * - A warning or error identical to one already written this window is only
 *   counted ("… repeated N times").
 * - Input-validation warnings (malformed values others wrote) also share one
 *   `inputBudget` per window, as hostile input can vary its text without end;
 *   every other line bypasses that budget.
 * - Each summary quotes the first line it held back, so what was hidden is known.
 */
export interface LimiterOptions {
  windowMs: number;
  perTemplate: number;
  inputBudget: number;
}

export type LimitedLevel = 'info' | 'warn' | 'error';

export interface OfferedLine {
  level: LimitedLevel;
  component: string;
  message: string;
  /** A warning about malformed input from outside; charged to the input budget. */
  input?: boolean;
}

export interface Summary {
  kind: 'repeated' | 'similar' | 'input';
  level: LimitedLevel;
  component: string;
  count: number;
  /** The first line held back. */
  first: string;
}

export interface Admission {
  write: boolean;
  /** Summaries of lines held back in windows that have now closed: to be written first. */
  summaries: Summary[];
}

// 30 a minute for each kind of line: a flood stays bounded, while ordinary activity (a slideshow
// changing every few seconds, a person pressing next) is logged whole.
export const DEFAULT_LIMITS: LimiterOptions = { windowMs: 60_000, perTemplate: 30, inputBudget: 50 };

export class LogLimiter {
  private windowStart = -Infinity;
  private inputWritten = 0;
  /** Lines written per source this window. */
  private readonly written = new Map<string, number>();
  /** Held-back lines, by what held them back; insertion order is the order summaries are written. */
  private readonly held = new Map<string, Summary>();
  /** Warnings and errors written this window, to count exact repeats. */
  private readonly seen = new Set<string>();

  constructor(private readonly options: LimiterOptions = DEFAULT_LIMITS) {}

  admit(line: OfferedLine, now: number): Admission {
    const summaries = now - this.windowStart >= this.options.windowMs ? this.closeWindow(now) : [];
    const source = `${line.level}\u0000${line.component}\u0000${messageTemplate(line.message)}`;
    const exact = `${line.level}\u0000${line.component}\u0000${line.message}`;
    if (line.level !== 'info' && this.seen.has(exact)) return this.hold(`r\u0000${exact}`, 'repeated', line, summaries);
    if ((this.written.get(source) ?? 0) >= this.options.perTemplate) return this.hold(`s\u0000${source}`, 'similar', line, summaries);
    if (line.input && this.inputWritten >= this.options.inputBudget) return this.hold('input', 'input', line, summaries);
    if (line.input) this.inputWritten++;
    this.written.set(source, (this.written.get(source) ?? 0) + 1);
    if (line.level !== 'info') this.seen.add(exact);
    return { write: true, summaries };
  }

  /** True while something is held back, i.e. a summary is still owed. */
  get holding(): boolean {
    return this.held.size > 0;
  }

  /** When the current window closes; a caller with lines held back flushes then. */
  get windowEndsAt(): number {
    return this.windowStart + this.options.windowMs;
  }

  /** Ends the window: what was held back, then a fresh start. */
  closeWindow(now: number): Summary[] {
    const summaries = [...this.held.values()];
    this.held.clear();
    this.written.clear();
    this.seen.clear();
    this.inputWritten = 0;
    this.windowStart = now;
    return summaries;
  }

  private hold(key: string, kind: Summary['kind'], line: OfferedLine, summaries: Summary[]): Admission {
    const summary = this.held.get(key);
    if (summary) summary.count++;
    else this.held.set(key, { kind, level: line.level, component: line.component, count: 1, first: line.message });
    return { write: false, summaries };
  }
}
