/**
 * Where a photo goes on the screen. Pure arithmetic, so the letterboxing and
 * the portrait mounting can be checked without a window.
 */
import type { Orientation } from '../common/protocol/codecs/settingsCodec.ts';

export interface Size {
  width: number;
  height: number;
}

export interface Rect extends Size {
  x: number;
  y: number;
}

/** The largest rect with the image's aspect ratio that fits in the box, centred: letterbox or pillarbox. */
export function fitRect(image: Size, box: Size): Rect {
  if (image.width <= 0 || image.height <= 0 || box.width <= 0 || box.height <= 0) {
    return { x: 0, y: 0, width: 0, height: 0 };
  }
  const scale = Math.min(box.width / image.width, box.height / image.height);
  const width = Math.max(1, Math.min(box.width, Math.round(image.width * scale)));
  const height = Math.max(1, Math.min(box.height, Math.round(image.height * scale)));
  return { x: Math.floor((box.width - width) / 2), y: Math.floor((box.height - height) / 2), width, height };
}

/**
 * The canvas the viewer composes on. A screen mounted portrait (V) is a
 * landscape panel turned a quarter clockwise, so we compose upright on a
 * portrait canvas and turn the result a quarter counter-clockwise.
 */
export function logicalCanvas(screen: Size, orientation: Orientation): Size {
  return orientation === 'V' ? { width: screen.height, height: screen.width } : screen;
}

/** Maps a rect on the logical canvas to the physical screen, for the given mounting. */
export function toScreenRect(rect: Rect, screen: Size, orientation: Orientation): Rect {
  if (orientation !== 'V') return rect;
  // A quarter turn counter-clockwise sends (x, y) on a canvas of width W to (y, W - x).
  const canvasWidth = screen.height;
  return { x: rect.y, y: canvasWidth - rect.x - rect.width, width: rect.height, height: rect.width };
}

/** Degrees sharp must turn the upright photo for the mounting. */
export function outputRotation(orientation: Orientation): 0 | 270 {
  return orientation === 'V' ? 270 : 0;
}
