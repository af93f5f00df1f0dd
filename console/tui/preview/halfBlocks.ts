/**
 * A picture drawn with `▀`: each character cell shows two pixels, the upper
 * as the foreground colour and the lower as the background. Pure: pixels in,
 * escape-coded lines out.
 */
export type PreviewColors = 'truecolor' | '256';

/** The nearest colour of xterm's 256-colour palette: the 6×6×6 cube or the grey ramp. */
export function xterm256(r: number, g: number, b: number): number {
  const level = (v: number) => (v < 48 ? 0 : v < 115 ? 1 : Math.min(5, Math.floor((v - 35) / 40)));
  const cubeValue = (l: number) => (l === 0 ? 0 : 55 + l * 40);
  const [lr, lg, lb] = [level(r), level(g), level(b)];
  const cube = 16 + 36 * lr + 6 * lg + lb;
  const cubeError = (cubeValue(lr) - r) ** 2 + (cubeValue(lg) - g) ** 2 + (cubeValue(lb) - b) ** 2;
  const grey = Math.round((r + g + b) / 3);
  const greyIndex = Math.max(0, Math.min(23, Math.round((grey - 8) / 10)));
  const greyValue = 8 + greyIndex * 10;
  const greyError = (greyValue - r) ** 2 + (greyValue - g) ** 2 + (greyValue - b) ** 2;
  return greyError < cubeError ? 232 + greyIndex : cube;
}

/**
 * Lines of half-block characters for an RGB image `width` × `height` pixels
 * (height even: two pixel rows per line). Each line ends by resetting colours.
 */
export function halfBlockLines(rgb: Uint8Array, width: number, height: number, colors: PreviewColors): string[] {
  const lines: string[] = [];
  const code = (at: number, ground: 38 | 48) =>
    colors === 'truecolor'
      ? `${ground};2;${rgb[at]};${rgb[at + 1]};${rgb[at + 2]}`
      : `${ground};5;${xterm256(rgb[at]!, rgb[at + 1]!, rgb[at + 2]!)}`;
  for (let y = 0; y + 1 < height; y += 2) {
    let line = '';
    let last = '';
    for (let x = 0; x < width; x++) {
      const upper = (y * width + x) * 3;
      const lower = ((y + 1) * width + x) * 3;
      const sgr = `${code(upper, 38)};${code(lower, 48)}`;
      // Neighbouring cells of one colour share a single escape: photos are noisy, flat areas are not.
      line += sgr === last ? '▀' : `\x1b[${sgr}m▀`;
      last = sgr;
    }
    lines.push(`${line}\x1b[0m`);
  }
  return lines;
}

/** The colour depth to draw with, from the terminal's environment. */
export function previewColorsFor(env: { COLORTERM?: string; TERM?: string }): PreviewColors {
  if (/truecolor|24bit/i.test(env.COLORTERM ?? '') || /direct|truecolor/i.test(env.TERM ?? '')) return 'truecolor';
  return '256';
}
