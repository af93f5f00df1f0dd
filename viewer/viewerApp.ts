import { createLogger, setLogLevel } from '../common/log.ts';
import { decodeChangePhoto } from '../common/protocol/codecs/changePhotoCodec.ts';
import { decodeImageServer, type ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import { decodeImages } from '../common/protocol/codecs/imagesCodec.ts';
import { decodePowerState, type PowerState } from '../common/protocol/codecs/powerStateCodec.ts';
import { DEFAULT_SETTINGS, decodeSettings, effectiveSettings, type DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import type { Decoded } from '../common/protocol/decoded.ts';
import { parseDisplayKey } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import type { FeedChange } from './displayFeed.ts';
import type { Frame } from './framePreparer.ts';
import type { Size } from './layout.ts';
import { currentImage, EMPTY_PLAYLIST, step, upcomingImage, withImages, type Playlist } from './playlist.ts';
import { MAX_TIMER_MS, nextDelayMs } from './slideshowTiming.ts';

const log = createLogger('viewer');

// When a photo cannot be shown, try again soon rather than after a whole interval,
// backing off while the failures go on (a server that is down stays down a while).
const FIRST_RETRY_MS = 5000;
const LONGEST_RETRY_MS = 120_000;

/** What the app needs from the outside world; injected so the app itself holds only decisions. */
export interface ViewerPorts {
  screen: { readonly size: Size; show(frame: Frame): void; clear(): void };
  fetchImage(name: string, size: Size, server: ImageServerInfo | null): Promise<string>;
  prefetchImage(name: string, size: Size, server: ImageServerInfo | null): void;
  prepareFrame(file: string, size: Size, settings: DisplaySettings): Promise<Frame>;
  /** Called with every accepted raw value, to keep the offline copy. */
  remember(key: string, value: string | null): void;
}

/**
 * Turns changes from etcd into what the screen shows. Malformed values are
 * logged and ignored: the display keeps showing what it showed.
 */
export class ViewerApp {
  private playlist: Playlist = EMPTY_PLAYLIST;
  private settings: DisplaySettings = { ...DEFAULT_SETTINGS };
  private server: ImageServerInfo | null = null;
  private power: PowerState = 'on';
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private consecutiveFailures = 0;

  constructor(
    readonly displayId: string,
    private readonly ports: ViewerPorts,
  ) {}

  /** Applies a change. Commands (change_photo) act only when `live`: an old "next" read at start is history. */
  apply(change: FeedChange, live: boolean): void {
    if (change.key === IMAGE_SERVER_KEY) return this.applyImageServer(change);
    const parsed = parseDisplayKey(change.key);
    if (!parsed || parsed.displayId !== this.displayId) return;
    switch (parsed.topic) {
      case 'images':
        return this.applyDecoded(change, change.value === null ? { ok: true, value: [] } : decodeImages(change.value), (images) => {
          this.playlist = withImages(this.playlist, images);
          this.showCurrent();
        });
      case 'settings':
        return this.applyDecoded(change, change.value === null ? { ok: true, value: {} } : decodeSettings(change.value), (raw) => {
          this.settings = effectiveSettings(raw);
          setLogLevel(this.settings.log_level);
          this.showCurrent();
        });
      case 'power_state':
        return this.applyDecoded(change, change.value === null ? { ok: true, value: 'on' as const } : decodePowerState(change.value), (state) => {
          this.power = state;
          this.showCurrent();
        });
      case 'change_photo': {
        if (!live || change.value === null) return;
        const command = decodeChangePhoto(change.value);
        if (!command.ok) return log.warn(`ignoring malformed ${change.key}: ${command.error}`, { value: change.value });
        this.playlist = step(this.playlist, command.value);
        log.info(`change_photo ${command.value}`);
        this.showCurrent();
        return;
      }
      default:
        log.debug(`ignoring topic this viewer does not handle`, { key: change.key });
    }
  }

  /** Re-lays out the current photo, e.g. after the window changed size. */
  refresh(): void {
    this.showCurrent();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  get state() {
    return { playlist: this.playlist, settings: this.settings, server: this.server, power: this.power };
  }

  private applyImageServer(change: FeedChange): void {
    if (change.value === null) {
      // Keep the last known server: the cache and a returning server both still work with it.
      log.warn('image server key deleted; keeping the last known server');
      return;
    }
    this.applyDecoded(change, decodeImageServer(change.value), (info) => {
      this.server = info;
      // A (re)started server is the moment to retry a photo that could not be fetched.
      if (this.consecutiveFailures > 0) this.showCurrent();
    });
  }

  private applyDecoded<T>(change: FeedChange, decoded: Decoded<T>, accept: (value: T) => void): void {
    if (!decoded.ok) {
      log.warn(`ignoring malformed ${change.key}: ${decoded.error}`, { value: change.value });
      return;
    }
    this.ports.remember(change.key, change.value);
    accept(decoded.value);
  }

  private showCurrent(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    clearTimeout(this.timer);
    const name = currentImage(this.playlist);
    if (this.power === 'off' || name === null) {
      this.ports.screen.clear();
      if (name === null) log.info('no images assigned; screen is black');
      return;
    }
    const size = this.ports.screen.size;
    const settings = this.settings;
    void (async () => {
      try {
        const file = await this.ports.fetchImage(name, size, this.server);
        const frame = await this.ports.prepareFrame(file, size, settings);
        if (generation !== this.generation || this.stopped) return;
        this.ports.screen.show(frame);
        this.consecutiveFailures = 0;
        log.info('showing image', { name, index: this.playlist.index, of: this.playlist.images.length });
        this.schedule(nextDelayMs(settings));
        const upcoming = upcomingImage(this.playlist);
        if (upcoming) this.ports.prefetchImage(upcoming, size, this.server);
      } catch (error) {
        if (generation !== this.generation || this.stopped) return;
        this.consecutiveFailures++;
        const retryMs = Math.min(FIRST_RETRY_MS * 2 ** (this.consecutiveFailures - 1), LONGEST_RETRY_MS);
        log.warn(`cannot show ${name}: ${(error as Error).message}; trying again in ${retryMs / 1000} s`);
        // With several photos the retry moves on to the next; with one it tries the same again.
        this.schedule(retryMs);
      }
    })();
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    const generation = this.generation;
    const wait = Math.min(delayMs, MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      if (generation !== this.generation) return;
      if (delayMs > MAX_TIMER_MS) return this.schedule(delayMs - MAX_TIMER_MS);
      this.playlist = step(this.playlist, 'next');
      this.showCurrent();
    }, wait);
  }
}
