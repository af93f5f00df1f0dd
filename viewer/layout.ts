/**
 * Where a photo goes on the screen. Pure arithmetic, so the letterboxing, the
 * fills, the portrait mounting and the caption's corner can be checked
 * without a window. Everything is composed upright on the logical canvas,
 * then turned for the mounting (toScreenRect, outputRotation).
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

/** The rect with the image's aspect ratio that covers the box, centred: it reaches past two edges when the ratios differ. */
export function coverRect(image: Size, box: Size): Rect {
  if (image.width <= 0 || image.height <= 0 || box.width <= 0 || box.height <= 0) {
    return { x: 0, y: 0, width: 0, height: 0 };
  }
  const scale = Math.max(box.width / image.width, box.height / image.height);
  const width = Math.max(box.width, Math.round(image.width * scale));
  const height = Math.max(box.height, Math.round(image.height * scale));
  return { x: Math.floor((box.width - width) / 2), y: Math.floor((box.height - height) / 2), width, height };
}

export const FITS = ['contain', 'cover', 'blur'] as const;
/** contain: whole photo, black bars; cover: fills the canvas, centre cropped; blur: whole photo over a blurred, darkened copy of itself. */
export type Fit = (typeof FITS)[number];

/**
 * What a prepared frame is: `frame`, where it is drawn on the canvas, and
 * `photo`, where the sharp photo lies within the frame (past its edges for
 * cover). With blur, the rest of the frame is the fill.
 */
export interface FramePlan {
  frame: Rect;
  photo: Rect;
}

export function framePlan(image: Size, canvas: Size, fit: Fit): FramePlan {
  const whole = { x: 0, y: 0, width: canvas.width, height: canvas.height };
  switch (fit) {
    case 'contain': {
      const frame = fitRect(image, canvas);
      return { frame, photo: { x: 0, y: 0, width: frame.width, height: frame.height } };
    }
    case 'cover':
      return { frame: whole, photo: coverRect(image, canvas) };
    case 'blur':
      return { frame: whole, photo: fitRect(image, canvas) };
  }
}

/** The parts of the canvas around the photo (contain-fitted, so bars on two opposite sides at most). */
export function fillBars(photo: Rect, canvas: Size): Rect[] {
  return barsAround(photo, { x: 0, y: 0, width: canvas.width, height: canvas.height });
}

/** The parts of `outer` around `inner`: where a fill stretched over `outer` shows beside the photo at `inner`. */
export function barsAround(inner: Rect, outer: Rect): Rect[] {
  const right = inner.x + inner.width;
  const bottom = inner.y + inner.height;
  return [
    { x: outer.x, y: outer.y, width: outer.width, height: inner.y - outer.y },
    { x: outer.x, y: bottom, width: outer.width, height: outer.y + outer.height - bottom },
    { x: outer.x, y: inner.y, width: inner.x - outer.x, height: inner.height },
    { x: right, y: inner.y, width: outer.x + outer.width - right, height: inner.height },
  ].filter((bar) => bar.width > 0 && bar.height > 0);
}

/** The part of the photo that is seen within its frame. */
export function visiblePhoto(plan: FramePlan): Rect {
  const x = Math.max(0, plan.photo.x);
  const y = Math.max(0, plan.photo.y);
  const right = Math.min(plan.frame.width, plan.photo.x + plan.photo.width);
  const bottom = Math.min(plan.frame.height, plan.photo.y + plan.photo.height);
  return { x, y, width: Math.max(0, right - x), height: Math.max(0, bottom - y) };
}

/**
 * A caption's text height for a canvas: readable across a room on a TV
 * (about 1/28 of the canvas's shorter side: 38 px at 1080p), never tiny.
 */
export function captionTextHeight(canvas: Size): number {
  return Math.max(14, Math.round(Math.min(canvas.width, canvas.height) / 28));
}

/**
 * Where a caption of `text` size goes within the frame: the bottom right
 * corner of the photo as seen, inset by half a text height, and never wider
 * than the photo (a longer text is cut by its drawer). On a portrait-mounted
 * screen this is composed upright on the portrait canvas, so it stays the
 * bottom right corner for the viewer.
 */
export function captionRect(plan: FramePlan, text: Size, canvas: Size): Rect {
  const seen = visiblePhoto(plan);
  const margin = Math.round(captionTextHeight(canvas) / 2);
  const width = Math.max(0, Math.min(text.width, seen.width - 2 * margin));
  const height = Math.max(0, Math.min(text.height, seen.height - 2 * margin));
  return { x: seen.x + seen.width - margin - width, y: seen.y + seen.height - margin - height, width, height };
}

/**
 * The size renditions are fetched at: the canvas the photo is composed on.
 * A portrait-mounted 1920×1080 panel asks for 1080×1920, so a portrait photo
 * arrives at 1080×1440 rather than 810×1080 and is never enlarged.
 */
export function renditionBox(screen: Size, orientation: Orientation): Size {
  return logicalCanvas(screen, orientation);
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
