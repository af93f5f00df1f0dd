/**
 * A caption drawn as RGBA pixels: white text with a dark outline and a soft
 * shadow, so it reads on a white sky and on a black night alike. Rendered by
 * sharp (librsvg) from SVG, in DejaVu Sans (Debian's fonts-dejavu-core).
 */
import sharp from 'sharp';
import { captionTextHeight, type Size } from './layout.ts';

export interface CaptionImage extends Size {
  data: Buffer;
  raw: { width: number; height: number; channels: 4 };
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The caption for a canvas, sized for it (captionTextHeight); the text sits right-aligned in the image. */
export async function renderCaption(text: string, canvas: Size): Promise<CaptionImage> {
  const size = captionTextHeight(canvas);
  const pad = Math.ceil(size * 0.25);
  // Generous: DejaVu Sans averages ~0.6 em a character; the empty left part is transparent.
  const width = Math.ceil(text.length * size * 0.68) + 2 * pad;
  const height = Math.ceil(size * 1.3) + 2 * pad;
  const outline = Math.max(2, Math.round(size / 9));
  const baseline = pad + Math.round(size * 1.0);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<defs><filter id="s" x="-10%" y="-30%" width="120%" height="160%"><feGaussianBlur stdDeviation="${(size / 10).toFixed(1)}"/></filter></defs>
<g font-family="DejaVu Sans" font-size="${size}" text-anchor="end">
<text x="${width - pad}" y="${baseline + outline}" fill="black" fill-opacity="0.6" stroke="black" stroke-width="${outline * 2}" filter="url(#s)">${escapeXml(text)}</text>
<text x="${width - pad}" y="${baseline}" fill="white" stroke="black" stroke-opacity="0.85" stroke-width="${outline}" stroke-linejoin="round" paint-order="stroke">${escapeXml(text)}</text>
</g></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data, raw: { width: info.width, height: info.height, channels: 4 } };
}
