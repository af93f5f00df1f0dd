import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as assert from 'uvu/assert';
import { colourNear, type Rgb } from './fixtures.ts';
import { startCli, type LongRunning } from './runCli.ts';
import { captureScreen, type ScreenImage } from './screenCapture.ts';

/** A viewer process as on a Pi: its own home, drawing on an Xvfb screen, talking to a real etcd. */
export function startViewerProcess(options: {
  etcdEndpoint: string;
  home: string;
  id: string;
  display: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}): LongRunning {
  return startCli(['--etcd', options.etcdEndpoint, '--home', options.home, 'viewer', '--id', options.id, ...(options.args ?? [])], {
    DISPLAY: options.display,
    PHOTOFRAME_LOG: 'info',
    ...options.env,
  });
}

/** Reads the screen until it matches (drawing is asynchronous to any log line) or the time is up. */
export async function screenShows(display: string, expected: [number, number, Rgb][], viewer: LongRunning, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let screen: ScreenImage;
  do {
    screen = await captureScreen(display);
    if (expected.every(([x, y, colour]) => colourNear(screen.pixel(x, y), colour))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (Date.now() < deadline);
  const found = expected.map(([x, y, colour]) => `(${x},${y}) wanted ${colour} got ${screen.pixel(x, y)}`);
  const shot = join(tmpdir(), `photoframe-screen-failure-${Date.now()}.png`);
  await sharp(screen.rgb, { raw: { width: screen.width, height: screen.height, channels: 3 } }).png().toFile(shot);
  assert.unreachable(`screen never showed the expected pixels (screenshot: ${shot}):\n${found.join('\n')}\nviewer log:\n${viewer.lines.slice(-15).join('\n')}`);
}
