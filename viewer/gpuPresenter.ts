/**
 * Draws frames through our sdl_layers addon, keeping the photo on screen as a
 * texture so the next one can be faded in over it by the renderer. Each step
 * of a fade is one present of two textures with new alphas: no pixel is
 * touched in JavaScript or libvips while it runs.
 *
 * The incoming photo is uploaded before its fade starts, a band of rows per
 * turn of the event loop: the whole 8 MB in one call held the loop for tens
 * of ms, and then the first step came late (bench: longest event-loop stall
 * during a fade). While it uploads the old photo stays on screen untouched.
 *
 * At most two frames are held: the one on screen and the next (uploading or
 * fading in); a frame is its photo's texture and, with fit=blur, its fill's
 * (a few kB, uploaded at once, stretched by the renderer under the photo). A new frame while one uploads replaces it; a new frame while a
 * fade runs ends the fade at its target first (a clean cut to the newer state,
 * which then fades in), and the outgoing texture is freed when a fade ends.
 */
import { createLogger } from '../common/log.ts';
import { crossfadeLayers, fadeProgress, type Placed, type Transition } from './crossfade.ts';
import type { Frame } from './framePreparer.ts';
import type { SdlLayers } from './sdlLayers.ts';

const log = createLogger('screen');

// One step per 60 Hz refresh at most; with vsync the present itself waits for the refresh.
const STEP_MS = 1000 / 60;

// About 1 MB per band (136 rows of 1920 px): an eighth of a 1080p frame per turn of the event loop.
export const UPLOAD_BAND_BYTES = 1 << 20;

interface Upload {
  frame: Frame;
  texture: number;
  fill: Placed['fill'];
  /** The next row to upload. */
  row: number;
  ms: number;
}

interface Fade {
  from: Placed;
  to: Placed;
  startedAt: number;
  ms: number;
}

export class GpuPresenter {
  private shown: Placed | null = null;
  private fade: Fade | null = null;
  private timer: NodeJS.Timeout | null = null;
  private fadeEnded: (() => void) | null = null;
  private upload: Upload | null = null;
  private uploadTimer: NodeJS.Immediate | null = null;

