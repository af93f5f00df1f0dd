import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp, { type Sharp } from 'sharp';

export type Rgb = [number, number, number];

export async function tempDir(prefix = 'photoframe-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A JPEG of one colour. */
export async function solidJpeg(path: string, width: number, height: number, color: Rgb, exif?: { dateTaken?: string }): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  let image = sharp({ create: { width, height, channels: 3, background: { r: color[0], g: color[1], b: color[2] } } });
  if (exif?.dateTaken) image = image.withExif({ IFD2: { DateTimeOriginal: exif.dateTaken } });
  await image.jpeg({ quality: 95 }).toFile(path);
  return path;
}

/** A PNG whose left half is one colour and right half another, to check orientation on screen. */
export async function twoColourImage(width: number, height: number, left: Rgb, right: Rgb): Promise<Sharp> {
  const half = Math.floor(width / 2);
  const leftHalf = await sharp({ create: { width: half, height, channels: 3, background: { r: left[0], g: left[1], b: left[2] } } })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: { r: right[0], g: right[1], b: right[2] } } }).composite([
    { input: leftHalf, left: 0, top: 0 },
  ]);
}

/** A JPEG of one colour with grain, like a photo rather than a flat fill (deterministic). */
export async function grainyJpeg(width: number, height: number, colour: Rgb): Promise<Sharp> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0, seed = 11; i < pixels.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    pixels[i] = Math.max(0, Math.min(255, colour[i % 3]! + ((seed >> 16) % 17) - 8));
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 });
}

/** A valid JPEG cut short, as a copy interrupted mid-file leaves it. */
export async function truncatedJpeg(path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const whole = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 10, g: 200, b: 30 } } })
    .jpeg()
    .toBuffer();
  await writeFile(path, whole.subarray(0, Math.floor(whole.length / 2)));
  return path;
}

export async function textFile(path: string, text = 'not a photo\n'): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return path;
}

/** Colours within a tolerance: JPEG and scaling move a channel by a few levels. */
export function colourNear(actual: Rgb, expected: Rgb, tolerance = 24): boolean {
  return actual.every((value, i) => Math.abs(value - expected[i]!) <= tolerance);
}

/**
 * A JPEG that compresses and decodes like a photo: gaussian noise over
 * smooth colour, not a flat colour that libjpeg races through.
 */
export async function photoLikeJpeg(path: string, width: number, height: number, seed: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const tint = { r: (seed * 67) % 256, g: (seed * 131) % 256, b: (seed * 29) % 256, alpha: 0.5 };
  // Random bytes are fast to make; softened a little they read as grain and texture.
  const noise = sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).blur(0.8);
  await noise
    .composite([{ input: { create: { width, height, channels: 4, background: tint } }, blend: 'overlay' }])
    .jpeg({ quality: 90 })
    .toFile(path);
  return path;
}

/** RGBA pixels of one colour with deterministic grain: a frame as the viewer draws it, to compare a screen with. */
export function grainyRgba(width: number, height: number, colour: Rgb, seed: number): Buffer {
  const pixels = Buffer.alloc(width * height * 4);
  for (let i = 0, s = seed; i < width * height; i++) {
    for (let c = 0; c < 3; c++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      pixels[i * 4 + c] = Math.max(0, Math.min(255, colour[c]! + ((s >> 16) % 41) - 20));
    }
    pixels[i * 4 + 3] = 255;
  }
  return pixels;
}

/**
 * Two fit=blur frames as a screen with sdl_layers gets them: A a 2:1 grainy
 * photo with bars above and below, B a square one with bars left and right,
 * each over a uniform fill (stretched, a uniform fill stays exactly its
 * colour, so the screen to expect is known), and those screens as RGBA.
 */
export function fillFrames(width: number, height: number) {
  const frame = (photo: { x: number; y: number; width: number; height: number }, colour: Rgb, fillColour: Rgb, seed: number) => {
    const fill = { width: Math.ceil(width / 16), height: Math.ceil(height / 16) };
    const fillData = Buffer.alloc(fill.width * fill.height * 4);
    for (let i = 0; i < fill.width * fill.height; i++) fillData.set([...fillColour, 255], i * 4);
    const data = grainyRgba(photo.width, photo.height, colour, seed);
    const screen = Buffer.alloc(width * height * 4);
    for (let i = 0; i < width * height; i++) screen.set([...fillColour, 255], i * 4);
    for (let y = 0; y < photo.height; y++) data.copy(screen, ((photo.y + y) * width + photo.x) * 4, y * photo.width * 4, (y + 1) * photo.width * 4);
    return {
      frame: { width: photo.width, height: photo.height, data, rect: photo, fill: { ...fill, data: fillData, rect: { x: 0, y: 0, width, height } } },
      screen,
    };
  };
  const wide = { x: 0, y: Math.floor(height / 4), width, height: height - 2 * Math.floor(height / 4) };
  const square = { x: Math.floor((width - height) / 2), y: 0, width: height, height };
  const a = frame(wide, [200, 60, 40], [110, 40, 30], 1);
  const b = frame(square, [40, 90, 210], [30, 50, 120], 2);
  return { a: a.frame, b: b.frame, screenA: a.screen, screenB: b.screen };
}
