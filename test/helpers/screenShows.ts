import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as assert from 'uvu/assert';
import { colourNear, type Rgb } from './fixtures.ts';
import { captureScreen, type ScreenImage } from './screenCapture.ts';

/**
 * Reads the screen until the given pixels match (drawing is asynchronous to
 * any log line) or the time is up; on failure saves a screenshot and shows
 * the last lines of the viewer's log.
 */
export async function screenShows(display: string, expected: [number, number, Rgb][], logLines: string[], timeoutMs = 15_000): Promise<void> {
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
  assert.unreachable(`screen never showed the expected photo (screenshot: ${shot}):\n${found.join('\n')}\nviewer log:\n${logLines.slice(-15).join('\n')}`);
}
