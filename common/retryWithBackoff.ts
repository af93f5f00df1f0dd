import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './log.ts';
import { UserError } from './userError.ts';

export interface RetryOptions {
  /** Checked before every attempt; true ends the retrying quietly. */
  stopped: () => boolean;
  log: Logger;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Tries `attempt` after 1 s, then 2, 4 … up to 30 s apart, until it succeeds
 * or `stopped()` says to give up. Each failure is logged at debug level: while
 * a server is down every attempt fails, and the wait, not the log, is the news.
 * A UserError's reason is the exception: it is logged once as a warning.
 */
export async function retryWithBackoff(what: string, attempt: () => Promise<void>, options: RetryOptions): Promise<void> {
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let lastSaid: string | null = null;
  for (let delay = options.firstDelayMs ?? 1000; !options.stopped(); delay = Math.min(delay * 2, maxDelayMs)) {
    await sleep(delay);
    if (options.stopped()) return;
    try {
      await attempt();
      options.log.info(`${what}: done`);
      return;
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0]!;
      // A reason meant for a person (a revoked display, an expired certificate) is said once, not at every try.
      if (error instanceof UserError && reason !== lastSaid) {
        lastSaid = reason;
        options.log.warn(`${what}: ${reason}`);
      } else {
        options.log.debug(`${what}: not yet`, { error: reason });
      }
    }
  }
}
