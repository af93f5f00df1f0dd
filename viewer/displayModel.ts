/**
 * The display's decisions as a pure reducer: protocol events, the outcome
 * of drawing, timers and clock ticks in; the next model and what to do out.
 * "What should be on screen, and is the screen on" is `screenIntent(model)`.
 * No I/O here: the coordinator (viewerApp.ts) carries out the effects —
 * rendering (screenRenderer.ts), timers, the ports — and logs the notes.
 */
import type { LogLevel } from '../common/log.ts';
import type { AlbumRef } from '../common/protocol/codecs/commandCodecs.ts';
import type { ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import type { PowerState } from '../common/protocol/codecs/powerStateCodec.ts';
import { DEFAULT_SETTINGS, effectiveSettings, type DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import type { DisplayChange } from '../common/protocol/topicRegistry.ts';
import { back, currentImage, dropCurrent, EMPTY_PLAYLIST, forward, withImages, withMode, type Playlist, type Random } from './playlist.ts';
import { halfLifeChanges, planTimer, type TimerPlan } from './slideshowTiming.ts';

// When a photo cannot be shown, try again soon rather than after a whole interval,
// backing off while the failures go on (a server that is down stays down a while).
export const FIRST_RETRY_MS = 5000;
export const LONGEST_RETRY_MS = 120_000;

// Settings that change the pixels of the photo on screen: it is prepared again (and cut to, not faded).
const VISUAL_SETTINGS = ['orientation', 'brightness', 'contrast', 'saturation', 'fit', 'caption', 'locale'] as const;
const TIMING_SETTINGS = ['interval_time', 'interval_units', 'variance_pct', 'use_halflife', 'interval_base'] as const;

export interface DisplayModel {
  readonly playlist: Playlist;
  readonly settings: DisplaySettings;
  readonly server: ImageServerInfo | null;
  readonly power: PowerState;
  readonly paused: boolean;
  readonly album: AlbumRef | null;
  /** What is really on screen, and since when: set only when a frame was drawn. */
  readonly onScreen: { readonly name: string; readonly since: string } | null;
  /** The first change after start, or after interval_base changed, waits for the aligned clock time. */
  readonly alignNext: boolean;
  readonly consecutiveFailures: number;
  /** Whether a slideshow timer is armed (the coordinator holds the handle). */
  readonly timerArmed: boolean;
}

export const INITIAL_MODEL: DisplayModel = {
  playlist: EMPTY_PLAYLIST,
  settings: { ...DEFAULT_SETTINGS },
  server: null,
  power: 'on',
  paused: false,
  album: null,
  onScreen: null,
  alignNext: true,
  consecutiveFailures: 0,
  timerArmed: false,
};

export type ModelEvent =
  /** A value read from this display's keys, decoded through the registry (a command only when live). */
  | { kind: 'change'; change: DisplayChange }
  /** A (re)announced image server. */
  | { kind: 'image server'; server: ImageServerInfo }
  /** The window changed size or was reopened: lay the photo out afresh. */
  | { kind: 'refresh' }
  /** The photo due was drawn. */
  | { kind: 'shown'; name: string; at: Date }
  /** The screen was blanked: nothing is on it. */
  | { kind: 'blanked' }
  /** The photo due could not be shown. */
  | { kind: 'failed'; name: string; reason: string }
  /** The slideshow timer armed with `plan` ran out. */
  | { kind: 'timer'; plan: TimerPlan };

export type Effect =
  /** Draw what `screenIntent` says, afresh (dropping any drawing under way). */
  | { kind: 'show' }
  | { kind: 'arm timer'; plan: TimerPlan }
  | { kind: 'cancel timer' }
  | { kind: 'reboot' }
  | { kind: 'restart screen' }
  | { kind: 'answer now showing'; requestId: string }
  | { kind: 'log level'; level: LogLevel }
  | { kind: 'note'; level: 'info' | 'warn'; message: string; fields?: Record<string, string | number | boolean> };

/** What the reducer reads besides the event: the clock and the source of chance. */
export interface ModelContext {
  now: Date;
  random: Random;
}

export interface Step {
  model: DisplayModel;
  effects: Effect[];
}

/** What should be on screen: the photo due (null: nothing to show), and whether the screen is on at all. */
export interface ScreenIntent {
  screenOn: boolean;
  photo: string | null;
}

export function screenIntent(model: DisplayModel): ScreenIntent {
  return { screenOn: model.power !== 'off', photo: currentImage(model.playlist) };
}

export function retryDelayMs(consecutiveFailures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** (consecutiveFailures - 1), LONGEST_RETRY_MS);
}

/** The reducer. Effects are to be carried out in order. */
export function reduce(model: DisplayModel, event: ModelEvent, context: ModelContext): Step {
  const step = new StepBuilder(model, context);
  switch (event.kind) {
    case 'change':
      step.change(event.change);
      break;
    case 'image server':
      step.set({ server: event.server });
      // A (re)started server is the moment to retry a photo that could not be fetched.
      if (model.consecutiveFailures > 0) step.show();
      break;
    case 'refresh':
      step.show();
      break;
    case 'shown':
      step.set({ onScreen: { name: event.name, since: event.at.toISOString() }, consecutiveFailures: 0 });
      step.restartTimer();
      break;
    case 'blanked':
      step.set({ onScreen: null });
      break;
    case 'failed': {
      const failures = model.consecutiveFailures + 1;
      const retryMs = retryDelayMs(failures);
      step.note('warn', `cannot show ${event.name}: ${event.reason}; trying again in ${retryMs / 1000} s`);
      // It never reached the screen: back must not return to it.
      step.set({ consecutiveFailures: failures, playlist: dropCurrent(model.playlist) });
      // With several photos the retry moves on to the next; with one it tries the same again.
      step.arm({ delayMs: retryMs, action: 'advance' });
      break;
    }
    case 'timer':
      step.set({ timerArmed: false });
      if (event.plan.action === 'half-life check' && !halfLifeChanges(model.settings, context.random)) {
        step.arm(event.plan);
        break;
      }
      step.set({ alignNext: false, playlist: forward(step.model.playlist, context.random) });
      step.show();
      break;
  }
  return { model: step.model, effects: step.effects };
}

class StepBuilder {
  readonly effects: Effect[] = [];
  constructor(
    public model: DisplayModel,
    private readonly context: ModelContext,
  ) {}

  set(changes: Partial<DisplayModel>): void {
    this.model = { ...this.model, ...changes };
  }

  note(level: 'info' | 'warn', message: string, fields?: Record<string, string | number | boolean>): void {
    this.effects.push(fields ? { kind: 'note', level, message, fields } : { kind: 'note', level, message });
  }

  change(change: DisplayChange): void {
    const random = this.context.random;
    switch (change.topic) {
      case 'images':
        return this.images(change.value);
      case 'settings':
        return this.settings(effectiveSettings(change.value));
      case 'power_state':
        this.set({ power: change.value });
        this.note('info', `power ${change.value}`);
        return this.show();
      case 'paused':
        if (this.model.paused === change.value) return;
        this.set({ paused: change.value });
        this.note('info', change.value ? 'slideshow paused' : 'slideshow resumed');
        return change.value ? this.cancelTimer() : this.restartTimer();
      case 'album':
        this.set({ album: change.value });
        return;
      case 'change_photo':
        this.set({ playlist: change.value === 'back' ? back(this.model.playlist) : forward(this.model.playlist, random) });
        this.note('info', `change_photo ${change.value}`);
        return this.show();
      case 'reboot':
        this.effects.push({ kind: 'reboot' });
        return;
      case 'restart_screen':
        this.effects.push({ kind: 'restart screen' });
        return;
      case 'current_display':
        this.effects.push({ kind: 'answer now showing', requestId: change.value });
        return;
    }
  }

  private images(images: readonly string[]): void {
    const before = currentImage(this.model.playlist);
    this.set({ playlist: withImages(this.model.playlist, images, this.context.random) });
    // The photo on screen stays when it is still in the list: nothing to redraw, and its timer runs on.
    const kept = before !== null && currentImage(this.model.playlist) === before;
    this.note('info', 'image list', { photos: this.model.playlist.images.length, kept: kept ? before : '' });
    if (!kept) return this.show();
    // A one-photo list had no timer; once it grows, the slideshow must move on.
    if (this.model.playlist.images.length < 2) this.cancelTimer();
    else if (!this.model.timerArmed) this.restartTimer();
  }

  private settings(settings: DisplaySettings): void {
    const before = this.model.settings;
    this.set({ settings, playlist: withMode(this.model.playlist, settings.order, this.context.random) });
    this.effects.push({ kind: 'log level', level: settings.log_level });
    const changed = (names: readonly (keyof DisplaySettings)[]) => names.some((name) => before[name] !== settings[name]);
    if (before.interval_base !== settings.interval_base) this.set({ alignNext: true });
    this.note('info', 'settings applied', {
      interval: `${settings.interval_time} ${settings.interval_units}`,
      variance_pct: settings.variance_pct,
      half_life: settings.use_halflife,
      interval_base: settings.interval_base,
      order: settings.order,
      brightness: settings.brightness,
      contrast: settings.contrast,
      saturation: settings.saturation,
      orientation: settings.orientation,
      transition: settings.transition === 'none' ? 'none' : `${settings.transition} ${settings.transition_ms} ms`,
      fit: settings.fit,
      caption: settings.caption,
      locale: settings.locale,
      log_level: settings.log_level,
    });
    if (changed(VISUAL_SETTINGS)) this.show();
    else if (changed(TIMING_SETTINGS)) this.restartTimer();
  }

  /** Draw afresh what is due now; the slideshow's timer starts again once it is drawn. */
  show(): void {
    this.cancelTimer();
    // The current photo may have been dropped after it failed: the next one takes its place.
    const playlist = this.model.playlist;
    if (currentImage(playlist) === null && playlist.images.length > 0) this.set({ playlist: forward(playlist, this.context.random) });
    this.effects.push({ kind: 'show' });
  }

  cancelTimer(): void {
    this.set({ timerArmed: false });
    this.effects.push({ kind: 'cancel timer' });
  }

  /** Plans the next change from now, unless the slideshow is paused, off, or has nothing to change to. */
  restartTimer(): void {
    this.cancelTimer();
    const model = this.model;
    if (model.paused || model.power === 'off' || model.playlist.images.length < 2) return;
    this.arm(planTimer(model.settings, this.context.now, this.context.random, model.alignNext));
  }

  arm(plan: TimerPlan): void {
    this.cancelTimer();
    if (this.model.paused) return;
    this.set({ timerArmed: true });
    this.effects.push({ kind: 'arm timer', plan });
  }
}
