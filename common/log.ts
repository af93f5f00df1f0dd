/**
 * A small levelled logger writing one line per record to stderr, so stdout
 * stays free for command output that scripts parse. Lines are bounded (see
 * logging/logLine.ts) and warnings and errors are rate-limited (see
 * logging/logLimiter.ts): a display must survive a flood of bad input without
 * filling its SD card.
 */
import { LogLimiter } from './logging/logLimiter.ts';
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
}

// Warnings and errors are what bad input produces, so they are what floods; info lines follow our own actions.
const LIMITED: ReadonlySet<LogLevel> = new Set(['warn', 'error']);
const limiter = new LogLimiter();
let flushTimer: NodeJS.Timeout | undefined;

function writeLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

function writeSummaries(summaries: ReturnType<LogLimiter['closeWindow']>, now: Date): void {
  for (const { key, count } of summaries) {
    if (key === null) {
      writeLine(formatLine(now, 'warn', 'log', `… ${count} more warnings and errors suppressed in the last minute`, undefined));
    } else {
      const [level, component, message] = key.split('\u0000') as [string, string, string];
      writeLine(formatLine(now, level, component, `… repeated ${count} times: ${message}`, undefined));
    }
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

export function createLogger(component: string): Logger {
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(threshold)) return;
    const now = new Date();
    if (LIMITED.has(level)) {
      const key = `${level}\u0000${component}\u0000${excerpt(message, MAX_MESSAGE_CHARS)}`;
      const admission = limiter.admit(key, now.getTime());
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
  };
}
