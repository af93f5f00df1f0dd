import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopChildProcess } from '../../common/process/stopChildProcess.ts';
import { tempDir } from './fixtures.ts';

/**
 * A stand-in for systemd's notification socket: a unix datagram socket (which
 * Node cannot open, hence python3, which setup installs) that records every
 * message with the time it arrived.
 */
export interface FakeNotifySocket {
  path: string;
  messages: { at: number; text: string }[];
  stop(): Promise<void>;
}

const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    data = s.recv(4096)
    print(data.decode("utf-8", "replace").replace("\\n", " "), flush=True)
`;

export async function startFakeNotifySocket(): Promise<FakeNotifySocket> {
  const path = join(await tempDir('photoframe-notify-'), 'notify.sock');
  const child = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: FakeNotifySocket['messages'] = [];
  const lines = createInterface({ input: child.stdout! });
  await once(lines, 'line');
  // systemd-notify follows each message with BARRIER=1 to wait until it was read; that is not news.
  lines.on('line', (text) => text !== 'BARRIER=1' && messages.push({ at: Date.now(), text }));
  return { path, messages, stop: () => stopChildProcess(child) };
}
