/**
 * The blurred fill behind a photo with fit=blur, made from the photo's own
 * decoded pixels: no second decode of the file. It is small (a sixteenth of
 * the canvas each way, 120×68 for 1080p) and blurred there, where a heavy
 * blur costs next to nothing; the screen stretches it under the photo with
 * linear filtering, which on a fill this soft reads as a blur of the whole
 * canvas. Pure arithmetic on buffers: well under 1 ms for a 1440×1080 photo once V8 has compiled it, a few ms cold.
 *
 * Why not libvips: a second decode of the photo, even at 1/8 scale, cost
 * ~12 ms against ~15 ms for the photo's own, and shrinking the decoded photo
 * with sharp 6-10 ms (its raw input, resize and thread hand-off); sampling
 * 16 points of each fill pixel's area here costs ~1 ms.
 */
import type { Size } from './layout.ts';

/** RGBA pixels, opaque. */
export interface FillImage {
  width: number;
  height: number;
  data: Buffer;
}

/** How much smaller than the canvas the fill is made, each way. */
export const FILL_SHRINK = 16;
// Two box blurs of radius 3 are close to a Gaussian of σ 2.8 fill pixels: about 45 px on screen.
const BLUR_RADIUS = 3;
const BLUR_PASSES = 2;
// Darker than the photo, so the eye stays on the photo.
export const FILL_LIGHTNESS = 0.55;
// Points sampled each way in the area of the photo under one fill pixel; the blur (over ~50 fill pixels)
// evens out the rest. Few, as this runs once per photo, minutes apart: mostly in V8's interpreter, cold.
const SAMPLES = 2;

export function fillSize(canvas: Size): Size {
  return { width: Math.max(1, Math.ceil(canvas.width / FILL_SHRINK)), height: Math.max(1, Math.ceil(canvas.height / FILL_SHRINK)) };
}

/**
 * The fill for a canvas, from the photo's RGBA pixels (as drawn, colour
 * settings applied): the photo covering the fill's shape, centre cropped,
 * blurred and darkened.
 */
export function blurredFill(photo: Buffer, photoSize: Size, canvas: Size): FillImage {
  const { width, height } = fillSize(canvas);
  const { width: sw, height: sh } = photoSize;
  if (sw <= 0 || sh <= 0 || photo.length < sw * sh * 4) throw new RangeError(`blurredFill: ${photo.length} bytes is not a ${sw}×${sh} RGBA photo`);
  // The part of the photo with the fill's aspect ratio, centred, and how many photo pixels one fill pixel spans.
  const cell = Math.min(sw / width, sh / height);
  const x0 = (sw - cell * width) / 2;
  const y0 = (sh - cell * height) / 2;
  const columns = new Int32Array(width * SAMPLES);
  for (let i = 0; i < columns.length; i++) columns[i] = Math.min(sw - 1, Math.floor(x0 + ((i + 0.5) / SAMPLES) * cell));
  const rows = new Int32Array(height * SAMPLES);
  for (let j = 0; j < rows.length; j++) rows[j] = Math.min(sh - 1, Math.floor(y0 + ((j + 0.5) / SAMPLES) * cell)) * sw;
  let pixels: Float64Array = new Float64Array(width * height * 3);
  const n = SAMPLES * SAMPLES;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < SAMPLES; j++) {
        const row = rows[y * SAMPLES + j]!;
        for (let i = 0; i < SAMPLES; i++) {
          const p = (row + columns[x * SAMPLES + i]!) * 4;
          r += photo[p]!;
          g += photo[p + 1]!;
          b += photo[p + 2]!;
        }
      }
      const o = (y * width + x) * 3;
      pixels[o] = r / n;
      pixels[o + 1] = g / n;
      pixels[o + 2] = b / n;
    }
  }
  for (let pass = 0; pass < BLUR_PASSES; pass++) pixels = boxBlur(boxBlur(pixels, width, height, 1, width), width, height, width, height);
  const data = Buffer.allocUnsafe(width * height * 4);
  for (let i = 0, o = 0; i < width * height; i++, o += 3) {
    data[i * 4] = Math.round(pixels[o]! * FILL_LIGHTNESS);
    data[i * 4 + 1] = Math.round(pixels[o + 1]! * FILL_LIGHTNESS);
    data[i * 4 + 2] = Math.round(pixels[o + 2]! * FILL_LIGHTNESS);
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/**
 * One box blur of RGB values along rows (step 1, `length` = width) or columns
 * (step = width, `length` = height), edges clamped: a running sum, so the
 * cost does not grow with the radius.
 */
function boxBlur(source: Float64Array, width: number, height: number, step: number, length: number): Float64Array {
  const out = new Float64Array(source.length);
  const lines = step === 1 ? height : width;
  const lineStep = step === 1 ? width : 1;
  const span = 2 * BLUR_RADIUS + 1;
  const last = length - 1;
  for (let line = 0; line < lines; line++) {
    const base = line * lineStep;
    for (let c = 0; c < 3; c++) {
      const first = base * 3 + c;
      const stride = step * 3;
      // The window starts as the first value repeated past the edge, then slides: in at the front, out at the back.
      let sum = (BLUR_RADIUS + 1) * source[first]!;
      for (let d = 1; d <= BLUR_RADIUS; d++) sum += source[first + Math.min(last, d) * stride]!;
      for (let k = 0; k < length; k++) {
        out[first + k * stride] = sum / span;
        sum += source[first + Math.min(last, k + BLUR_RADIUS + 1) * stride]! - source[first + Math.max(0, k - BLUR_RADIUS) * stride]!;
      }
    }
  }
  return out;
}
