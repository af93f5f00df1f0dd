/**
 * Our own small addon (viewer/native/sdl_layers.c) that keeps textures on the
 * renderer of the window @kmamal/sdl opened and draws them with alpha: what a
 * GPU crossfade needs and @kmamal/sdl 0.10.14 does not offer. It is built by
 * scripts/build-sdl.sh against the same system SDL2, so both share one SDL.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RendererInfo {
  /** SDL's render driver: opengl, opengles2, software … */
  name: string;
  accelerated: boolean;
  vsync: boolean;
  maxTextureWidth: number;
  maxTextureHeight: number;
}

/** How a layer is combined with what is below it. */
export const BLEND = { none: 0, blend: 1, add: 2 } as const;

export interface Layer {
  texture: number;
  /** 0-255: the texture's alpha modulation. */
  alpha: number;
  /** 0-255: its colour modulation (255, the default, leaves the colours as they are). */
  shade?: number;
  blend: (typeof BLEND)[keyof typeof BLEND];
  x: number;
  y: number;
  width: number;
  height: number;
  /** Only this part of the window is drawn (a fill added only where its photo is not). */
  clip?: { x: number; y: number; width: number; height: number };
}

export interface SdlLayers {
  rendererInfo(windowId: number): RendererInfo;
  /** Makes a texture, uploading RGBA pixels when given (else empty, for updateTexture); returns its id. */
  createTexture(windowId: number, width: number, height: number, pixels?: Buffer): number;
  /** Uploads rows y .. y+rows-1 of a whole frame's RGBA pixels into the texture. */
  updateTexture(texture: number, y: number, rows: number, pixels: Buffer): void;
  destroyTexture(texture: number): void;
  /** Draws the layers in order over black and presents (at most 8). */
  present(windowId: number, layers: readonly Layer[]): void;
}

export const ADDON_RELATIVE_PATH = 'viewer/native/build/Release/sdl_layers.node';

/** The built addon, found from this module whether it runs from the sources or from the bundle in dist/. */
function addonPath(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    const candidate = join(dir, ADDON_RELATIVE_PATH);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return null;
}

export type LoadedLayers = { ok: true; layers: SdlLayers } | { ok: false; why: string };

let loaded: LoadedLayers | undefined;

/** Loads the addon once; says why not when it cannot (not built, built for another machine). */
export function loadSdlLayers(): LoadedLayers {
  if (loaded) return loaded;
  const path = addonPath();
  if (path === null) {
    loaded = { ok: false, why: `${ADDON_RELATIVE_PATH} is not built (scripts/build-sdl.sh builds it)` };
  } else {
    try {
      loaded = { ok: true, layers: createRequire(import.meta.url)(path) as SdlLayers };
    } catch (error) {
      loaded = { ok: false, why: `cannot load ${path}: ${(error as Error).message}` };
    }
  }
  return loaded;
}
