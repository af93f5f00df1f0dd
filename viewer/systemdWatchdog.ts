import { spawn } from 'node:child_process';
import type { Logger } from '../common/log.ts';

/**
 * Tells systemd the viewer is alive (sd_notify WATCHDOG=1), so a viewer that
 * hangs is restarted instead of showing a frozen photo forever.
 *
 * The notification is a datagram on the unix socket named by NOTIFY_SOCKET,
 * and Node cannot send unix datagrams. systemd's own `systemd-notify` binary
 * does it and is on every systemd machine, whereas the npm packages for it are
 * native addons to build on each Pi (sd-notify needs libsystemd-dev) or
 * unmaintained. Because the datagram then comes from the helper's PID, the
 * unit needs NotifyAccess=all; systemd-notify (systemd ≥ 246) waits until
 * systemd has read the message, so the helper exiting first is no race.
 *
 * It is sent from a timer on the event loop, and only when the render path
 * reports no stuck work and the timer itself was not held up: a blocked event
 * loop or a wedged frame therefore stops the notifications, and systemd
 * restarts the viewer after WatchdogSec.
 */
export interface WatchdogOptions {
  env: NodeJS.ProcessEnv;
  /** Why the render path is unhealthy, or null. */
  renderProblem: () => string | null;
  log: Logger;
  /** The helper that sends one notification; systemd-notify unless a test says otherwise. */
  notifyCommand?: string;
}

export interface Watchdog {
  /** True when systemd asked for a watchdog (WATCHDOG_USEC set for this process). */
  readonly enabled: boolean;
  stop(): void;
}

/** How often to notify: systemd recommends half the watchdog interval. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  if (!env.NOTIFY_SOCKET || !env.WATCHDOG_USEC) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  return Math.max(50, usec / 1000 / 2);
}

export function startSystemdWatchdog(options: WatchdogOptions): Watchdog {
  const intervalMs = watchdogIntervalMs(options.env, process.pid);
  if (intervalMs === null) return { enabled: false, stop: () => {} };
  const command = options.notifyCommand ?? 'systemd-notify';
  let last = Date.now();
  let sending = false;
  let withheld: string | null = null;
  const tick = () => {
    const now = Date.now();
    const late = now - last - intervalMs;
    last = now;
    // A tick this late means the event loop was blocked for a whole interval.
    const problem = late > intervalMs ? `the event loop was blocked for ${Math.round(late)} ms` : options.renderProblem();
    if (problem) {
      if (withheld === null) options.log.warn(`not notifying the systemd watchdog: ${problem}`);
      withheld = problem;
      return;
    }
    if (withheld !== null) options.log.info('healthy again; notifying the systemd watchdog');
    withheld = null;
    // One helper at a time: if systemd is slow to read, do not pile up processes.
    if (sending) return;
    sending = true;
    const child = spawn(command, ['WATCHDOG=1'], { stdio: 'ignore', env: options.env });
    child.once('error', (error) => {
      sending = false;
      options.log.warn(`cannot notify the systemd watchdog: ${error.message}`);
    });
    child.once('close', () => (sending = false));
  };
  const timer = setInterval(tick, intervalMs);
  // The watchdog never keeps the viewer alive on its own.
  timer.unref();
  return { enabled: true, stop: () => clearInterval(timer) };
}
