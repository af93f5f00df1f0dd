import sharp from 'sharp';

/** A thumbnail scaled to fit `columns` × `rows` cells (two pixels a cell vertically), as raw RGB. */
export async function thumbnailPixels(path: string, columns: number, rows: number): Promise<{ rgb: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(path)
    .resize(columns, rows * 2, { fit: 'inside' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  // An odd pixel height would leave the last line half drawn; drop that row.
  const height = info.height - (info.height % 2);
  return { rgb: data.subarray(0, info.width * height * 3), width: info.width, height };
}
