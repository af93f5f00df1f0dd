import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopChildProcess } from '../../common/process/stopChildProcess.ts';
import { tempDir } from './fixtures.ts';

/**
 * A stand-in for systemd's notification socket: a unix datagram socket (which
 * Node cannot open, hence python3, which setup installs) that records every
 * message with the time it arrived. The receiver stamps the arrival itself
 * (wall clock, comparable with Date.now() in any process): stamping when the
 * test reads the line would move every arrival during a busy or blocked test
 * loop to after it.
 */
export interface FakeNotifySocket {
  path: string;
  messages: { at: number; text: string }[];
  /** Resolves with the first message (already arrived or yet to come) that satisfies `accept`. */
  waitForMessage(accept: (message: { at: number; text: string }) => boolean, timeoutMs?: number): Promise<{ at: number; text: string }>;
  stop(): Promise<void>;
}

const RECEIVER = `
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    data = s.recv(4096)
    at = time.time()
    print("%.3f %s" % (at * 1000, data.decode("utf-8", "replace").replace("\\n", " ")), flush=True)
`;

export async function startFakeNotifySocket(): Promise<FakeNotifySocket> {
  const path = join(await tempDir('photoframe-notify-'), 'notify.sock');
  const child = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: FakeNotifySocket['messages'] = [];
  const waiters = new Set<() => void>();
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.on('line', (line) => {
    const space = line.indexOf(' ');
    const text = line.slice(space + 1);
    // systemd-notify follows each message with BARRIER=1 to wait until it was read; that is not news.
    if (text === 'BARRIER=1') return;
    messages.push({ at: Number(line.slice(0, space)), text });
    for (const wake of waiters) wake();
  });
  const waitForMessage: FakeNotifySocket['waitForMessage'] = (accept, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = messages.find(accept);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such notification within ${timeoutMs} ms; got ${messages.length}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { path, messages, waitForMessage, stop: () => stopChildProcess(child) };
}
