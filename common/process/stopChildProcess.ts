import type { ChildProcess } from 'node:child_process';

/**
 * Asks a child to stop (SIGTERM), waits for it to exit, and kills it
 * (SIGKILL) if it has not gone within the grace period. Returns at once for a
 * child that already exited.
 */
export async function stopChildProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killTimer);
}
