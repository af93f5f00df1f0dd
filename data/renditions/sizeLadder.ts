/**
 * The only sizes renditions are made at: common screens and their portrait
 * forms. Any requested size snaps up to a rung, so a photo has at most this
 * many renditions however many sizes are asked for.
 */
export interface Size {
  width: number;
  height: number;
}

const LANDSCAPE: readonly Size[] = [
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
  { width: 2560, height: 1440 },
  { width: 3840, height: 2160 },
];

export const SIZE_LADDER: readonly Size[] = [...LANDSCAPE, ...LANDSCAPE.map(({ width, height }) => ({ width: height, height: width }))];

/**
 * The rung a request for `wanted` gets for a photo of `original` size
 * (upright): the smallest rung of the same orientation that covers the
 * request, or the top one. When a smaller rung already holds the whole
 * photo, that rung: a larger one would only repeat the same pixels, since
 * renditions are never larger than the original.
 */
export function snapToLadder(wanted: Size, original: Size): Size {
  const portrait = wanted.height > wanted.width;
  const rungs = SIZE_LADDER.filter((rung) => rung.height > rung.width === portrait);
  const covering = rungs.find((rung) => rung.width >= wanted.width && rung.height >= wanted.height) ?? rungs[rungs.length - 1]!;
  const holdingOriginal = rungs.find((rung) => rung.width >= original.width && rung.height >= original.height);
  if (holdingOriginal && holdingOriginal.width < covering.width) return holdingOriginal;
  return covering;
}
