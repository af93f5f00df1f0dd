import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stopChildProcess } from '../common/process/stopChildProcess.ts';

/**
 * A virtual X screen for a viewer without a monitor (the demo over SSH, the
 * tests). Xvfb picks a free display number itself and reports it on a pipe
 * (-displayfd), so nothing guesses or polls.
 */
export interface XvfbDisplay {
  display: string;
  width: number;
  height: number;
  stop(): Promise<void>;
}

export async function startXvfb(width = 1280, height = 720, timeoutMs = 15_000): Promise<XvfbDisplay> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A virtual screen outlives a process that dies without stopping it (Xvfb takes the terminal's SIGHUP as a
  // reset, not an end): whatever ends our process takes the screen with it, as localEtcd does for etcd.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const stop = () => stopChildProcess(child);
  const number = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb reported no display within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start Xvfb: ${error.message}; install xvfb (make setup does)`));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited before it was ready: ${stderr.trim()}`));
    });
    createInterface({ input: child.stdio[3] as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  return { display: `:${number}`, width, height, stop };
}
