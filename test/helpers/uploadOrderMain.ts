/**
 * Run on an X display: shows photo A (a cut), then crossfades to B, a frame
 * of 1024×768 (3 MB, more than one upload band), through SdlScreen and the
 * real sdl_layers addon. Every call the screen makes to the addon is recorded
 * with the callback it ran in (async_hooks' execution id: one per turn of the
 * event loop), and printed as one JSON line once the fade has ended:
 *   { showTurn, frameBytes, width, height, calls: [{ call, turn, texture?, rows?, pixels?, layers? }] }
 */
import { executionAsyncId } from 'node:async_hooks';
import { SdlScreen } from '../../viewer/sdlScreen.ts';
import { loadSdlLayers } from '../../viewer/sdlLayers.ts';

const [windowWidth, windowHeight] = process.argv.slice(2).map(Number) as [number, number];
const width = 1024;
const height = 768;
const rect = { x: 0, y: 0, width: windowWidth, height: windowHeight };
const frame = (value: number) => ({ width, height, data: Buffer.alloc(width * height * 4, value), rect });

interface Call {
  call: string;
  turn: number;
  texture?: number;
  rows?: number;
  pixels?: number;
  layers?: number[];
}

const loaded = loadSdlLayers();
if (!loaded.ok) throw new Error(loaded.why);
const layers = loaded.layers;
const calls: Call[] = [];
const { createTexture, updateTexture, present, destroyTexture } = layers;
layers.createTexture = (windowId, w, h, pixels) => {
  const texture = createTexture.call(layers, windowId, w, h, pixels);
  calls.push({ call: 'createTexture', turn: executionAsyncId(), texture, pixels: pixels ? w * h * 4 : 0 });
  return texture;
};
layers.updateTexture = (texture, y, rows, pixels) => {
  updateTexture.call(layers, texture, y, rows, pixels);
  calls.push({ call: 'updateTexture', turn: executionAsyncId(), texture, rows, pixels: rows * width * 4 });
};
layers.present = (windowId, list) => {
  present.call(layers, windowId, list);
  calls.push({ call: 'present', turn: executionAsyncId(), layers: list.map((layer) => layer.texture) });
};
layers.destroyTexture = (texture) => {
  destroyTexture.call(layers, texture);
  calls.push({ call: 'destroyTexture', turn: executionAsyncId(), texture });
};

const screen = await SdlScreen.open({ windowed: { width: windowWidth, height: windowHeight } });
screen.show(frame(60), { kind: 'crossfade', ms: 0 });
calls.length = 0;
const ended = new Promise<void>((resolve) => screen.onTransitionEnd(resolve));
// In a callback of its own, as a decoded frame arrives in the viewer.
const showTurn = await new Promise<number>((resolve) =>
  setTimeout(() => {
    screen.show(frame(200), { kind: 'crossfade', ms: 200 });
    resolve(executionAsyncId());
  }, 10),
);
await ended;
process.stdout.write(`${JSON.stringify({ showTurn, frameBytes: width * height * 4, width, height, renderer: screen.rendererName, calls })}\n`);
screen.close();
process.exit(0);
