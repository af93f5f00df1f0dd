import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Logger } from '../common/log.ts';
import { RenderHealth } from '../viewer/renderHealth.ts';
import { startSystemdWatchdog, watchdogIntervalMs } from '../viewer/systemdWatchdog.ts';
import { startFakeNotifySocket } from './helpers/fakeNotifySocket.ts';

// A 400 ms watchdog: the watched process notifies every 200 ms.
const WATCHDOG_ENV = { WATCHDOG_USEC: '400000' };
// How long "no notification" is watched for. The watchdog runs one helper at a time, so at most one sent just before can still arrive.
const OBSERVE_MS = 1500;

test('the watchdog interval is half of WATCHDOG_USEC, and only for the process systemd meant', () => {
  assert.is(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '60000000' }, 42), 30_000);
  assert.is(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '7' }, 42), null);
  assert.is(watchdogIntervalMs({ WATCHDOG_USEC: '60000000' }, 42), null);
});

/** Lines a process writes, with a wait for the first one matching. */
function lineWatcher(stream: NodeJS.ReadableStream) {
  const lines: string[] = [];
  const reader = createInterface({ input: stream });
  reader.on('line', (line) => lines.push(line));
  return {
    lines,
    async waitFor(pattern: RegExp, from = 0): Promise<string> {
      for (;;) {
        const found = lines.slice(from).find((line) => pattern.test(line));
        if (found) return found;
        await once(reader, 'line');
      }
    },
  };
}

// The watched process, apart from the test: blocking it must not block the test's own view of the socket.
const WATCHED = `
  import { createLogger } from ${JSON.stringify(new URL('../common/log.ts', import.meta.url).pathname)};
  import { startSystemdWatchdog } from ${JSON.stringify(new URL('../viewer/systemdWatchdog.ts', import.meta.url).pathname)};
  startSystemdWatchdog({ env: process.env, renderProblem: () => null, log: createLogger('watched') });
  process.stdin.on('data', (data) => {
    const from = Date.now();
    // Holds the event loop as a hung decoder or a runaway loop would.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(String(data)));
    console.log('blocked ' + from + ' ' + Date.now());
  });
`;

test('a blocked event loop stops the notifications, and they resume after', async () => {
  const socket = await startFakeNotifySocket();
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WATCHED], {
    env: { ...process.env, ...WATCHDOG_ENV, NOTIFY_SOCKET: socket.path, PHOTOFRAME_LOG: 'info' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout = lineWatcher(child.stdout!);
  const stderr = lineWatcher(child.stderr!);
  try {
    await socket.waitForMessage(() => socket.messages.length >= 3);
    assert.ok(socket.messages.every((m) => m.text === 'WATCHDOG=1'), socket.messages.map((m) => m.text).join(', '));
    child.stdin!.write(`${OBSERVE_MS}\n`);
    const [from, to] = (await stdout.waitFor(/^blocked /)).split(' ').slice(1).map(Number) as [number, number];
    const during = socket.messages.filter((m) => m.at > from && m.at < to);
    assert.ok(during.length <= 1, `${during.length} notifications arrived while the loop was blocked`);
    await stderr.waitFor(/not notifying the systemd watchdog: the event loop was blocked/);
    await socket.waitForMessage((m) => m.at > to);
  } finally {
    child.kill();
    await socket.stop();
  }
});

test('render work that never finishes stops the notifications, and they resume when it ends', async () => {
  const socket = await startFakeNotifySocket();
  const health = new RenderHealth(500);
  const logged: string[] = [];
  const record = (message: string) => void logged.push(message);
  const log: Logger = { debug: () => {}, info: record, warn: record, error: record, rejectedInput: record };
  const until = async (pattern: RegExp) => {
    while (!logged.some((line) => pattern.test(line))) await sleep(20);
    return Date.now();
  };
  const watchdog = startSystemdWatchdog({ env: { ...process.env, ...WATCHDOG_ENV, NOTIFY_SOCKET: socket.path, WATCHDOG_PID: String(process.pid) }, renderProblem: () => health.problem(Date.now()), log });
  try {
    await socket.waitForMessage(() => socket.messages.length >= 2);
    const token = health.begin('preparing a frame', Date.now());
    const withheldAt = await until(/not notifying the systemd watchdog: .*preparing a frame/);
    await sleep(OBSERVE_MS);
    const after = socket.messages.filter((m) => m.at > withheldAt);
    assert.ok(after.length <= 1, `${after.length} notifications while a frame was stuck`);
    health.end(token);
    const healthyAt = await until(/healthy again/);
    await socket.waitForMessage((m) => m.at > healthyAt);
  } finally {
    watchdog.stop();
    await socket.stop();
  }
});

test.run();
