import type sdlModule from '@kmamal/sdl';
import { createLogger } from '../common/log.ts';
import { CUT, type Transition } from './crossfade.ts';
import type { Frame } from './framePreparer.ts';
import { GpuPresenter } from './gpuPresenter.ts';
import type { Size } from './layout.ts';
import { paceSdlEventPolling } from './sdlEventPump.ts';
import { loadSdlLayers } from './sdlLayers.ts';

type SdlWindow = ReturnType<typeof sdlModule.video.createWindow>;

const BLACK = Buffer.from([0, 0, 0, 255]);
const log = createLogger('screen');

export interface ScreenOptions {
  /** An ordinary window of this size instead of fullscreen. */
  windowed?: Size;
  title?: string;
}

/**
 * The one place pixels reach the screen: an SDL window with the hardware
 * accelerated renderer. The GPU places the frame; the rest of the window is black,
 * or a fit=blur frame's small fill, which the renderer stretches under it.
 *
 * Once drawn, a frame is not kept: the window holds its pixels, and 8 MB of
 * RGBA held only for a repaint is a sixteenth of what a Pi Zero 2 W can spare.
 * When the window loses its content (an expose), the owner is asked to draw
 * the photo again from the cached file.
 */
export class SdlScreen {
  /** Whether a photo is on screen (else black): what an expose must restore. */
  private showingPhoto = false;
  private exposeListener: (() => void) | null = null;
  /** Set by close(): destroying a window emits 'close', which must not read as the user closing it. */
  private closing = false;
  /** Draws with textures kept on the renderer, for crossfades and stretched fills; null until one is asked for, or without the addon. */
  private presenter: GpuPresenter | null = null;
  /** Why crossfades are cuts on this window, once found out (logged once). */
  private noFades: string | null = null;
  private fadeEndListener: (() => void) | null = null;
  /** One-shot callbacks for the end of the transition under way. */
  private afterTransitionCallbacks: (() => void)[] = [];

  private constructor(private readonly window: SdlWindow) {}

  static async open(options: ScreenOptions = {}): Promise<SdlScreen> {
    // Imported here, not at the top: SDL initialises (and talks to the display) on import.
    const { default: sdl } = await import('@kmamal/sdl');
    paceSdlEventPolling();
    let window: SdlWindow;
    const fullscreen = options.windowed === undefined;
    // Without a window manager (a bare X server on a Pi, Xvfb) nobody honours a
    // fullscreen request, so a fullscreen window is also created at the
    // display's exact geometry.
    const display = fullscreen ? sdl.video.displays[0] : undefined;
    const create = (accelerated: boolean) =>
      sdl.video.createWindow({
        title: options.title ?? 'photoframe',
        fullscreen,
        borderless: fullscreen,
        x: display?.geometry.x,
        y: display?.geometry.y,
        width: display?.geometry.width ?? options.windowed?.width,
        height: display?.geometry.height ?? options.windowed?.height,
        accelerated,
        vsync: accelerated,
      });
    try {
      window = create(true);
    } catch (acceleratedError) {
      // No GL driver: a slower software renderer still beats a dark screen.
      try {
        window = create(false);
        log.warn(`no hardware renderer (${(acceleratedError as Error).message}); drawing in software`);
      } catch (error) {
        throw new Error(
          `cannot open a window: ${(error as Error).message}; is DISPLAY set (or run under Xvfb / SDL_VIDEODRIVER=kmsdrm)?`,
        );
      }
    }
    if (options.windowed === undefined) sdl.mouse.showCursor(false);
    const screen = new SdlScreen(window);
    log.info(`window ${window.pixelWidth}×${window.pixelHeight}, renderer ${screen.rendererName}`);
    log.info(screen.crossfadeSupport);
    screen.clear();
    // After an expose the window content may be gone: black is redrawn here, a photo by its owner.
    window.on('expose', () => screen.exposed());
    return screen;
  }

  get size(): Size {
    return { width: this.window.pixelWidth, height: this.window.pixelHeight };
  }

  get accelerated(): boolean {
    return this.window.accelerated;
  }

  /** SDL's render driver and how it runs, e.g. "opengl (accelerated, vsync)"; "unknown" without our addon. */
  get rendererName(): string {
    const loaded = loadSdlLayers();
    if (!loaded.ok || this.window.destroyed) return this.window.accelerated ? 'unknown (accelerated)' : 'unknown (software)';
    const info = loaded.layers.rendererInfo(this.window.id);
    return `${info.name} (${[info.accelerated ? 'accelerated' : 'software', ...(info.vsync ? ['vsync'] : [])].join(', ')})`;
  }

  /**
   * Whether crossfades can be drawn on this window, said once at start: a Pi
   * whose release lacks the sdl_layers addon (or has one built for another
   * CPU) cuts instead of fading, and this line says why.
   */
  get crossfadeSupport(): string {
    const loaded = loadSdlLayers();
    if (!loaded.ok) return `crossfades: cuts, the GPU crossfade addon is missing (${loaded.why})`;
    if (!this.window.accelerated) return `crossfades: cuts, sdl_layers loaded but the renderer is ${this.rendererName}`;
    return `crossfades: drawn by the GPU (sdl_layers loaded, renderer ${this.rendererName})`;
  }

