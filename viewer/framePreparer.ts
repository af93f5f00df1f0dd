import sharp from 'sharp';
import type { DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import { colourTransform, isNeutral } from './colourAdjustment.ts';
import { fitRect, logicalCanvas, outputRotation, toScreenRect, type Rect, type Size } from './layout.ts';

/** Pixels ready for the GPU: RGBA, exactly the size of the rect they are drawn into. */
export interface Frame {
  width: number;
  height: number;
  data: Buffer;
  rect: Rect;
}

/**
 * Decodes a cached photo into the frame for this screen: upright by its EXIF
 * orientation, scaled to its letterboxed rect, with the display's colour
 * settings, and turned for a portrait-mounted screen.
 */
export async function prepareFrame(
  file: string,
  screen: Size,
  settings: Pick<DisplaySettings, 'orientation' | 'brightness' | 'contrast' | 'saturation'>,
): Promise<Frame> {
  const meta = await sharp(file).metadata();
  if (!meta.width || !meta.height) throw new Error(`cannot prepare ${file}: no dimensions`);
  const quarterTurned = (meta.orientation ?? 1) >= 5;
  const upright = quarterTurned ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  const canvas = logicalCanvas(screen, settings.orientation);
  const rect = fitRect(upright, canvas);

  let pipeline = sharp(file).autoOrient().resize(rect.width, rect.height, { fit: 'fill' });
  if (!isNeutral(settings)) {
    const { matrix, offset } = colourTransform(settings);
    pipeline = pipeline.recomb(matrix).linear(1, offset);
  }
  let { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });

  const rotation = outputRotation(settings.orientation);
  if (rotation !== 0) {
    ({ data, info } = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
      .rotate(rotation)
      .raw()
      .toBuffer({ resolveWithObject: true }));
  }
  return { width: info.width, height: info.height, data, rect: toScreenRect(rect, screen, settings.orientation) };
}
