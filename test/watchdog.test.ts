import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../common/log.ts';
import { RenderHealth } from '../viewer/renderHealth.ts';
import { startSystemdWatchdog, watchdogIntervalMs } from '../viewer/systemdWatchdog.ts';
import { startFakeNotifySocket } from './helpers/fakeNotifySocket.ts';

// A 400 ms watchdog: the viewer notifies every 200 ms.
const envFor = (socket: string) => ({ ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: '400000', WATCHDOG_PID: String(process.pid) });
const log = createLogger('test');

/** Holds the event loop as a hung decoder or a runaway loop would. */
function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('the watchdog interval is half of WATCHDOG_USEC, and only for the process systemd meant', () => {
  assert.is(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '60000000' }, 42), 30_000);
  assert.is(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '7' }, 42), null);
  assert.is(watchdogIntervalMs({ WATCHDOG_USEC: '60000000' }, 42), null);
});

test('systemd-notify delivers WATCHDOG=1 while healthy; a blocked event loop stops it, and it resumes after', async () => {
  const socket = await startFakeNotifySocket();
  const watchdog = startSystemdWatchdog({ env: envFor(socket.path), renderProblem: () => null, log });
  try {
    await sleep(1500);
    assert.ok(socket.messages.length >= 3, `${socket.messages.length} notifications in 1.5 s`);
    assert.ok(socket.messages.every((m) => m.text === 'WATCHDOG=1'), socket.messages.map((m) => m.text).join(', '));
    await sleep(300); // let a helper still in flight deliver
    const blockedAt = Date.now();
    blockEventLoop(2000);
    const unblockedAt = Date.now();
    await sleep(1500);
    // The receiver runs in its own process, so its timestamps are true arrival times.
    const during = socket.messages.filter((m) => m.at > blockedAt + 300 && m.at < unblockedAt);
    assert.is(during.length, 0, `notifications arrived while the loop was blocked: ${during.length}`);
    assert.ok(socket.messages.some((m) => m.at > unblockedAt + 300), 'notifications resume once the loop runs again');
  } finally {
    watchdog.stop();
    await socket.stop();
  }
});

test('render work that never finishes stops the notifications', async () => {
  const socket = await startFakeNotifySocket();
  const health = new RenderHealth(500);
  const watchdog = startSystemdWatchdog({ env: envFor(socket.path), renderProblem: () => health.problem(Date.now()), log });
  try {
    await sleep(800);
    assert.ok(socket.messages.length >= 2, `${socket.messages.length} notifications before the render hung`);
    const token = health.begin('preparing a frame', Date.now());
    await sleep(800); // past maxWorkMs, plus a helper still in flight
    const stuckFrom = Date.now();
    await sleep(1200);
    assert.is(socket.messages.filter((m) => m.at > stuckFrom).length, 0, 'no notification while a frame is stuck');
    health.end(token);
    await sleep(800);
    assert.ok(socket.messages.some((m) => m.at > stuckFrom + 1200), 'notifications resume when the render path is healthy');
  } finally {
    watchdog.stop();
    await socket.stop();
  }
});

test.run();