  /**
   * Whether frames may come with a `fill` that this screen stretches under
   * the photo (fit=blur): our addon draws layers on any SDL renderer, the
   * software one included, so this holds whenever the addon loads.
   */
  get canStretchFill(): boolean {
    return loadSdlLayers().ok;
  }

  /**
   * Draws a frame. With a crossfade, the GPU blends it in over the photo on
   * screen; a crossfade of 0 ms is a cut that keeps the frame as a texture for
   * the next fade. Without a usable GPU every transition is a cut. A frame
   * with a fill is always drawn as layers (its fill stretched under it).
   */
  show(frame: Frame, transition: Transition = CUT): void {
    this.showingPhoto = true;
    const fade = transition.kind === 'crossfade' && this.fadesPossible();
    const presenter = fade || frame.fill ? this.layersPresenter() : null;
    if (presenter === null) {
      this.releaseTextures();
      return this.draw(frame);
    }
    try {
      presenter.show(frame, fade ? transition : CUT);
    } catch (error) {
      log.warn(`cannot draw with the GPU: ${(error as Error).message}; cutting instead${frame.fill ? ', with black bars' : ''}`);
      this.releaseTextures();
      this.draw(frame);
    }
  }

  /** Ends a running crossfade on its photo at once: before another frame is decoded, so no more than two are held. */
  settleTransition(): void {
    this.presenter?.settle();
  }

  /** Photos held as textures on the renderer: 1 on screen, 2 during a crossfade, 0 on the plain path. */
  get texturesHeld(): number {
    return this.presenter?.texturesHeld ?? 0;
  }

  get transitionRunning(): boolean {
    return this.presenter?.fading ?? false;
  }

  /** Called when a crossfade has finished. */
  onTransitionEnd(listener: () => void): void {
    this.fadeEndListener = listener;
  }

  /** Runs `callback` once the transition under way has ended (or ended early), or now when none is. */
  afterTransition(callback: () => void): void {
    if (this.transitionRunning) this.afterTransitionCallbacks.push(callback);
    else callback();
  }

  private transitionEnded(): void {
    this.fadeEndListener?.();
    for (const callback of this.afterTransitionCallbacks.splice(0)) callback();
  }

  clear(): void {
    this.showingPhoto = false;
    this.releaseTextures();
    if (!this.window.destroyed) this.window.render(1, 1, 4, 'rgba32', BLACK);
  }

  /** Called when the window's pixel size really changed (X11 also reports the size a window was mapped at). */
  onResize(listener: (size: Size) => void): void {
    let known = this.size;
    this.window.on('resize', () => {
      const size = this.size;
      if (size.width === known.width && size.height === known.height) return;
      known = size;
      listener(size);
    });
  }

  /** Called when the photo on screen must be drawn again (the window lost its content). */
  onExposePhoto(listener: () => void): void {
    this.exposeListener = listener;
  }

  onClose(listener: () => void): void {
    this.window.on('close', () => {
      if (!this.closing) listener();
    });
  }

  close(): void {
    this.closing = true;
    // Before the window: SDL frees its textures with its renderer.
    this.releaseTextures();
    if (!this.window.destroyed) this.window.destroy();
  }

  private exposed(): void {
    if (!this.showingPhoto) this.clear();
    else if (this.presenter?.showingPhoto) this.presenter.repaint();
    else this.exposeListener?.();
  }

  /** Whether crossfades can be drawn on this window; the first time they cannot, says why (once). */
  private fadesPossible(): boolean {
    if (this.noFades !== null) return false;
    const loaded = loadSdlLayers();
    if (!loaded.ok) this.noFades = loaded.why;
    // SDL's software renderer blends a 1080p step in tens of ms on a fast CPU, seconds' worth on a Pi:
    // a cut unless asked for (a desktop without GL, the memory benchmark).
    else if (!this.window.accelerated && process.env.PHOTOFRAME_SOFTWARE_CROSSFADE !== '1') this.noFades = `the renderer is ${this.rendererName}`;
    if (this.noFades === null) return true;
    log.warn(`no usable GPU for crossfades (${this.noFades}); photos change with a cut`);
    return false;
  }

  /** Draws with textures kept on the renderer (crossfades, stretched fills); null without the addon or a window. */
  private layersPresenter(): GpuPresenter | null {
    if (this.presenter) return this.presenter;
    const loaded = loadSdlLayers();
    if (!loaded.ok || this.window.destroyed) return null;
    this.presenter = new GpuPresenter(loaded.layers, this.window.id);
    this.presenter.onFadeEnd(() => this.transitionEnded());
    return this.presenter;
  }

  private releaseTextures(): void {
    if (this.presenter === null) return;
    const presenter = this.presenter;
    this.presenter = null;
    const wasFading = presenter.fading;
    presenter.release();
    if (wasFading) this.transitionEnded();
  }

  private draw(frame: Frame): void {
    if (this.window.destroyed) return;
    this.window.render(frame.width, frame.height, frame.width * 4, 'rgba32', frame.data, {
      scaling: 'linear',
      dstRect: frame.rect,
    });
  }
}
