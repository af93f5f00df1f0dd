import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * A cross-process lock beside a file: the console, the CLI and the image
 * server may all touch the library, and lowdb alone would let one overwrite
 * another. proper-lockfile judges staleness by a heartbeat on the lock's
 * mtime, not by a PID, so a crashed holder, a reused PID or two waiters
 * racing for a dead lock cannot let two processes in at once.
 */
/** Another process held the lock for longer than we wait. */
export class LockBusyError extends Error {
  override name = 'LockBusyError';
}

/**
 * The lock was taken over while we held it: this process was stalled (or
 * suspended) past the stale time. Whatever it still meant to do under the
 * lock must not happen now.
 */
export class LockLostError extends Error {
  override name = 'LockLostError';
}

/**
 * Runs `fn` holding the lock. `fn` gets a signal that aborts with a
 * LockLostError if the lock is compromised; it must check it before each
 * step that is only safe under the lock. Without our own handler
 * proper-lockfile throws from a timer, which crashes the process mid-write.
 */
export async function withFileLock<T>(path: string, fn: (lost: AbortSignal) => Promise<T>, staleMs = 10_000, wait = true): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const lost = new AbortController();
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      lockfilePath: `${path}.lock`,
      stale: staleMs,
      update: Math.max(1_000, staleMs / 5),
      // About 15 s of waiting in all: library writes hold it briefly (a whole import holds its own import lock).
      // Without `wait`, a held lock is answered at once: the caller only wants to know whether someone holds it.
      retries: wait ? { retries: 80, factor: 1.2, minTimeout: 10, maxTimeout: 250 } : 0,
      onCompromised: (error) => lost.abort(new LockLostError(`lost the lock ${path}: this process stalled past ${staleMs} ms and another took it over (${error.message})`)),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new LockBusyError(`cannot lock ${path}: another photoframe process has held it for too long; try again`);
    }
    throw new Error(`cannot lock ${path}: ${(error as Error).message}`);
  }
  try {
    return await fn(lost.signal);
  } finally {
    await release().catch(() => {});
  }
}

/** Whether a live process holds the lock now (a lock left by a dead one, past `staleMs`, does not count). */
export async function isFileLocked(path: string, staleMs = 10_000): Promise<boolean> {
  return lockfile.check(path, { realpath: false, lockfilePath: `${path}.lock`, stale: staleMs }).catch(() => false);
}
