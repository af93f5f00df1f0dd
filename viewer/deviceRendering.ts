import type { NameLookup } from './cacheEviction.ts';
import { basename } from 'node:path';
import { createLogger } from '../common/log.ts';
import type { ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import type { CaptionFacts } from '../common/protocol/codecs/captionFactsCodec.ts';
import type { CaptionBook } from './captionBook.ts';
import { captionText } from './captionText.ts';
import { prepareFrame, type Frame } from './framePreparer.ts';
import { chooseImageSource, type ImageCache } from './imageCache.ts';
import { releaseDroppedFramesSoon } from './releaseFrames.ts';
import type { RenderHealth } from './renderHealth.ts';
import type { RenderPorts } from './screenRenderer.ts';
import { SdlScreen, type ScreenOptions } from './sdlScreen.ts';

const log = createLogger('viewer');

// How long a frame waits for its caption's facts when the book has none yet.
const CAPTION_WAIT_MS = 1000;

export interface DeviceRenderingOptions {
  screen: ScreenOptions;
  cache: ImageCache;
  captions: CaptionBook;
  health: RenderHealth;
  /** The original system's download folder, used while no photoframe image server is published. */
  downloadUrl?: string;
  /** The photos assigned now: the cache keeps them over others. */
  currentList: () => NameLookup;
  /** What the screen shows changed (a frame drawn, or black). */
  changed: () => void;
}

/** The window's events, wired again to each window restart_screen opens. */
export interface WindowListeners {
  resize(): void;
  expose(): void;
  close(): void;
}

/**
 * Rendering on the device: the SDL window, frames prepared by sharp from the
 * photo cache, tracked for the watchdog. Gives screenRenderer.ts its ports
 * and owns the window, which restart_screen replaces.
 */
export class DeviceRendering {
  /** Which cached file each frame was made from, so the cache never evicts the one on screen; weak, as frames come and go. */
  private readonly fileOfFrame = new WeakMap<Frame, string>();
  private lastServer: ImageServerInfo | null = null;
  private restarting: Promise<void> = Promise.resolve();
  private closed = false;
  private listeners: WindowListeners | null = null;

  private constructor(
    private screen: SdlScreen,
    private readonly options: DeviceRenderingOptions,
  ) {}

  static async open(options: DeviceRenderingOptions): Promise<DeviceRendering> {
    return new DeviceRendering(await SdlScreen.open(options.screen), options);
  }

  get window(): SdlScreen {
    return this.screen;
  }

  readonly ports: RenderPorts = this.makePorts();

  private makePorts(): RenderPorts {
    const rendering = this;
    return {
      // Through a getter: restart_screen replaces the window under the app.
      screen: {
        get size() {
          return rendering.screen.size;
        },
        show: (frame, transition) => {
          this.screen.show(frame, transition);
          this.options.cache.setOnScreen(this.fileOfFrame.get(frame) ?? null);
          // The frame it replaced, and any dropped on the way, are garbage now: free their pixels, once a
          // crossfade is over (a full collection during one would hold up its steps).
          this.screen.afterTransition(releaseDroppedFramesSoon);
          this.options.changed();
        },
        settleTransition: () => this.screen.settleTransition(),
        clear: () => {
          this.screen.clear();
          // Black (power off, no photos): the frame decoded ahead was let go, and so was the last one drawn.
          releaseDroppedFramesSoon();
          this.options.changed();
        },
      },
      fetchImage: (name, size, server, progress) => {
        const cache = this.options.cache;
        // A new announcement of the image server is a new object: the moment to give refused photos another try.
        if (server !== this.lastServer) cache.forgetRefusals();
        this.lastServer = server;
        cache.setCurrentList(this.options.currentList());
        return cache.get(name, size, chooseImageSource(server, this.options.downloadUrl), progress);
      },
      prepareFrame: (file, size, settings) =>
        this.options.health.track('preparing a frame', async () => {
          try {
            const caption = settings.caption === 'none' ? null : captionText(await this.captionFacts(basename(file)), settings.caption, settings.locale);
            // With our addon the screen stretches a blur frame's small fill itself: the frame stays photo-sized.
            const frame = await prepareFrame(file, size, settings, caption, { stretchFill: this.screen.canStretchFill });
            this.fileOfFrame.set(frame, file);
            return frame;
          } catch (error) {
            // Every file handed to this port comes from the cache.
            throw await this.options.cache.discardUnusable(file, error);
          }
        }),
    };
  }

  /**
   * A photo's caption facts, waiting at most a moment: the frame is being
   * decoded, one at a time, and a slow or unreachable server must not hold
   * it up. A fetch that takes longer goes on and serves the next showing.
   */
  private captionFacts(name: string): Promise<CaptionFacts | null> {
    const facts = this.options.captions.get(name, this.lastServer);
    return Promise.race([facts, new Promise<null>((resolve) => setTimeout(() => resolve(null), CAPTION_WAIT_MS).unref())]);
  }

  /** Closes and reopens the window; one restart at a time, as two interleaved would leave a window behind. */
  restartScreen(): Promise<void> {
    this.restarting = this.restarting.catch(() => {}).then(async () => {
      if (this.closed) return;
      this.screen.close();
      this.screen = await SdlScreen.open(this.options.screen);
      this.watch(this.screen);
      log.info('screen restarted', { width: this.screen.size.width, height: this.screen.size.height, accelerated: this.screen.accelerated });
    });
    return this.restarting;
  }

  /** No restart opens a window after this; the current one is closed by close(). */
  stopRestarts(): void {
    this.closed = true;
  }

  close(): void {
    this.closed = true;
    this.screen.close();
  }

  /** Starts passing on the window's events (once whoever handles them exists). */
  listen(listeners: WindowListeners): void {
    this.listeners = listeners;
    this.watch(this.screen);
  }

  private watch(current: SdlScreen): void {
    const listeners = this.listeners;
    if (!listeners) return;
    current.onResize(() => listeners.resize());
    current.onExposePhoto(() => listeners.expose());
    current.onClose(() => listeners.close());
  }
}
