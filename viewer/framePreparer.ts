import sharp, { type Sharp } from 'sharp';
import type { DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import { renderCaption } from './captionImage.ts';
import { colourTransform, isNeutral } from './colourAdjustment.ts';
import { captionRect, framePlan, logicalCanvas, outputRotation, toScreenRect, type Rect, type Size } from './layout.ts';

/** Pixels ready for the GPU: RGBA, exactly the size of the rect they are drawn into. */
export interface Frame {
  width: number;
  height: number;
  data: Buffer;
  rect: Rect;
}

/** The settings that change a frame's pixels. */
export type FrameSettings = Pick<DisplaySettings, 'orientation' | 'brightness' | 'contrast' | 'saturation' | 'fit'>;

// The blurred fill is made from the photo shrunk this much: a blur of a few pixels there is a blur of
// tens at full size, for a sixty-fourth of the work (bench: blur vs contain).
const FILL_SHRINK = 8;
const FILL_BLUR_SIGMA = 3;
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

  let pipeline: Sharp;
  if (fit === 'blur') {
    // The photo once, at its size on the canvas; the fill is made from those pixels, not from the file again.
    const photo = await colour(sharp(file).autoOrient().resize(plan.photo.width, plan.photo.height, { fit: 'fill' }))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const raw = { width: photo.info.width, height: photo.info.height, channels: photo.info.channels };
    const small = await sharp(photo.data, { raw })
      .resize(Math.ceil(canvas.width / FILL_SHRINK), Math.ceil(canvas.height / FILL_SHRINK), { fit: 'cover' })
      .blur(FILL_BLUR_SIGMA)
      .linear(FILL_LIGHTNESS, 0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    pipeline = sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: small.info.channels } })
      .resize(canvas.width, canvas.height, { fit: 'fill', kernel: 'linear' })
      .composite([{ input: photo.data, raw, left: plan.photo.x, top: plan.photo.y }]);
  } else {
    pipeline = colour(sharp(file).autoOrient().resize(plan.frame.width, plan.frame.height, { fit: fit === 'cover' ? 'cover' : 'fill', position: 'centre' }));
  }
  if (caption) {
    // Drawn upright on the canvas, so a portrait-mounted screen turns it with the photo.
    const image = await renderCaption(caption, canvas);
    const at = captionRect(plan, image, canvas);
    if (at.width > 0 && at.height > 0) {
      // Made first: sharp composites before it resizes, and the caption goes on the resized photo.
      const base = await pipeline.raw().toBuffer({ resolveWithObject: true });
      pipeline = sharp(base.data, { raw: { width: base.info.width, height: base.info.height, channels: base.info.channels } });
      // A caption wider or taller than the photo loses its left and top: the corner stays.
      const cut =
        at.width < image.width || at.height < image.height
          ? await sharp(image.data, { raw: image.raw }).extract({ left: image.width - at.width, top: image.height - at.height, width: at.width, height: at.height }).raw().toBuffer()
          : image.data;
      pipeline = pipeline.composite([{ input: cut, raw: { width: at.width, height: at.height, channels: 4 }, left: at.x, top: at.y }]);
    }
  }
  let { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });

  const rotation = outputRotation(settings.orientation);
  if (rotation !== 0) {
    ({ data, info } = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
      .rotate(rotation)
      .raw()
      .toBuffer({ resolveWithObject: true }));
  }
  return { width: info.width, height: info.height, data, rect: toScreenRect(plan.frame, screen, settings.orientation) };
}
