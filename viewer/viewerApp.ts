import { createLogger, setLogLevel } from '../common/log.ts';
import type { AlbumRef, NowShowing } from '../common/protocol/codecs/commandCodecs.ts';
import { decodeImageServer, type ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import type { PowerState } from '../common/protocol/codecs/powerStateCodec.ts';
import { DEFAULT_SETTINGS, effectiveSettings, type DisplaySettings, type SettingsValue } from '../common/protocol/codecs/settingsCodec.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { readDisplayChange, type DisplayChange } from '../common/protocol/topicRegistry.ts';
import type { FeedChange } from './displayFeed.ts';
import type { Frame } from './framePreparer.ts';
import { FrameAhead } from './frameAhead.ts';
import { LatestWins, Superseded } from './latestWins.ts';
import type { Size } from './layout.ts';
import { back, currentImage, dropCurrent, EMPTY_PLAYLIST, forward, upcomingImage, withImages, withMode, type Playlist, type Random } from './playlist.ts';
import { halfLifeChanges, MAX_TIMER_MS, planTimer, type TimerPlan } from './slideshowTiming.ts';

const log = createLogger('viewer');

// When a photo cannot be shown, try again soon rather than after a whole interval,
// backing off while the failures go on (a server that is down stays down a while).
const FIRST_RETRY_MS = 5000;
const LONGEST_RETRY_MS = 120_000;
// How long the display must have been still before the next photo is decoded ahead.
const AHEAD_AFTER_STILL_MS = 50;

const VISUAL_SETTINGS = ['orientation', 'brightness', 'contrast', 'saturation'] as const;
const TIMING_SETTINGS = ['interval_time', 'interval_units', 'variance_pct', 'use_halflife', 'interval_base'] as const;

/** What the app needs from the outside world; injected so the app itself holds only decisions. */
export interface ViewerPorts {
  screen: { readonly size: Size; show(frame: Frame): void; clear(): void };
  fetchImage(name: string, size: Size, server: ImageServerInfo | null): Promise<string>;
  prepareFrame(file: string, size: Size, settings: DisplaySettings): Promise<Frame>;
  /** Called with every accepted raw value, to keep the offline copy. */
  remember(key: string, value: string | null): void;
  /** The `reboot` command: runs the configured reboot command. */
  reboot(): void;
  /** The `restart_screen` command: closes and reopens the window; the app draws again afterwards. */
  restartScreen(): Promise<void>;
  /** The `current_display` command: puts the answer where the asker watches. */
  answerNowShowing(requestId: string, answer: NowShowing): void;
  now?: () => Date;
  random?: Random;
  /** The slideshow's timers; a test passes its own to fire them without waiting. */
  timers?: Timers;
}

export interface Timers {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Turns changes from etcd into what the screen shows. Each key is read
 * through the topic registry; a value it refuses is logged and ignored, and
 * the display keeps showing what it showed.
 */
export class ViewerApp {
  private playlist: Playlist = EMPTY_PLAYLIST;
  private settings: DisplaySettings = { ...DEFAULT_SETTINGS };
  private server: ImageServerInfo | null = null;
  private power: PowerState = 'on';
  private paused = false;
  private album: AlbumRef | null = null;
  /** What is really on screen, and since when: set only when a frame was drawn. */
  private onScreen: { name: string; since: string } | null = null;
  /** The first change after start, or after interval_base changed, waits for the aligned clock time. */
  private alignNext = true;
  private generation = 0;
  /** One frame decoded at a time; requests for superseded states are dropped (see latestWins.ts). */
  private readonly renders = new LatestWins();
  private readonly ahead = new FrameAhead();
  private timer: unknown;
  private stopped = false;
  private consecutiveFailures = 0;
  private readonly now: () => Date;
  private readonly random: Random;
  private readonly timers: Timers;

  constructor(
    readonly displayId: string,
    private readonly ports: ViewerPorts,
  ) {
    this.now = ports.now ?? (() => new Date());
    this.random = ports.random ?? Math.random;
    this.timers = ports.timers ?? REAL_TIMERS;
  }

  /** Applies a change from etcd. Commands act only when `live`: one read at start is history. */
  apply(change: FeedChange, live: boolean): void {
    if (change.key === IMAGE_SERVER_KEY) return this.applyImageServer(change);
    const outcome = readDisplayChange(this.displayId, change.key, change.value, live);
    if (outcome.kind === 'skip') return log.debug(`ignoring ${change.key}: ${outcome.why}`);
    if (outcome.kind === 'refuse') return log.rejectedInput(`ignoring malformed ${change.key}: ${outcome.error}`, { value: change.value });
    for (const note of outcome.notes) log.rejectedInput(`${change.key}: ${note}`);
    if (outcome.change.kind === 'state') this.ports.remember(change.key, change.value);
    this.act(outcome.change);
  }

  private act(change: DisplayChange): void {
    switch (change.topic) {
      case 'images':
        return this.applyImages(change.value);
      case 'settings':
        return this.applySettings(change.value);
      case 'power_state':
        this.power = change.value;
        log.info(`power ${change.value}`);
        return this.showCurrent();
      case 'paused':
        if (this.paused === change.value) return;
        this.paused = change.value;
        log.info(change.value ? 'slideshow paused' : 'slideshow resumed');
        return change.value ? this.cancelTimer() : this.restartTimer();
      case 'album':
        this.album = change.value;
        return;
      case 'change_photo':
        this.playlist = change.value === 'back' ? back(this.playlist) : forward(this.playlist, this.random);
        log.info(`change_photo ${change.value}`);
        return this.showCurrent();
      case 'reboot':
        log.warn('reboot requested');
        return this.ports.reboot();
      case 'restart_screen':
        log.info('restart_screen requested');
        void this.ports.restartScreen().then(
          () => this.showCurrent(),
          (error: Error) => log.error(`cannot restart the screen: ${error.message}`),
        );
        return;
      case 'current_display':
        return this.ports.answerNowShowing(change.value, this.nowShowing());
    }
  }

  /** Re-lays out the current photo, e.g. after the window changed size. */
  refresh(): void {
    this.showCurrent();
  }

  /**
   * Draws the photo on screen again, from its cached file, after the window
   * lost its content: the screen keeps no copy of its pixels. The photo, its
   * "since" and the slideshow's timer stay as they are, and a newer state on
   * its way wins over the repaint.
   */
  redraw(): void {
    const shown = this.onScreen;
    if (this.stopped || shown === null || this.power === 'off') return;
    const generation = this.generation;
    const size = this.ports.screen.size;
    const settings = this.settings;
    const superseded = () => generation !== this.generation || this.stopped || this.onScreen !== shown;
    void (async () => {
      try {
        // Ranked below the state it repaints, so a decode for that state (a new photo waiting its turn) is never
        // displaced by the repaint of the old one; above a frame ahead (generation - 0.5).
        const frame = await this.frameFor(`repaint of ${shown.name}`, shown.name, size, settings, generation - 0.25, superseded);
        if (superseded()) return;
        this.ports.screen.show(frame);
        log.debug('repainted after expose', { name: shown.name });
      } catch (error) {
        if (error instanceof Superseded || superseded()) return;
        log.warn(`cannot repaint ${shown.name}: ${(error as Error).message}`);
      }
    })();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
  }

  get state() {
    return { playlist: this.playlist, settings: this.settings, server: this.server, power: this.power, paused: this.paused, onScreen: this.onScreen };
  }

  /** The answer to "what is on screen now": the photo really drawn, not one still being fetched. */
  nowShowing(): NowShowing {
    return {
      display: this.displayId,
      image: this.onScreen?.name ?? null,
      album: this.album?.name ?? null,
      shown_at: this.onScreen?.since ?? null,
      power: this.power,
      paused: this.paused,
    };
  }

  private applyImages(images: readonly string[]): void {
    const before = currentImage(this.playlist);
    this.playlist = withImages(this.playlist, images, this.random);
    // The photo on screen stays when it is still in the list: nothing to redraw, and its timer runs on.
    const kept = before !== null && currentImage(this.playlist) === before;
    log.info('image list', { photos: this.playlist.images.length, kept: kept ? before : '' });
    if (!kept) return this.showCurrent();
    // A one-photo list had no timer; once it grows, the slideshow must move on.
    if (this.playlist.images.length < 2) this.cancelTimer();
    else if (this.timer === undefined) this.restartTimer();
  }

  private applySettings(value: SettingsValue): void {
    const before = this.settings;
    this.settings = effectiveSettings(value);
    setLogLevel(this.settings.log_level);
    this.playlist = withMode(this.playlist, this.settings.order, this.random);
    const changed = (names: readonly (keyof DisplaySettings)[]) => names.some((name) => before[name] !== this.settings[name]);
    if (before.interval_base !== this.settings.interval_base) this.alignNext = true;
    log.info('settings applied', {
      interval: `${this.settings.interval_time} ${this.settings.interval_units}`,
      variance_pct: this.settings.variance_pct,
      half_life: this.settings.use_halflife,
      interval_base: this.settings.interval_base,
      order: this.settings.order,
      brightness: this.settings.brightness,
      contrast: this.settings.contrast,
      saturation: this.settings.saturation,
      orientation: this.settings.orientation,
      log_level: this.settings.log_level,
    });
    if (changed(VISUAL_SETTINGS)) this.showCurrent();
    else if (changed(TIMING_SETTINGS)) this.restartTimer();
  }

  private applyImageServer(change: FeedChange): void {
    if (change.value === null) {
      // Keep the last known server: the cache and a returning server both still work with it.
      log.warn('image server key deleted; keeping the last known server');
      return;
    }
    const decoded = decodeImageServer(change.value);
    if (!decoded.ok) return log.rejectedInput(`ignoring malformed ${change.key}: ${decoded.error}`, { value: change.value });
    this.ports.remember(change.key, change.value);
    this.server = decoded.value;
    // A (re)started server is the moment to retry a photo that could not be fetched.
    if (this.consecutiveFailures > 0) this.showCurrent();
  }

  private showCurrent(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.cancelTimer();
    // The current photo may have been dropped after it failed: the next one takes its place.
    if (currentImage(this.playlist) === null && this.playlist.images.length > 0) this.playlist = forward(this.playlist, this.random);
    const name = currentImage(this.playlist);
    if (this.power === 'off' || name === null) {
      // Nothing will be shown for a while: the frame decoded ahead is 8 MB held for nothing.
      this.ahead.clear();
      this.ports.screen.clear();
      this.onScreen = null;
      if (name === null) log.info('no images assigned; screen is black');
      return;
    }
    const size = this.ports.screen.size;
    const settings = this.settings;
    const superseded = () => generation !== this.generation || this.stopped;
    void (async () => {
      // Only the last state of everything read from etcd in this turn of the event loop goes on. A burst
      // arrives as many watch messages, each applied in its own callback: waiting one microtask let each
      // through, and their fetches queued up in libuv's four threads ahead of the final photo's (bench: the
      // final state drawn 0.5-1.8 s after the last of 1,000 writes, instead of ~0.1 s).
      await new Promise((resolve) => setImmediate(resolve));
      if (superseded()) return;
      const ahead = this.ahead.take(FrameAhead.keyOf(name, size, settings));
      try {
        // Fetches may overlap (a cached one answers at once); decoding is one frame at a time,
        // and a state superseded by then is dropped before any of its pixels are made.
        // A frame ahead that failed (a download that failed then) is no reason not to try afresh now.
        const frame = (await ahead?.catch(() => null)) ?? (await this.frameFor(`frame of ${name}`, name, size, settings, generation, superseded));
        if (superseded()) return;
        this.ports.screen.show(frame);
        this.onScreen = { name, since: this.now().toISOString() };
        this.consecutiveFailures = 0;
        log.info('showing image', { name, of: this.playlist.images.length });
        this.restartTimer();
        const upcoming = upcomingImage(this.playlist);
        // Only once the display has been still a moment: in a burst, a decode ahead would only delay the final state.
        if (upcoming) {
          setTimeout(() => {
            if (!superseded()) this.prepareAhead(upcoming, size, settings);
          }, AHEAD_AFTER_STILL_MS);
        }
      } catch (error) {
        if (superseded()) return;
        // Dropped for a newer state that is on its way: not a failure to count or retry.
        if (error instanceof Superseded) return log.debug(`${error.message}`);
        this.consecutiveFailures++;
        const retryMs = Math.min(FIRST_RETRY_MS * 2 ** (this.consecutiveFailures - 1), LONGEST_RETRY_MS);
        log.warn(`cannot show ${name}: ${(error as Error).message}; trying again in ${retryMs / 1000} s`);
        // It never reached the screen: back must not return to it.
        this.playlist = dropCurrent(this.playlist);
        // With several photos the retry moves on to the next; with one it tries the same again.
        this.arm({ delayMs: retryMs, action: 'advance' });
      }
    })();
  }

  /**
   * Fetches `name` and decodes its frame, one decode at a time, ranked `rank`
   * among the others (see latestWins.ts). Work for a state `superseded()` by
   * then is dropped before it queues or makes any pixels: a download can
   * finish after newer states were set, and must not queue ahead of them.
   */
  private async frameFor(what: string, name: string, size: Size, settings: DisplaySettings, rank: number, superseded: () => boolean): Promise<Frame> {
    const file = await this.ports.fetchImage(name, size, this.server);
    if (superseded()) throw new Superseded(what);
    return this.renders.run(what, rank, async () => {
      if (superseded()) throw new Superseded(what);
      return this.ports.prepareFrame(file, size, settings);
    });
  }

  /**
   * Fetches the photo expected next and decodes its frame while the current
   * one is on screen. It queues behind any frame being decoded, and a newer
   * request drops it if it has not started.
   */
  private prepareAhead(name: string, size: Size, settings: DisplaySettings): void {
    const generation = this.generation;
    // Not frameFor: once queued, a frame ahead is made even if the state moves on, since the next state
    // (a "next") is most often the one it was made for; FrameAhead's key says whether it still fits.
    const frame = (async () => {
      const file = await this.ports.fetchImage(name, size, this.server);
      if (generation !== this.generation) throw new Superseded(`frame ahead of ${name}`);
      // Ranked just below the state it follows: any newer state to show goes first.
      return this.renders.run(`frame ahead of ${name}`, generation - 0.5, () => this.ports.prepareFrame(file, size, settings));
    })();
    this.ahead.offer(FrameAhead.keyOf(name, size, settings), frame);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  /** Plans the next change from now, unless the slideshow is paused, off, or has nothing to change to. */
  private restartTimer(): void {
    this.cancelTimer();
    if (this.stopped || this.paused || this.power === 'off' || this.playlist.images.length < 2) return;
    const plan = planTimer(this.settings, this.now(), this.random, this.alignNext);
    this.arm(plan);
  }

  private arm(plan: TimerPlan): void {
    this.cancelTimer();
    if (this.paused) return;
    const generation = this.generation;
    const wait = Math.min(plan.delayMs, MAX_TIMER_MS);
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      if (generation !== this.generation || this.stopped) return;
      if (plan.delayMs > MAX_TIMER_MS) return this.arm({ ...plan, delayMs: plan.delayMs - MAX_TIMER_MS });
      if (plan.action === 'half-life check' && !halfLifeChanges(this.settings, this.random)) return this.arm(plan);
      this.alignNext = false;
      this.playlist = forward(this.playlist, this.random);
      this.showCurrent();
    }, wait);
  }
}
