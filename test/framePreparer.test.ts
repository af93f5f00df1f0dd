import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SETTINGS } from '../common/protocol/codecs/settingsCodec.ts';
import { applyToPixel, colourTransform } from '../viewer/colourAdjustment.ts';
import { prepareFrame } from '../viewer/framePreparer.ts';
import { colourNear, solidJpeg, tempDir, twoColourImage, type Rgb } from './helpers/fixtures.ts';

test('neutral colour settings leave pixels unchanged', () => {
  const identity = colourTransform({ brightness: 1, contrast: 1, saturation: 1 });
  assert.equal(applyToPixel(identity, [12, 130, 250]), [12, 130, 250]);
});

test('brightness scales, contrast pivots on mid-grey, saturation 0 gives luma grey', () => {
  assert.equal(applyToPixel(colourTransform({ brightness: 0.5, contrast: 1, saturation: 1 }), [200, 100, 50]), [100, 50, 25]);
  assert.equal(applyToPixel(colourTransform({ brightness: 1, contrast: 2, saturation: 1 }), [128, 160, 96]), [128, 192, 64]);
  const grey = applyToPixel(colourTransform({ brightness: 1, contrast: 1, saturation: 0 }), [255, 0, 0]);
  assert.equal(grey, [54, 54, 54]);
  assert.equal(applyToPixel(colourTransform({ brightness: 4, contrast: 1, saturation: 1 }), [200, 10, 0]), [255, 40, 0], 'clamped');
});

async function pixelOf(frame: { width: number; data: Buffer }, x: number, y: number): Promise<Rgb> {
  const at = (y * frame.width + x) * 4;
  return [frame.data[at]!, frame.data[at + 1]!, frame.data[at + 2]!];
}

test('a frame is the letterboxed rect, RGBA, with colour settings applied', async () => {
  const file = await solidJpeg(join(await tempDir(), 'grey.jpg'), 400, 200, [200, 100, 50]);
  const frame = await prepareFrame(file, { width: 320, height: 240 }, DEFAULT_SETTINGS);
  assert.equal(frame.rect, { x: 0, y: 40, width: 320, height: 160 });
  assert.is(frame.data.length, 320 * 160 * 4);
  assert.ok(colourNear(await pixelOf(frame, 160, 80), [200, 100, 50], 6));
  const dimmed = await prepareFrame(file, { width: 320, height: 240 }, { ...DEFAULT_SETTINGS, brightness: 0.5 });
  assert.ok(colourNear(await pixelOf(dimmed, 160, 80), [100, 50, 25], 6), `dimmed: ${await pixelOf(dimmed, 160, 80)}`);
});

test('on a portrait-mounted screen the frame is turned so the photo is upright to the viewer', async () => {
  const path = join(await tempDir(), 'split.png');
  await (await twoColourImage(200, 100, [255, 0, 0], [0, 0, 255])).png().toFile(path);
  const frame = await prepareFrame(path, { width: 320, height: 240 }, { ...DEFAULT_SETTINGS, orientation: 'V' });
  // Upright on the 240×320 portrait canvas the photo is 240×120; turned for the panel it is 120×240.
  assert.equal(frame.rect, { x: 100, y: 0, width: 120, height: 240 });
  assert.is(frame.width, 120);
  assert.is(frame.height, 240);
  // Turned a quarter counter-clockwise, the photo's left (red) half is at the panel's bottom.
  assert.ok(colourNear(await pixelOf(frame, 60, 220), [255, 0, 0]), `bottom: ${await pixelOf(frame, 60, 220)}`);
  assert.ok(colourNear(await pixelOf(frame, 60, 20), [0, 0, 255]), `top: ${await pixelOf(frame, 60, 20)}`);
});

test.run();
