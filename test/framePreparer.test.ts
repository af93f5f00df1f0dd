import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SETTINGS } from '../common/protocol/codecs/settingsCodec.ts';
import { applyToPixel, colourTransform } from '../viewer/colourAdjustment.ts';
import { renderCaption } from '../viewer/captionImage.ts';
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

const SCREEN = { width: 320, height: 240 };

/** A 2:1 photo, red left half and blue right, with grain: letterboxed on a 4:3 screen. */
async function widePhoto(): Promise<string> {
  const path = join(await tempDir(), 'wide.png');
  await (await twoColourImage(400, 200, [220, 30, 30], [30, 30, 220])).png().toFile(path);
  return path;
}

test('cover fills the screen with the centre of the photo: no black bars', async () => {
  const frame = await prepareFrame(await widePhoto(), SCREEN, { ...DEFAULT_SETTINGS, fit: 'cover' });
  assert.equal(frame.rect, { x: 0, y: 0, ...SCREEN });
  for (const [x, y] of [[5, 2], [5, 237], [315, 2], [315, 237], [160, 120]] as const) {
    const [r, g, b] = await pixelOf(frame, x, y);
    assert.ok(r + g + b > 150, `(${x},${y}) is not black: ${[r, g, b]}`);
  }
  // 400×200 covering 320×240 is 480×240 cropped by 80 each side: the red/blue border stays in the middle.
  assert.ok(colourNear(await pixelOf(frame, 150, 120), [220, 30, 30]));
  assert.ok(colourNear(await pixelOf(frame, 170, 120), [30, 30, 220]));
});

test('blur: the bars are a darkened, blurred copy (neither black nor uniform); the photo in the middle is as with contain', async () => {
  const file = await widePhoto();
  const contain = await prepareFrame(file, SCREEN, DEFAULT_SETTINGS);
  const blur = await prepareFrame(file, SCREEN, { ...DEFAULT_SETTINGS, fit: 'blur' });
  assert.equal(blur.rect, { x: 0, y: 0, ...SCREEN });
  // The bars (top 40 and bottom 40 rows): not black, darker than the photo, and red on the left, blue on the right.
  const barLeft = await pixelOf(blur, 20, 10);
  const barRight = await pixelOf(blur, 300, 230);
  assert.ok(barLeft[0] > 60 && barLeft[0] < 200 && barLeft[2] < barLeft[0], `left bar: ${barLeft}`);
  assert.ok(barRight[2] > 60 && barRight[2] < 200 && barRight[0] < barRight[2], `right bar: ${barRight}`);
  // Blurred: across the red/blue border the bar changes gradually, not in one step.
  const mid = await pixelOf(blur, 160, 10);
  assert.ok(mid[0] > 40 && mid[2] > 40, `the border is blurred in the bar: ${mid}`);
  // The photo itself: identical to the contain frame, pixel for pixel.
  let different = 0;
  for (let y = 0; y < contain.height; y++) {
    for (let x = 0; x < contain.width; x++) {
      const a = (y * contain.width + x) * 4;
      const b = ((y + contain.rect.y) * blur.width + x + contain.rect.x) * 4;
      for (let c = 0; c < 3; c++) if (Math.abs(contain.data[a + c]! - blur.data[b + c]!) > 1) different++;
    }
  }
  assert.is(different, 0, 'the photo in the middle is not blurred');
});

test('blur for a screen that stretches fills: the frame is the contain frame, plus a small blurred, darkened fill of the canvas', async () => {
  const file = await widePhoto();
  const contain = await prepareFrame(file, SCREEN, DEFAULT_SETTINGS);
  const blur = await prepareFrame(file, SCREEN, { ...DEFAULT_SETTINGS, fit: 'blur' }, null, { stretchFill: true });
  // The photo: the very pixels and place contain gives, so a blur frame costs no more memory than a contain one.
  assert.equal(blur.rect, contain.rect);
  assert.ok(blur.data.equals(contain.data), 'the photo is the contain frame');
  const fill = blur.fill!;
  assert.ok(fill, 'a fill comes with it');
  assert.equal(fill.rect, { x: 0, y: 0, ...SCREEN }, 'stretched over the whole canvas');
  assert.equal([fill.width, fill.height], [20, 15], 'a sixteenth of the canvas each way');
  const at = (x: number, y: number): Rgb => [fill.data[(y * 20 + x) * 4]!, fill.data[(y * 20 + x) * 4 + 1]!, fill.data[(y * 20 + x) * 4 + 2]!];
  // Darkened (the photo's red is 220), red on the left, blue on the right, and blurred across the border.
  assert.ok(at(0, 7)[0] > 60 && at(0, 7)[0] < 160 && at(0, 7)[2] < at(0, 7)[0], `left: ${at(0, 7)}`);
  assert.ok(at(19, 7)[2] > 60 && at(19, 7)[2] < 160 && at(19, 7)[0] < at(19, 7)[2], `right: ${at(19, 7)}`);
  for (let x = 1; x < 20; x++) assert.ok(Math.abs(at(x, 7)[0] - at(x - 1, 7)[0]) < 40, `gradual at ${x}: ${at(x - 1, 7)} → ${at(x, 7)}`);
  // Turned with the photo on a portrait-mounted screen.
  const turned = await prepareFrame(file, SCREEN, { ...DEFAULT_SETTINGS, fit: 'blur', orientation: 'V' }, null, { stretchFill: true });
  assert.equal([turned.fill!.width, turned.fill!.height], [20, 15]);
  assert.equal(turned.fill!.rect, { x: 0, y: 0, ...SCREEN });
  assert.equal(turned.rect, { x: 100, y: 0, width: 120, height: 240 });
});

test('a caption is drawn in the bottom right corner of the photo, as its own render', async () => {
  const file = await solidJpeg(join(await tempDir(), 'sky.jpg'), 400, 300, [250, 250, 250]);
  const text = '14 July 2021';
  const plain = await prepareFrame(file, SCREEN, DEFAULT_SETTINGS);
  const captioned = await prepareFrame(file, SCREEN, DEFAULT_SETTINGS, text);
  const changed = (x0: number, y0: number, x1: number, y1: number) => {
    let n = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (plain.data[(y * 320 + x) * 4] !== captioned.data[(y * 320 + x) * 4]) n++;
    return n;
  };
  assert.is(changed(0, 0, 320, 180), 0, 'nothing above the bottom quarter changed');
  assert.is(changed(0, 180, 120, 240), 0, 'nothing in the bottom left changed');
  assert.ok(changed(160, 200, 320, 240) > 200, 'the bottom right has the caption');
  // Legible on a white sky: the outline makes dark pixels beside the white text.
  let dark = 0;
  for (let i = 0; i < captioned.data.length; i += 4) if (captioned.data[i]! < 80) dark++;
  assert.ok(dark > 50, `an outline: ${dark} dark pixels`);
  // And the very pixels of the caption rendered alone, placed by the layout.
  const image = await renderCaption(text, SCREEN);
  const margin = 7;
  const x0 = 320 - margin - image.width;
  const y0 = 240 - margin - image.height;
  let off = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const alpha = image.data[(y * image.width + x) * 4 + 3]! / 255;
      const expected = image.data[(y * image.width + x) * 4]! * alpha + 250 * (1 - alpha);
      if (Math.abs(captioned.data[((y0 + y) * 320 + x0 + x) * 4]! - expected) > 3) off++;
    }
  }
  assert.is(off, 0, 'the caption is the rendered text, composited at its corner');
});

test.run();
