/**
 * The crossfade as pure arithmetic: how far a fade is at a moment, and the
 * layers the renderer draws for it. No clock is read here; the presenter
 * passes the time.
 */
import { barsAround, type Rect } from './layout.ts';
import { BLEND, type Layer } from './sdlLayers.ts';

export const TRANSITIONS = ['none', 'crossfade'] as const;
export type TransitionKind = (typeof TRANSITIONS)[number];

/** How a new photo replaces the one on screen. */
export type Transition = { kind: 'none' } | { kind: 'crossfade'; ms: number };

export const CUT: Transition = Object.freeze({ kind: 'none' });

/** A photo's texture on the renderer and where it is drawn; with fit=blur, its small fill stretched under it. */
export interface Placed {
  texture: number;
  rect: Rect;
  fill?: { texture: number; rect: Rect };
}

/** 0 at the start, 1 at the end; eased (smoothstep) so the change neither starts nor stops abruptly. */
export function fadeProgress(elapsedMs: number, durationMs: number): number {
  if (durationMs <= 0 || elapsedMs >= durationMs) return 1;
  if (elapsedMs <= 0) return 0;
  const t = elapsedMs / durationMs;
  return t * t * (3 - 2 * t);
}

const layer = (texture: number, rect: Rect, alpha: number, blend: Layer['blend'], shade: number, clip?: Rect): Layer => ({
  texture,
  alpha,
  blend,
  shade,
  ...rect,
  ...(clip ? { clip } : {}),
});

/**
 * One frame's layers: its fill (if any) stretched under the photo, then the
 * photo. Copied (no blending), the photo simply covers the fill's middle;
 * added, the fill is drawn only where the photo is not (clipped to each
 * bar), so every pixel of the screen gets exactly one of the two.
 */
function frameLayers(placed: Placed, alpha: number, blend: Layer['blend'], shade = 255): Layer[] {
  const photo = layer(placed.texture, placed.rect, alpha, blend, shade);
  const fill = placed.fill;
  if (!fill) return [photo];
  if (blend === BLEND.none) return [layer(fill.texture, fill.rect, alpha, blend, shade), photo];
  return [...barsAround(placed.rect, fill.rect).map((bar) => layer(fill.texture, fill.rect, alpha, blend, shade, bar)), photo];
}

/**
 * The layers for a fade from `from` to `to` at `progress`: the outgoing frame
 * copied darkened by 255-a (no blending), then the incoming one added with
 * alpha a. Each pixel is the linear mix of the two, and a bar where only one
 * photo lies fades to or from black. One blended full-screen copy per step
 * (adding both over a cleared screen took two, and a clear; on llvmpipe each
 * blended copy of 1080p costs about as much as a whole unblended present).
 * A blurred fill is part of its frame and fades with its photo; a caption is
 * part of its photo, so it fades with it and the incoming photo never covers
 * it at full strength.
 */
export function crossfadeLayers(from: Placed | null, to: Placed, progress: number): Layer[] {
  const incoming = Math.round(255 * Math.min(1, Math.max(0, progress)));
  if (from === null || incoming === 255) return frameLayers(to, 255, BLEND.none);
  return [...frameLayers(from, 255, BLEND.none, 255 - incoming), ...frameLayers(to, incoming, BLEND.add)];
}
