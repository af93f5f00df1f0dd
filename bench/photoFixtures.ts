import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/**
 * Photo-like JPEGs for benchmarks: soft grain over a colour wash with a few
 * shapes, so the encoder and decoder work as hard as on a camera's output
 * (flat colours compress and decode many times faster than any real photo).
 * One texture is made per size and shifted per photo, which keeps making a
 * hundred of them cheap while every file's content differs.
 */
const textures = new Map<string, Promise<Buffer>>();

function texture(width: number, height: number): Promise<Buffer> {
  const key = `${width}x${height}`;
  let made = textures.get(key);
  if (!made) {
    made = sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
      .blur(1.1)
      .raw()
      .toBuffer();
    textures.set(key, made);
  }
  return made;
}

export async function benchPhoto(path: string, width: number, height: number, seed: number, quality = 90): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const grain = await texture(width, height);
  const wash = { r: (seed * 67) % 256, g: (seed * 131) % 256, b: (seed * 29) % 256, alpha: 0.55 };
  const shape = Buffer.from(
    `<svg width="${width}" height="${height}"><circle cx="${(seed * 211) % width}" cy="${(seed * 97) % height}" r="${height / 4}" fill="rgb(${(seed * 13) % 256},${(seed * 7) % 256},200)" fill-opacity="0.6"/></svg>`,
  );
  await sharp(grain, { raw: { width, height, channels: 3 } })
    .composite([
      { input: { create: { width, height, channels: 4, background: wash } }, blend: 'overlay' },
      { input: shape, blend: 'soft-light' },
    ])
    .jpeg({ quality })
    .toFile(path);
}

/**
 * Puts `names` in a viewer's cache at the screen's size, as the image server
 * would have left them: grain, tinted apart per photo so a pixel read back
 * from the screen tells which photo is up. A viewer then starts from its
 * cache with no image server in the run.
 */
export async function seedViewerCache(cacheDir: string, screen: { width: number; height: number }, names: readonly string[]): Promise<void> {
  const dir = join(cacheDir, `${screen.width}x${screen.height}`);
  await mkdir(dir, { recursive: true });
  await Promise.all(
    names.map((name, i) =>
      sharp({ create: { ...screen, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
        .blur(1.5)
        .tint({ r: (i * 97) % 256, g: (i * 57) % 256, b: (i * 151) % 256 })
        .jpeg({ quality: 88 })
        .toFile(join(dir, name)),
    ),
  );
}
