import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** libfaketime (Debian `faketime`), wherever this architecture keeps it. */
function libfaketime(): string {
  for (const dir of readdirSync('/usr/lib')) {
    const candidate = join('/usr/lib', dir, 'faketime', 'libfaketime.so.1');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('libfaketime not found: apt-get install faketime (scripts/setup.sh installs it)');
}

/**
 * The environment that starts a process's wall clock at `iso` (UTC), running
 * on from there; its timers (the monotonic clock) are left alone. So a test
 * can put a viewer seconds before a schedule's edge.
 */
export function clockStartingAt(iso: string): Record<string, string> {
  const date = new Date(iso);
  const stamp = date.toISOString().replace('T', ' ').slice(0, 19);
  return { LD_PRELOAD: libfaketime(), FAKETIME: `@${stamp}`, FAKETIME_DONT_FAKE_MONOTONIC: '1', TZ: 'UTC' };
}