  constructor(
    private readonly layers: SdlLayers,
    private readonly windowId: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Frames held on the renderer: 1 showing a photo, 2 while the next one uploads or fades in. */
  get texturesHeld(): number {
    return (this.shown ? 1 : 0) + (this.fade || this.upload ? 1 : 0);
  }

  /** A transition is under way: the next photo uploading, or fading in. */
  get fading(): boolean {
    return this.fade !== null || this.upload !== null;
  }

  /** Called each time a fade has ended (reached its photo, or was cut short). */
  onFadeEnd(listener: () => void): void {
    this.fadeEnded = listener;
  }

  show(frame: Frame, transition: Transition): void {
    this.settle();
    const from = this.shown;
    if (from === null || transition.kind === 'none' || transition.ms <= 0) {
      // A cut: the photo is wanted now, in one upload.
      this.shown = this.placeWhole(frame);
      this.drop(from);
      this.draw();
      return;
    }
    const fill = this.fillOf(frame);
    let texture: number;
    try {
      texture = this.layers.createTexture(this.windowId, frame.width, frame.height);
    } catch (error) {
      if (fill) this.layers.destroyTexture(fill.texture);
      throw error;
    }
    this.upload = { frame, texture, fill, row: 0, ms: transition.ms };
    this.uploadTimer = setImmediate(() => this.uploadBand());
  }

  /**
   * Ends a running transition at once on its photo, freeing the outgoing
   * texture; a photo still uploading is finished in one go and cut to.
   */
  settle(): void {
    const upload = this.upload;
    if (upload !== null) {
      this.stopUpload();
      this.upload = null;
      this.updateRows(upload, upload.frame.height - upload.row);
      this.drop(this.shown);
      this.shown = this.placed(upload);
      this.draw();
      this.fadeEnded?.();
      return;
    }
    const fade = this.fade;
    if (fade === null) return;
    this.stopTimer();
    this.fade = null;
    this.drop(fade.from);
    this.draw();
    this.fadeEnded?.();
  }

  /** Draws what should be on screen again (after an expose): from the texture, no decode. */
  repaint(): void {
    if (this.fade === null) this.draw();
  }

  /** Uploads one band of the incoming photo; in the turn after the last one, its fade starts. */
  private uploadBand(): void {
    this.uploadTimer = null;
    const upload = this.upload;
    if (upload === null) return;
    const { frame } = upload;
    if (upload.row >= frame.height) return this.startFade(upload);
    try {
      this.updateRows(upload, Math.max(1, Math.floor(UPLOAD_BAND_BYTES / (frame.width * 4))));
    } catch (error) {
      log.warn(`cannot upload a photo for a crossfade: ${(error as Error).message}; cutting`);
      this.upload = null;
      this.drop(this.placed(upload));
      try {
        const placed = this.placeWhole(frame);
        this.drop(this.shown);
        this.shown = placed;
        this.draw();
      } catch (cutError) {
        log.warn(`cannot draw the photo with the GPU either: ${(cutError as Error).message}`);
      }
      this.fadeEnded?.();
      return;
    }
    this.uploadTimer = setImmediate(() => this.uploadBand());
  }

  private startFade(upload: Upload): void {
    const { frame } = upload;
    this.upload = null;
    const from = this.shown!;
    this.shown = this.placed(upload);
    this.fade = { from, to: this.shown, startedAt: this.now(), ms: upload.ms };
    this.step();
  }

  private updateRows(upload: Upload, rows: number): void {
    const count = Math.min(rows, upload.frame.height - upload.row);
    if (count <= 0) return;
    this.layers.updateTexture(upload.texture, upload.row, count, upload.frame.data);
    upload.row += count;
  }

  get showingPhoto(): boolean {
    return this.shown !== null;
  }

  /** Black, holding nothing. */
  clear(): void {
    this.settle();
    this.drop(this.shown);
    this.shown = null;
    this.layers.present(this.windowId, []);
  }

  /** Frees every texture without drawing: before the window goes, or when another path draws. */
  release(): void {
    this.stopTimer();
    this.stopUpload();
    const held = [this.fade?.from ?? null, this.shown, this.upload ? this.placed(this.upload) : null];
    this.fade = null;
    this.upload = null;
    this.shown = null;
    for (const placed of held) this.drop(placed);
  }

  private step(): void {
    this.timer = null;
    const fade = this.fade;
    if (fade === null) return;
    const started = this.now();
    const progress = fadeProgress(started - fade.startedAt, fade.ms);
    try {
      this.layers.present(this.windowId, crossfadeLayers(fade.from, fade.to, progress));
    } catch (error) {
      log.warn(`cannot draw a crossfade step: ${(error as Error).message}; cutting`);
      return this.settle();
    }
    if (progress >= 1) {
      this.fade = null;
      this.drop(fade.from);
      this.fadeEnded?.();
      return;
    }
    const took = this.now() - started;
    this.timer = setTimeout(() => this.step(), Math.max(0, STEP_MS - took));
  }

  private draw(): void {
    this.layers.present(this.windowId, this.shown ? crossfadeLayers(null, this.shown, 1) : []);
  }

  private drop(placed: Placed | null): void {
    if (!placed) return;
    this.layers.destroyTexture(placed.texture);
    if (placed.fill) this.layers.destroyTexture(placed.fill.texture);
  }

  /** The frame's fill as a texture (small: uploaded in one call), or none. */
  private fillOf(frame: Frame): Placed['fill'] {
    const fill = frame.fill;
    return fill ? { texture: this.layers.createTexture(this.windowId, fill.width, fill.height, fill.data), rect: fill.rect } : undefined;
  }

  /** The whole frame uploaded at once: for a cut. */
  private placeWhole(frame: Frame): Placed {
    const fill = this.fillOf(frame);
    try {
      return { texture: this.layers.createTexture(this.windowId, frame.width, frame.height, frame.data), rect: frame.rect, fill };
    } catch (error) {
      if (fill) this.layers.destroyTexture(fill.texture);
      throw error;
    }
  }

  private placed(upload: Upload): Placed {
    return { texture: upload.texture, rect: upload.frame.rect, fill: upload.fill };
  }

  private stopUpload(): void {
    if (this.uploadTimer) clearImmediate(this.uploadTimer);
    this.uploadTimer = null;
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
