/**
 * Draws frames through our sdl_layers addon, keeping the photo on screen as a
 * texture so the next one can be faded in over it by the renderer. Each step
 * of a fade is one present of two textures with new alphas: no pixel is
 * touched in JavaScript or libvips while it runs.
 *
 * At most two textures are held, and only during a fade: a new frame while
 * one runs ends it at its target first (a clean cut to the newer state, which
 * then fades in), and the outgoing texture is freed when a fade ends.
 */
import { createLogger } from '../common/log.ts';
import { crossfadeLayers, fadeProgress, type Placed, type Transition } from './crossfade.ts';
import type { Frame } from './framePreparer.ts';
import type { SdlLayers } from './sdlLayers.ts';

const log = createLogger('screen');

// One step per 60 Hz refresh at most; with vsync the present itself waits for the refresh.
const STEP_MS = 1000 / 60;

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

  constructor(
    private readonly layers: SdlLayers,
    private readonly windowId: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Textures held on the renderer: 1 showing a photo, 2 during a fade. */
  get texturesHeld(): number {
    return (this.shown ? 1 : 0) + (this.fade ? 1 : 0);
  }

  get fading(): boolean {
    return this.fade !== null;
  }

  /** Called each time a fade has ended (reached its photo, or was cut short). */
  onFadeEnd(listener: () => void): void {
    this.fadeEnded = listener;
  }

  show(frame: Frame, transition: Transition): void {
    this.settle();
    const texture = this.layers.createTexture(this.windowId, frame.width, frame.height, frame.data);
    const from = this.shown;
    this.shown = { texture, rect: frame.rect };
    if (from === null || transition.kind === 'none' || transition.ms <= 0) {
      this.drop(from);
      this.draw();
      return;
    }
    this.fade = { from, to: this.shown, startedAt: this.now(), ms: transition.ms };
    this.step();
  }

  /** Ends a running fade at once on its photo, freeing the outgoing texture. */
  settle(): void {
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
    const held = [this.fade?.from ?? null, this.shown];
    this.fade = null;
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
    if (placed) this.layers.destroyTexture(placed.texture);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
