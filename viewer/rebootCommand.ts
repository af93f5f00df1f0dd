import { spawn } from 'node:child_process';
import { createLogger } from '../common/log.ts';

const log = createLogger('viewer');

/**
 * Runs the configured reboot command through the shell, so a deployment can
 * say `sudo reboot now` or a test a harmless stand-in. The viewer keeps
 * running until the system takes it down.
 */
export function runRebootCommand(command: string): void {
  log.warn(`rebooting: running ${JSON.stringify(command)}`);
  const child = spawn('sh', ['-c', command], { stdio: 'ignore' });
  child.once('error', (error) => log.error(`cannot run the reboot command ${JSON.stringify(command)}: ${error.message}`));
  child.once('exit', (code, signal) => {
    if (code !== 0) log.error(`the reboot command ${JSON.stringify(command)} failed (${signal ?? `exit ${code}`})`);
  });
}
