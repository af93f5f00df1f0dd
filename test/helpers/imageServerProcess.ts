import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopChildProcess } from '../../common/process/stopChildProcess.ts';

const MAIN = fileURLToPath(new URL('./serveImagesMain.ts', import.meta.url));

export interface ImageServerProcess {
  url: string;
  /** The server's own PID (bash execs node), for reading its /proc entries. */
  pid: number;
  stop(): Promise<void>;
}

/** The image server in its own process, under `ulimit -n fileLimit` like a stock system service. */
export async function startImageServerProcess(home: string, token: string, options: Record<string, number> = {}, fileLimit = 1024): Promise<ImageServerProcess> {
  const command = `ulimit -n ${fileLimit} && exec "$0" --import tsx "$1" "$2"`;
  const child = spawn('bash', ['-c', command, process.execPath, MAIN, JSON.stringify({ home, token, options })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`image server exited with ${code} before listening`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChildProcess(child) };
}
