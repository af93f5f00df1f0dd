import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The X root window as RGB bytes, read with xwd and decoded here (no ImageMagick needed). */
export interface ScreenImage {
  width: number;
  height: number;
  /** 3 bytes per pixel, row-major. */
  rgb: Buffer;
  pixel(x: number, y: number): [number, number, number];
}

export async function captureScreen(display: string): Promise<ScreenImage> {
  const { stdout } = await run('xwd', ['-root', '-silent', '-display', display], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  return decodeXwd(stdout);
}

/**
 * Decodes a ZPixmap XWD dump of a TrueColor or DirectColor visual at depth 24,
 * as Xvfb produces. xwd may report 24 bits per pixel with 4-byte pixels, so
 * the pixel size is taken from the line length.
 */
export function decodeXwd(file: Buffer): ScreenImage {
  const field = (index: number) => file.readUInt32BE(index * 4);
  const headerSize = field(0);
  const format = field(2);
  const width = field(4);
  const height = field(5);
  const byteOrder = field(7);
  const bitsPerPixel = field(11);
  const bytesPerLine = field(12);
  const visualClass = field(13);
  const masks = [field(14), field(15), field(16)] as const;
  const colormapEntries = field(19);
  const bytesPerPixel = Math.floor(bytesPerLine / width);
  if (format !== 2 || (visualClass !== 4 && visualClass !== 5) || (bytesPerPixel !== 4 && bytesPerPixel !== 3)) {
    throw new Error(`unsupported xwd: format ${format}, visual ${visualClass}, ${bitsPerPixel} bpp, ${bytesPerLine} bytes a line`);
  }
  const dataStart = headerSize + colormapEntries * 12;
  // DirectColor maps each channel through the colormap; TrueColor values are the intensities.
  const lookup = [new Uint8Array(256), new Uint8Array(256), new Uint8Array(256)];
  for (let i = 0; i < 256; i++) for (const table of lookup) table[i] = i;
  if (visualClass === 5) {
    for (let i = 0; i < Math.min(colormapEntries, 256); i++) {
      const at = headerSize + i * 12;
      lookup[0]![i] = file.readUInt16BE(at + 4) >> 8;
      lookup[1]![i] = file.readUInt16BE(at + 6) >> 8;
      lookup[2]![i] = file.readUInt16BE(at + 8) >> 8;
    }
  }
  const shifts = masks.map((mask) => Math.log2(mask & -mask));
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = dataStart + y * bytesPerLine + x * bytesPerPixel;
      const value =
        bytesPerPixel === 4
          ? byteOrder === 0 ? file.readUInt32LE(at) : file.readUInt32BE(at)
          : byteOrder === 0 ? file.readUIntLE(at, 3) : file.readUIntBE(at, 3);
      const out = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) rgb[out + c] = lookup[c]![(value & masks[c]!) >>> shifts[c]!]!;
    }
  }
  return {
    width,
    height,
    rgb,
    pixel: (x, y) => {
      const at = (y * width + x) * 3;
      return [rgb[at]!, rgb[at + 1]!, rgb[at + 2]!];
    },
  };
}
