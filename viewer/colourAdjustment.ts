/**
 * Brightness, contrast and saturation folded into one affine colour transform
 * (a 3×3 matrix and an offset), so the viewer applies all three in a single
 * cheap per-pixel pass instead of a trip through another colour space.
 *
 * out = contrast · (brightness · S · rgb − 128) + 128, where S mixes each
 * pixel with its Rec. 709 luma: S = (1 − saturation) · L + saturation · I.
 */
export interface ColourSettings {
  brightness: number;
  contrast: number;
  saturation: number;
}

const LUMA = [0.2126, 0.7152, 0.0722] as const;

export type Matrix3 = [[number, number, number], [number, number, number], [number, number, number]];

export interface ColourTransform {
  matrix: Matrix3;
  offset: number;
}

export function isNeutral(settings: ColourSettings): boolean {
  return settings.brightness === 1 && settings.contrast === 1 && settings.saturation === 1;
}

export function colourTransform({ brightness, contrast, saturation }: ColourSettings): ColourTransform {
  const scale = contrast * brightness;
  const row = (channel: number): [number, number, number] =>
    [0, 1, 2].map((j) => scale * ((1 - saturation) * LUMA[j]! + (j === channel ? saturation : 0))) as [number, number, number];
  return { matrix: [row(0), row(1), row(2)], offset: 128 * (1 - contrast) };
}

/** The transform applied to one pixel, clamped as an 8-bit image would be; for tests and reasoning. */
export function applyToPixel(transform: ColourTransform, rgb: [number, number, number]): [number, number, number] {
  return transform.matrix.map((row) => {
    const value = row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2] + transform.offset;
    return Math.min(255, Math.max(0, Math.round(value)));
  }) as [number, number, number];
}
