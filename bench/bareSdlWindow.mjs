/**
 * The reference for the viewer's memory: a bare SDL window of the screen's
 * size, one black frame drawn, nothing else; plain JavaScript, as a user
 * would write it, run by plain node (no loader). viewerBench.ts runs it in a
 * fresh process, with and without the viewer's Node flags; it prints its RSS
 * in bytes once drawn.
 */
import sdl from '@kmamal/sdl';

const accelerated = process.env.BENCH_ACCELERATED === '1';
const display = sdl.video.displays[0];
const window = sdl.video.createWindow({
  fullscreen: true,
  borderless: true,
  x: display.geometry.x,
  y: display.geometry.y,
  width: display.geometry.width,
  height: display.geometry.height,
  accelerated,
  vsync: accelerated,
});
window.render(1, 1, 4, 'rgba32', Buffer.from([0, 0, 0, 255]));
setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage.rss(), accelerated: window.accelerated })}\n`);
  window.destroy();
  process.exit(0);
}, 1500);
