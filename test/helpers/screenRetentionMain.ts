/**
 * Run with --expose-gc on an X display: draws one frame through SdlScreen,
 * lets go of it, collects, and prints whether its pixels are still held.
 */
import { SdlScreen } from '../../viewer/sdlScreen.ts';

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with --expose-gc');
const screen = await SdlScreen.open({ windowed: { width: 64, height: 48 } });
let pixels: Buffer | null = Buffer.alloc(64 * 48 * 4, 200);
const held = new WeakRef(pixels);
screen.show({ width: 64, height: 48, data: pixels, rect: { x: 0, y: 0, width: 64, height: 48 } });
pixels = null;
// A WeakRef is cleared only between jobs: collect, yield, collect again.
for (let i = 0; i < 3; i++) {
  collect();
  await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(`${JSON.stringify({ retained: held.deref() !== undefined })}\n`);
screen.close();
process.exit(0);
