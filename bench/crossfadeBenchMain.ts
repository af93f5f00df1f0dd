/**
 * Run on an X display by looksBench.ts (one fresh process per measurement):
 *   rate: the most presents a second a 1920×1080 window manages, blending two
 *         textures as a crossfade step does, against the same window copying
 *         the same two textures with no blending (the reference); then one
 *         real 2 s crossfade through SdlScreen, its steps counted, its CPU
 *         share taken, and its longest upload call and longest present timed.
 *   memory: 500 crossfades through SdlScreen, each with a fresh 8 MB frame as
 *         a decode makes it, sampling RSS.
 * Prints one JSON line.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { percentile } from './benchHarness.ts';
import { crossfadeLayers } from '../viewer/crossfade.ts';
import type { Frame } from '../viewer/framePreparer.ts';
import { releaseDroppedFramesSoon } from '../viewer/releaseFrames.ts';
import { SdlScreen } from '../viewer/sdlScreen.ts';
import { BLEND, loadSdlLayers, type SdlLayers } from '../viewer/sdlLayers.ts';

const mode = process.argv[2];
const W = 1920;
const H = 1080;
const rect = { x: 0, y: 0, width: W, height: H };

/**
 * A photo-like frame, a fresh Buffer each time as a decode makes one: grain over a tint, repeated from a
 * small tile by Buffer.fill (native), since the viewer's runtime (lite mode) makes a per-pixel loop slow.
 */
function frame(seed: number): Frame {
  const tile = Buffer.allocUnsafe(4093 * 4);
  let s = seed * 7919 + 1;
  for (let i = 0; i < tile.length; i += 4) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const grain = (s >> 16) & 63;
    tile[i] = 60 + grain + (seed % 3) * 50;
    tile[i + 1] = 80 + grain;
    tile[i + 2] = 100 + grain - (seed % 2) * 40;
    tile[i + 3] = 255;
  }
  return { width: W, height: H, data: Buffer.allocUnsafe(W * H * 4).fill(tile), rect };
}

const screen = await SdlScreen.open({ windowed: { width: W, height: H } });
const windowId = (screen as unknown as { window: { id: number } }).window.id;
const loaded = loadSdlLayers();
if (!loaded.ok) throw new Error(loaded.why);
const layers: SdlLayers = loaded.layers;

if (mode === 'rate') {
  const a = layers.createTexture(windowId, W, H, frame(1).data);
  const b = layers.createTexture(windowId, W, H, frame(2).data);
  const loop = (draw: (i: number) => void, seconds: number) => {
    const times: number[] = [];
    const end = performance.now() + seconds * 1000;
    for (let i = 0; performance.now() < end; i++) {
      const start = performance.now();
      draw(i);
      times.push(performance.now() - start);
    }
    return { fps: times.length / seconds, p99: percentile(times, 99) };
  };
  const blended = loop((i) => {
    const progress = (i % 60) / 60;
    layers.present(windowId, crossfadeLayers({ texture: a, rect }, { texture: b, rect }, progress));
  }, 4);
  const bare = loop((i) => layers.present(windowId, [{ texture: i % 2 ? a : b, alpha: 255, blend: BLEND.none, ...rect }]), 4);
  layers.destroyTexture(a);
  layers.destroyTexture(b);
  // A real fade through SdlScreen, its presents counted and its CPU taken (none without a GPU: a cut).
  if (!screen.accelerated) {
    process.stdout.write(`${JSON.stringify({ renderer: screen.rendererName, blended, bare, fade: null })}\n`);
    screen.close();
    process.exit(0);
  }
  // Each call the fade makes into the addon, timed: where a stall would come from (an upload, or a present).
  let presents = 0;
  let longestPresentMs = 0;
  let longestUploadMs = 0;
  const present = layers.present.bind(layers);
  layers.present = (id, list) => {
    presents++;
    const start = performance.now();
    present(id, list);
    longestPresentMs = Math.max(longestPresentMs, performance.now() - start);
  };
  const createTexture = layers.createTexture.bind(layers);
  layers.createTexture = (id, width, height, pixels) => {
    const start = performance.now();
    const texture = createTexture(id, width, height, pixels);
    longestUploadMs = Math.max(longestUploadMs, performance.now() - start);
    return texture;
  };
  const updateTexture = layers.updateTexture.bind(layers);
  layers.updateTexture = (texture, y, rows, pixels) => {
    const start = performance.now();
    updateTexture(texture, y, rows, pixels);
    longestUploadMs = Math.max(longestUploadMs, performance.now() - start);
  };
  screen.show(frame(3), { kind: 'crossfade', ms: 0 });
  [presents, longestPresentMs, longestUploadMs] = [0, 0, 0];
  const ended = new Promise<void>((resolve) => screen.onTransitionEnd(resolve));
  const next = frame(4);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  screen.show(next, { kind: 'crossfade', ms: 2000 });
  await ended;
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  delay.disable();
  process.stdout.write(
    `${JSON.stringify({ renderer: screen.rendererName, blended, bare, fade: { fps: (presents / wall) * 1000, cpuShare: (cpu.user + cpu.system) / 1000 / wall, longestStallMs: delay.max / 1e6, longestPresentMs, longestUploadMs } })}\n`,
  );
} else {
  const rss: number[] = [];
  let i = 0;
  await new Promise<void>((resolve) => {
    screen.onTransitionEnd(() => {
      releaseDroppedFramesSoon();
      if (++i % 50 === 0) rss.push(process.memoryUsage.rss());
      if (i === 500) return resolve();
      // The next photo as a decode makes it, shown once the last fade is over.
      setImmediate(() => screen.show(frame(i), { kind: 'crossfade', ms: 40 }));
    });
    screen.show(frame(0), { kind: 'crossfade', ms: 0 });
    screen.show(frame(1), { kind: 'crossfade', ms: 40 });
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  releaseDroppedFramesSoon();
  await new Promise((resolve) => setTimeout(resolve, 200));
  process.stdout.write(`${JSON.stringify({ renderer: screen.rendererName, rss, after: process.memoryUsage.rss() })}\n`);
}
screen.close();
process.exit(0);
