/**
 * A small levelled logger writing one line per record to stderr, so stdout
 * stays free for command output that scripts parse. Lines are bounded (see
 * logging/logLine.ts) and rate-limited per source (see
 * logging/logLimiter.ts): a display must survive a flood of bad input without
 * filling its SD card, and without the flood hiding what else goes wrong.
 */
import { LogLimiter, type Summary } from './logging/logLimiter.ts';
import { excerpt, formatLine, MAX_MESSAGE_CHARS } from './logging/logLine.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

let threshold: LogLevel = isLogLevel(process.env.PHOTOFRAME_LOG) ? process.env.PHOTOFRAME_LOG : 'info';

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export function getLogLevel(): LogLevel {
  return threshold;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A warning that a value from outside (etcd, a request) is malformed: these share one budget, so a flood of them stays small. */
  rejectedInput(message: string, fields?: Record<string, unknown>): void;
}

const limiter = new LogLimiter();
let flushTimer: NodeJS.Timeout | undefined;

function writeLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

function writeSummaries(summaries: Summary[], now: Date): void {
  for (const { kind, level, component, count, first } of summaries) {
    const what =
      kind === 'repeated'
        ? `… repeated ${count} times: ${first}`
        : kind === 'similar'
          ? `… ${count} more like this suppressed in the last minute, the first: ${first}`
          : `… ${count} more malformed-input warnings suppressed in the last minute, the first: ${first}`;
    writeLine(formatLine(now, level, component, excerpt(what, MAX_MESSAGE_CHARS), undefined));
  }
}

/** Owed summaries are written when their window closes even if nothing else is logged; the timer exists only while something is held. */
function scheduleFlush(): void {
  if (flushTimer || !limiter.holding) return;
  flushTimer = setTimeout(() => {
    flushTimer = undefined;
    writeSummaries(limiter.closeWindow(Date.now()), new Date());
  }, Math.max(0, limiter.windowEndsAt - Date.now()));
  flushTimer.unref();
}

// A process that stops within a window would otherwise take its summaries with it; stderr writes are synchronous at exit.
process.on('exit', () => {
  if (limiter.holding) writeSummaries(limiter.closeWindow(Date.now()), new Date());
});

/** A warning or error about our own work (not malformed input from outside), as a process reports its last error. */
export type ProblemListener = (problem: { level: 'warn' | 'error'; component: string; message: string; at: Date }) => void;
const problemListeners = new Set<ProblemListener>();

/** Hears every warning and error logged (whatever the level shown), except malformed input; returns the way to stop. */
export function onLoggedProblem(listener: ProblemListener): () => void {
  problemListeners.add(listener);
  return () => problemListeners.delete(listener);
}

export function createLogger(component: string): Logger {
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>, input = false) => {
    if ((level === 'warn' || level === 'error') && !input) for (const listener of problemListeners) listener({ level, component, message, at: new Date() });
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(threshold)) return;
    const now = new Date();
    // Debug lines are off unless asked for, and then every one is wanted. Info lines say what the
    // display does (each photo shown) and tools wait for them, so they are never held back either:
    // they follow the writes an authorised writer makes, while warnings follow whatever anyone writes.
    if (level === 'warn' || level === 'error') {
      const admission = limiter.admit({ level, component, message: excerpt(message, MAX_MESSAGE_CHARS), input }, now.getTime());
      writeSummaries(admission.summaries, now);
      scheduleFlush();
      if (!admission.write) return;
    }
    writeLine(formatLine(now, level, component, message, fields));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    rejectedInput: (m, f) => write('warn', m, f, true),
  };
}
