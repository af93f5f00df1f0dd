import sharp, { type Sharp } from 'sharp';
import type { DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import { renderCaption, type CaptionImage } from './captionImage.ts';
import { colourTransform, isNeutral } from './colourAdjustment.ts';
import { captionRect, fillBars, framePlan, logicalCanvas, outputRotation, toScreenRect, type Rect, type Size } from './layout.ts';

/** Pixels ready for the GPU: RGBA, exactly the size of the rect they are drawn into. */
export interface Frame {
  width: number;
  height: number;
  data: Buffer;
  rect: Rect;
}

/** The settings that change a frame's pixels. */
export type FrameSettings = Pick<DisplaySettings, 'orientation' | 'brightness' | 'contrast' | 'saturation' | 'fit'>;

// The blurred fill: the photo shrunk 16× (a JPEG decodes at 1/8 directly, DCT scaling, in parallel
// with the photo's own decode), blurred there (σ 2.5 is 40 px on screen), enlarged bilinearly to a
// 4× shrink, then to the screen by repeating pixels, only where the bars are (libvips' bilinear
// enlargement to 1080p cost 60-75 ms, nearest 4-8 ms, and on a fill this soft a 4 px step is not
// seen). Against blurring at a 4× shrink and enlarging the whole screen it measured the same on a
// loaded 2-core machine (bench: prepare with fit=blur against contain): what the fill costs is its
// decode, which at 1/8 still takes ~70% of a full decode of a grainy photo (the entropy decoding),
// and it overlaps the photo's only when a core is free.
const FILL_SHRINK = 16;
const FILL_BLUR_SIGMA = 2.5;
const FILL_STEP = 4;
// Darker than the photo, so the eye stays on the photo.
const FILL_LIGHTNESS = 0.55;

/**
 * Decodes a cached photo into the frame for this screen: upright by its EXIF
 * orientation, laid out by `fit` on the canvas (contain: the photo's rect;
 * cover: the canvas, cropped to the centre; blur: the canvas, the whole photo
 * over a blurred, darkened copy of itself), with the display's colour
 * settings and the caption, and turned for a portrait-mounted screen. Every
 * fill is made here, once per photo, never per draw.
 */
export async function prepareFrame(file: string, screen: Size, settings: FrameSettings, caption: string | null = null): Promise<Frame> {
  const meta = await sharp(file).metadata();
  if (!meta.width || !meta.height) throw new Error(`cannot prepare ${file}: no dimensions`);
  const quarterTurned = (meta.orientation ?? 1) >= 5;
  const upright = quarterTurned ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  const canvas = logicalCanvas(screen, settings.orientation);
  const fit = settings.fit ?? 'contain';
  const plan = framePlan(upright, canvas, fit);

  const colour = (pipeline: Sharp) => {
    if (isNeutral(settings)) return pipeline;
    const { matrix, offset } = colourTransform(settings);
    return pipeline.recomb(matrix).linear(1, offset);
  };

  // Darkened in the same step as the colour settings: sharp keeps one linear() per pipeline.
  const fillColour = (pipeline: Sharp) => {
    if (isNeutral(settings)) return pipeline.linear(FILL_LIGHTNESS, 0);
    const { matrix, offset } = colourTransform(settings);
    return pipeline.recomb(matrix).linear(FILL_LIGHTNESS, offset * FILL_LIGHTNESS);
  };

  const rgba = { width: plan.frame.width, height: plan.frame.height, channels: 4 as const };
  let data: Buffer;
  if (fit === 'blur') {
    // The photo as contain makes it, and beside it (on libvips' threads) only the bars of the fill:
    // libvips makes pixels on demand, so cutting the bars out of the enlarged fill never makes the
    // pixels under the photo; then the rows are put together by copies.
    // (One resize per sharp pipeline: the smooth enlargement is a pipeline of its own.)
    const fill = fillColour(sharp(file).autoOrient().resize(Math.ceil(canvas.width / FILL_SHRINK), Math.ceil(canvas.height / FILL_SHRINK), { fit: 'cover' }))
      .blur(FILL_BLUR_SIGMA)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
      .then(({ data: tiny, info }) =>
        sharp(tiny, { raw: { width: info.width, height: info.height, channels: 3 } })
          .resize(Math.ceil(canvas.width / FILL_STEP), Math.ceil(canvas.height / FILL_STEP), { fit: 'fill', kernel: 'linear' })
          .raw()
          .toBuffer({ resolveWithObject: true }),
      );
    const bars = fillBars(plan.photo, canvas);
    const [photo, barPixels] = await Promise.all([
      colour(sharp(file).autoOrient().resize(plan.photo.width, plan.photo.height, { fit: 'fill' })).ensureAlpha().raw().toBuffer(),
      fill.then((small) =>
        Promise.all(
          bars.map((bar) =>
            sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: 3 } })
              .resize(canvas.width, canvas.height, { fit: 'fill', kernel: 'nearest' })
              .extract({ left: bar.x, top: bar.y, width: bar.width, height: bar.height })
              .ensureAlpha()
              .raw()
              .toBuffer(),
          ),
        ),
      ),
    ]);
    data = Buffer.allocUnsafe(rgba.width * rgba.height * 4);
    bars.forEach((bar, i) => copyRect(barPixels[i]!, bar.width, data, rgba.width, bar.x, bar.y, bar.height));
    // The sharp photo over the fill, row by row: a copy, where a libvips composite would blend every pixel.
    copyRect(photo, plan.photo.width, data, rgba.width, plan.photo.x, plan.photo.y, plan.photo.height);
  } else {
    ({ data } = await colour(sharp(file).autoOrient().resize(plan.frame.width, plan.frame.height, { fit: fit === 'cover' ? 'cover' : 'fill', position: 'centre' }))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true }));
  }
  if (caption) {
    // Drawn upright on the canvas, so a portrait-mounted screen turns it with the photo.
    const image = await renderCaption(caption, canvas);
    const at = captionRect(plan, image, canvas);
    // A caption wider or taller than the photo loses its left and top: the corner stays.
    if (at.width > 0 && at.height > 0) blendOver(data, rgba.width, at, image, image.width - at.width, image.height - at.height);
  }
  let info = rgba as { width: number; height: number; channels: number };

  const rotation = outputRotation(settings.orientation);
  if (rotation !== 0) {
    ({ data, info } = await sharp(data, { raw: rgba })
      .rotate(rotation)
      .raw()
      .toBuffer({ resolveWithObject: true }));
  }
  return { width: info.width, height: info.height, data, rect: toScreenRect(plan.frame, screen, settings.orientation) };
}

/** Copies an RGBA image of `height` rows into a wider RGBA buffer at (x, y). */
function copyRect(source: Buffer, sourceWidth: number, target: Buffer, targetWidth: number, x: number, y: number, height: number): void {
  const rowBytes = sourceWidth * 4;
  for (let row = 0; row < height; row++) source.copy(target, ((y + row) * targetWidth + x) * 4, row * rowBytes, (row + 1) * rowBytes);
}

/** Blends the part of `image` from (sx, sy) over the RGBA frame at `at`, by the image's alpha: a few thousand pixels, in place. */
function blendOver(frame: Buffer, frameWidth: number, at: Rect, image: CaptionImage, sx: number, sy: number): void {
  for (let row = 0; row < at.height; row++) {
    for (let column = 0; column < at.width; column++) {
      const from = ((sy + row) * image.width + sx + column) * 4;
      const alpha = image.data[from + 3]!;
      if (alpha === 0) continue;
      const to = ((at.y + row) * frameWidth + at.x + column) * 4;
      for (let c = 0; c < 3; c++) frame[to + c] = Math.round((image.data[from + c]! * alpha + frame[to + c]! * (255 - alpha)) / 255);
    }
  }
}
