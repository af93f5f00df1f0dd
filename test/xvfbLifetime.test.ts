import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const XVFB_MODULE = new URL('../viewer/xvfbDisplay.ts', import.meta.url).href;

/** Whether an X server answers on the display's socket (a killed one leaves the socket file, which refuses). */
function answers(display: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(`/tmp/.X11-unix/X${display.slice(1)}`);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

test('a process that ends without stopping its virtual screen takes the screen with it', async () => {
  // As the demo did when a closed terminal ended it halfway through its stop: Xvfb took the SIGHUP as a reset.
  const script = `const { startXvfb } = await import(${JSON.stringify(XVFB_MODULE)}); const screen = await startXvfb(64, 48); console.log(screen.display); process.exit(3);`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(run.status, 3, run.stderr);
  const display = run.stdout.trim();
  assert.match(display, /^:\d+$/);
  for (let i = 0; i < 50 && (await answers(display)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.not.ok(await answers(display), `the Xvfb on ${display} outlived the process that started it`);
});

test.run();
