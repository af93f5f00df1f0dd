import sharp from 'sharp';
import type { DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import { renderCaption, type CaptionImage } from './captionImage.ts';
import { colourTransform, isNeutral } from './colourAdjustment.ts';
import { blurredFill, type FillImage } from './blurredFill.ts';
import { captionRect, fillBars, framePlan, logicalCanvas, outputRotation, toScreenRect, type Rect, type Size } from './layout.ts';

/** Pixels ready for the GPU: RGBA, exactly the size of the rect they are drawn into. */
export interface Frame {
  width: number;
  height: number;
  data: Buffer;
  rect: Rect;
  /** fit=blur on a screen that stretches fills itself: drawn stretched over its rect, under the photo. */
  fill?: FrameFill;
}

/** A small opaque RGBA image that the screen stretches (linearly filtered) over `rect`. */
export interface FrameFill {
  width: number;
  height: number;
  data: Buffer;
  rect: Rect;
}

/** The settings that change a frame's pixels. */
export type FrameSettings = Pick<DisplaySettings, 'orientation' | 'brightness' | 'contrast' | 'saturation' | 'fit'>;

export interface PrepareOptions {
  /**
   * The screen draws a frame's `fill` stretched under its photo (sdl_layers,
   * see SdlScreen.canStretchFill): a blur frame is then its photo, as contain
   * makes it, and a fill of a few kB. Without it the fill is enlarged into the
   * bars here, on libvips' threads, and the frame covers the whole canvas.
   */
  stretchFill?: boolean;
}

// On the CPU, the fill is enlarged bilinearly to a 4× shrink, then to the screen by repeating pixels,
// only where the bars are: libvips' bilinear enlargement to 1080p cost 60-75 ms, nearest 4-8 ms, and
// on a fill this soft a 4 px step is not seen.
const FILL_STEP = 4;

/**
 * Decodes a cached photo into the frame for this screen: upright by its EXIF
 * orientation, laid out by `fit` on the canvas (contain: the photo's rect;
 * cover: the canvas, cropped to the centre; blur: the whole photo over a
 * blurred, darkened copy of itself that fills the canvas), with the display's
 * colour settings and the caption, and turned for a portrait-mounted screen.
 * Every fill is made here, once per photo, never per draw, and from the
 * photo's own decode: the file is decoded once whatever the fit.
 */
export async function prepareFrame(file: string, screen: Size, settings: FrameSettings, caption: string | null = null, options: PrepareOptions = {}): Promise<Frame> {
  const meta = await sharp(file).metadata();
  if (!meta.width || !meta.height) throw new Error(`cannot prepare ${file}: no dimensions`);
  const quarterTurned = (meta.orientation ?? 1) >= 5;
  const upright = quarterTurned ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  const canvas = logicalCanvas(screen, settings.orientation);
  const fit = settings.fit ?? 'contain';
  // A blur frame's photo is exactly what contain makes; its fill is made from those pixels.
  const plan = framePlan(upright, canvas, fit === 'blur' ? 'contain' : fit);

  let pipeline = sharp(file).autoOrient().resize(plan.frame.width, plan.frame.height, { fit: fit === 'cover' ? 'cover' : 'fill', position: 'centre' });
  if (!isNeutral(settings)) {
    const { matrix, offset } = colourTransform(settings);
    pipeline = pipeline.recomb(matrix).linear(1, offset);
  }
  const photo = { width: plan.frame.width, height: plan.frame.height, data: await pipeline.ensureAlpha().raw().toBuffer() };
  // Before the caption: the fill is of the photo alone.
  const fill = fit === 'blur' ? blurredFill(photo.data, photo, canvas) : null;
  if (caption) {
    // Drawn upright on the canvas, so a portrait-mounted screen turns it with the photo.
    const image = await renderCaption(caption, canvas);
    const at = captionRect(plan, image, canvas);
    // A caption wider or taller than the photo loses its left and top: the corner stays.
    if (at.width > 0 && at.height > 0) blendOver(photo.data, photo.width, at, image, image.width - at.width, image.height - at.height);
  }

  const rotation = outputRotation(settings.orientation);
  const whole = { x: 0, y: 0, width: canvas.width, height: canvas.height };
  if (fill === null) return { ...(await turned(photo, rotation)), rect: toScreenRect(plan.frame, screen, settings.orientation) };
  if (options.stretchFill) {
    return {
      ...(await turned(photo, rotation)),
      rect: toScreenRect(plan.frame, screen, settings.orientation),
      fill: { ...(await turned(fill, rotation)), rect: toScreenRect(whole, screen, settings.orientation) },
    };
  }
  const composed = { width: canvas.width, height: canvas.height, data: await composeOnCanvas(photo, plan.frame, fill, canvas) };
  return { ...(await turned(composed, rotation)), rect: toScreenRect(whole, screen, settings.orientation) };
}

interface Pixels {
  width: number;
  height: number;
  data: Buffer;
}

/** RGBA pixels turned by `rotation` degrees (sharp), or as they are. */
async function turned(image: Pixels, rotation: 0 | 270): Promise<Pixels> {
  if (rotation === 0) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .rotate(rotation)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/**
 * The photo over its fill on the whole canvas, for a screen that cannot
 * stretch the fill itself: the fill enlarged (libvips, off the event loop)
 * only where the bars are, then the rows put together by copies.
 */
async function composeOnCanvas(photo: Pixels, at: Rect, fill: FillImage, canvas: Size): Promise<Buffer> {
  const raw = (image: Pixels) => ({ raw: { width: image.width, height: image.height, channels: 4 as const } });
  // One resize per sharp pipeline: the smooth enlargement is a pipeline of its own.
  const { data: smooth, info } = await sharp(fill.data, raw(fill))
    .resize(Math.ceil(canvas.width / FILL_STEP), Math.ceil(canvas.height / FILL_STEP), { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const bars = fillBars(at, canvas);
  const barPixels = await Promise.all(
    bars.map((bar) =>
      sharp(smooth, raw({ width: info.width, height: info.height, data: smooth }))
        .resize(canvas.width, canvas.height, { fit: 'fill', kernel: 'nearest' })
        .extract({ left: bar.x, top: bar.y, width: bar.width, height: bar.height })
        .raw()
        .toBuffer(),
    ),
  );
  const data = Buffer.allocUnsafe(canvas.width * canvas.height * 4);
  bars.forEach((bar, i) => copyRect(barPixels[i]!, bar.width, data, canvas.width, bar.x, bar.y, bar.height));
  // The sharp photo over the fill, row by row: a copy, where a libvips composite would blend every pixel.
  copyRect(photo.data, photo.width, data, canvas.width, at.x, at.y, at.height);
  return data;
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
