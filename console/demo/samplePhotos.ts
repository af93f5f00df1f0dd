import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/**
 * A handful of generated "photos" for the demo: bold colour fields that are
 * easy to tell apart on a screen. One is stored sideways with an EXIF
 * orientation, to show that displays turn photos upright.
 */
const PALETTES: [string, string, string][] = [
  ['#0b3d91', '#f9a602', '#ffffff'],
  ['#1b5e20', '#a5d6a7', '#fff59d'],
  ['#b71c1c', '#ffcdd2', '#212121'],
  ['#4a148c', '#ce93d8', '#ffeb3b'],
  ['#006064', '#80deea', '#ff7043'],
  ['#3e2723', '#d7ccc8', '#8bc34a'],
];

function artwork(width: number, height: number, [background, middle, accent]: [string, string, string], seed: number): string {
  const circles = Array.from({ length: 7 }, (_, i) => {
    const x = ((seed * 97 + i * 211) % 100) / 100;
    const y = ((seed * 53 + i * 137) % 100) / 100;
    const r = 40 + ((seed * 31 + i * 71) % 160);
    return `<circle cx="${Math.round(x * width)}" cy="${Math.round(y * height)}" r="${r}" fill="${i % 2 ? accent : middle}" opacity="0.8"/>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${background}"/><stop offset="1" stop-color="${middle}"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>${circles}</svg>`;
}

/** Writes the samples into `dir` unless they are already there; returns the folder. */
export async function ensureSamplePhotos(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const existing = (await readdir(dir)).filter((name) => name.endsWith('.jpg'));
  if (existing.length >= PALETTES.length) return dir;
  await Promise.all(
    PALETTES.map(async (palette, i) => {
      const sideways = i === 2;
      const [width, height] = sideways ? [1600, 1200] : [1920, 1280];
      let image = sharp(Buffer.from(artwork(width, height, palette, i + 1))).withExif({
        IFD0: { Make: 'photoframe', Model: 'sample generator', DateTime: `2024:0${i + 1}:15 10:00:00` },
        IFD2: { DateTimeOriginal: `2024:0${i + 1}:15 10:00:00` },
      });
      if (sideways) image = image.withMetadata({ orientation: 6 });
      await image.jpeg({ quality: 90 }).toFile(join(dir, `sample-${i + 1}.jpg`));
    }),
  );
  return dir;
}
