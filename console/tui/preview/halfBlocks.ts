/**
 * A picture drawn with `▀`: each character cell shows two pixels, the upper
 * as the foreground colour and the lower as the background. Pure: pixels in,
 * screen cells out.
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

/** One cell as blessed's screen buffer holds it: an attribute word and the text written for the cell. */
export type PreviewCell = [attr: number, ch: string];

/**
 * Rows of half-block cells for an RGB image `width` × `height` pixels
 * (height even: two pixel rows per cell row), in blessed's cell format so
 * blessed draws them, diffs them and repaints over them like any other cell.
 * Blessed's attribute word holds 256-colour indices only: in truecolor the
 * 24-bit colours ride in the cell's text as its own SGR, and the attribute
 * keeps the nearest 256 colours (blessed resets after the cell, so nothing
 * leaks into the next one).
 */
export function halfBlockCells(rgb: Uint8Array, width: number, height: number, colors: PreviewColors): PreviewCell[][] {
  const rows: PreviewCell[][] = [];
  for (let y = 0; y + 1 < height; y += 2) {
    const row: PreviewCell[] = [];
    for (let x = 0; x < width; x++) {
      const upper = (y * width + x) * 3;
      const lower = ((y + 1) * width + x) * 3;
      const fg = xterm256(rgb[upper]!, rgb[upper + 1]!, rgb[upper + 2]!);
      const bg = xterm256(rgb[lower]!, rgb[lower + 1]!, rgb[lower + 2]!);
      const ch =
        colors === 'truecolor'
          ? `\x1b[38;2;${rgb[upper]};${rgb[upper + 1]};${rgb[upper + 2]};48;2;${rgb[lower]};${rgb[lower + 1]};${rgb[lower + 2]}m▀`
          : '▀';
      row.push([(fg << 9) | bg, ch]);
    }
    rows.push(row);
  }
  return rows;
}

/** The colour depth to draw with, from the terminal's environment. */
export function previewColorsFor(env: { COLORTERM?: string; TERM?: string }): PreviewColors {
  if (/truecolor|24bit/i.test(env.COLORTERM ?? '') || /direct|truecolor/i.test(env.TERM ?? '')) return 'truecolor';
  return '256';
}
