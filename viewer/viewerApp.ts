import { createLogger, setLogLevel } from '../common/log.ts';
import type { NowShowing } from '../common/protocol/codecs/commandCodecs.ts';
import { decodeImageServer, type ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import { intervalMs, type DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import { CUT, type Transition } from './crossfade.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { readDisplayChange } from '../common/protocol/topicRegistry.ts';
import { systemTimeZone } from '../common/schedule/zonedTime.ts';
import type { ManifestRef } from '../common/protocol/codecs/imagesManifestCodec.ts';
import type { PhotoList } from './photoList.ts';
import { expectsChanges, groupSlot, INITIAL_MODEL, reduce, retryDelayMs, scheduleStatus, screenIntent, upcomingPhoto, type DisplayModel, type Effect, type ModelEvent, type ScheduleStatus } from './displayModel.ts';
import type { FeedChange } from './displayFeed.ts';
import type { Frame } from './framePreparer.ts';
import { Superseded } from './latestWins.ts';
import type { Size } from './layout.ts';
import type { Random } from './playlist.ts';
import { ScreenRenderer, type RenderPorts } from './screenRenderer.ts';
import { MAX_TIMER_MS, type TimerPlan } from './slideshowTiming.ts';
import { DEFAULT_STALL_MS, stuckProblem } from './stuckDetector.ts';

const log = createLogger('viewer');

/**
 * How a frame replaces what is on screen: a new photo with the display's
 * transition; the same photo again (new settings, a new window size) with a
 * cut, which on the GPU path still keeps it as a texture for the next fade.
 */
export function transitionTo(name: string, onScreen: string | null, settings: Pick<DisplaySettings, 'transition' | 'transition_ms'>): Transition {
  if (settings.transition !== 'crossfade') return CUT;
  return { kind: 'crossfade', ms: name === onScreen ? 0 : settings.transition_ms };
}

// How long the display must have been still before the next photo is decoded ahead.
const AHEAD_AFTER_STILL_MS = 50;
// While a schedule is in force the clock is read at least this often, so a clock set late (a Pi without a
// real-time clock, before NTP) or a changed time zone database still finds its edge.
const LONGEST_CLOCK_WAIT_MS = 10 * 60_000;
// The first guess of the time from a slot timer's firing to the new photo presented: a decoded frame is
// drawn in a few ms. Each flip then measures it (see FlipAim).
const FIRST_FLIP_LEAD_MS = 4;
const LONGEST_FLIP_LEAD_MS = 250;
const FLIPS_REMEMBERED = 15;
// A group's slot timer fires this long before the draw is due: the frame decoded ahead is taken and
// everything but the draw is done, then a last short timer waits for the instant less the draw's lead.
// What varies with a busy event loop (promises, setImmediate) is so kept out of the instant.
const FLIP_PREP_MS = 50;

/**
 * Aims the draw of a group's slot so the new photo is presented at the
 * slot's instant: the last timer fires early by the lead, the time from the
 * moment it was aimed at to the present (a timer fires late by a millisecond
 * or so, and drawing a decoded frame takes a few). The lead is the lower
 * quartile of the last 15 flips, not a mean: the times are skewed by the
 * moments a busy machine delays a draw, and one such flip would otherwise
 * make the next several early.
 */
export class FlipAim {
  private readonly recent: number[] = [];
  leadMs = FIRST_FLIP_LEAD_MS;

  /** A flip aimed at `aimedAt` was presented at `presentedAt` (same clock). */
  presented(aimedAt: number, presentedAt: number): void {
    this.recent.push(Math.min(Math.max(presentedAt - aimedAt, 0), LONGEST_FLIP_LEAD_MS));
    if (this.recent.length > FLIPS_REMEMBERED) this.recent.shift();
    const sorted = [...this.recent].sort((a, b) => a - b);
    this.leadMs = sorted[Math.floor((sorted.length - 1) / 4)]!;
  }
}

/** What the app needs from the outside world; injected so the app itself holds only decisions. */
export interface ViewerPorts extends RenderPorts {
  /** Called with every accepted raw value, to keep the offline copy. */
  remember(key: string, value: string | null): void;
  /** The `reboot` command: runs the configured reboot command. */
  reboot(): void;
  /** The `restart_screen` command: closes and reopens the window; the app draws again afterwards. */
  restartScreen(): Promise<void>;
  /** The `current_display` command: puts the answer where the asker watches. */
  answerNowShowing(requestId: string, answer: NowShowing): void;
  /** Turns the screen itself (the TV) on or off, e.g. over HDMI-CEC; without it, "off" is a black window. */
  screenPower?(on: boolean): void;
  /**
   * No photo has changed for 3× the interval though one should have (see
   * stuckDetector.ts): called once, with why. The viewer reports and exits.
   */
  stuck?(problem: string): void;
  /**
   * The names of a manifest `images_manifest` named: from disk, else fetched
   * from the image server (null while none is known) and checked. Without
   * it, a display given a manifest keeps the list it had.
   */
  loadManifest?(ref: ManifestRef, server: ImageServerInfo | null): Promise<PhotoList>;
  /** How long a fetch may go without a byte before the stuck detector stops counting it as progress (DownloadLimits.stallMs). */
  fetchStallMs?: number;
  /** The display's own time zone (a schedule without a `timezone` setting); the system's by default. */
  timeZone?: string;
  now?: () => Date;
  /** etcd's clock minus this one, ms (see clockOffset.ts): a group's slots follow etcd's time. 0 until measured. */
  clockOffsetMs?: () => number;
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
 * through the topic registry (a value it refuses is logged and ignored, and
 * the display keeps showing what it showed); what follows is decided by the
 * pure model (displayModel.ts), and this class carries it out: rendering
 * through screenRenderer.ts, the slideshow's timer, and the ports.
 */
export class ViewerApp {
  private model: DisplayModel = INITIAL_MODEL;
  /** Counts the model's "show" effects: a drawing for an older one is superseded. */
  private generation = 0;
  /** The generation last drawn, blanked or failed: a newer one is still on its way to the screen. */
  private settledGeneration = 0;
  private readonly renderer: ScreenRenderer;
  private timer: unknown;
  /** The schedule's clock: a tick when the model asks for one (model.clockAt). */
  private clockTimer: unknown;
  private clockArmedFor: number | null = null;
  /** For the stuck detector: since when the slideshow has been expected to change and has not (drawn, failed, or started expecting). */
  private progressAt: number;
  private expecting = false;
  private stuckTimer: NodeJS.Timeout | undefined;
  private stuckReported: string | null = null;
  private plannedDelayMs = 0;
  private stuckCheckMs = Infinity;
  private stopped = false;
  /** The manifest being loaded now, its retry, and how many tries of it failed in a row. */
  private manifestLoading: string | null = null;
  private manifestRetry: NodeJS.Timeout | undefined;
  private manifestFailures = 0;
  private readonly systemTimeZone: string;
  private readonly now: () => Date;
  private readonly random: Random;
  private readonly timers: Timers;
  private readonly clockOffsetMs: () => number;
  private readonly flipAim = new FlipAim();
  /** The slot flip on its way: which slot, its instant and the instant aimed at (etcd time). */
  private pendingFlip: { slot: number; atMs: number; aimedAt: number } | null = null;
  /** The last flip: how far from its instant the photo was presented (ms, + late), for the log and the bench. */
  lastFlipErrorMs: number | null = null;

  constructor(
    readonly displayId: string,
    private readonly ports: ViewerPorts,
  ) {
    this.now = ports.now ?? (() => new Date());
    this.random = ports.random ?? Math.random;
    this.timers = ports.timers ?? REAL_TIMERS;
    this.clockOffsetMs = ports.clockOffsetMs ?? (() => 0);
    this.renderer = new ScreenRenderer(ports, () => this.model.server, () => this.now().getTime());
    this.systemTimeZone = ports.timeZone ?? systemTimeZone();
    this.progressAt = this.now().getTime();
    if (ports.stuck) this.armStuckCheck();
  }

  /** Applies a change from etcd. Commands act only when `live`: one read at start is history. */
  apply(change: FeedChange, live: boolean): void {
    if (change.key === IMAGE_SERVER_KEY) return this.applyImageServer(change);
    const outcome = readDisplayChange(this.displayId, change.key, change.value, live);
    if (outcome.kind === 'skip') return log.debug(`ignoring ${change.key}: ${outcome.why}`);
    if (outcome.kind === 'refuse') return log.rejectedInput(`ignoring malformed ${change.key}: ${outcome.error}`, { value: change.value });
    for (const note of outcome.notes) log.rejectedInput(`${change.key}: ${note}`);
    if (outcome.change.kind === 'state') this.ports.remember(change.key, change.value);
    this.dispatch({ kind: 'change', change: outcome.change, live });
  }

  /** The clock's offset against etcd was measured again: a group member re-aims at its slots. */
  clockCorrected(): void {
    if (this.model.groupClock !== null) this.dispatch({ kind: 'clock' });
  }

  /** In a group: its id and the slot due, for the status. */
  groupSlot(): { group: string; slot: number } | null {
    return groupSlot(this.model);
  }

  private etcdNow(): number {
    return this.now().getTime() + this.clockOffsetMs();
  }

  /** Re-lays out the current photo, e.g. after the window changed size. */
  refresh(): void {
    this.dispatch({ kind: 'refresh' });
  }

  /**
   * Draws the photo on screen again, from its cached file, after the window
   * lost its content: the screen keeps no copy of its pixels. The photo, its
   * "since" and the slideshow's timer stay as they are, and a newer state on
   * its way wins over the repaint.
   */
  redraw(): void {
    const shown = this.model.onScreen;
    if (this.stopped || shown === null || !screenIntent(this.model).screenOn) return;
    const generation = this.generation;
    const size = this.renderer.size;
    const settings = this.model.settings;
    const superseded = () => generation !== this.generation || this.stopped || this.model.onScreen !== shown;
    void (async () => {
      try {
        // Ranked below the state it repaints, so a decode for that state (a new photo waiting its turn) is never
        // displaced by the repaint of the old one; above a frame ahead (generation - 0.5).
        const frame = await this.renderer.frameFor(`repaint of ${shown.name}`, shown.name, size, settings, generation - 0.25, superseded);
        if (superseded()) return;
        this.renderer.draw(frame);
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
    if (this.clockTimer !== undefined) this.timers.clear(this.clockTimer);
    this.clockTimer = undefined;
    clearTimeout(this.stuckTimer);
    clearTimeout(this.manifestRetry);
  }

  /** Whether a state is on its way to the screen (decided, not yet drawn). */
  get drawPending(): boolean {
    return this.generation !== this.settledGeneration && !this.stopped;
  }

  /** Which decides the screen now (schedule, override, or neither), for the status. */
  scheduleStatus(): ScheduleStatus {
    return scheduleStatus(this.model);
  }

  /** Why the slideshow looks stuck, or null. */
  stuckProblem(): string | null {
    return this.stuckReported;
  }

  get state() {
    const { playlist, settings, server, power, paused, onScreen } = this.model;
    return { playlist, settings, server, power, paused, onScreen };
  }

  /** The answer to "what is on screen now": the photo really drawn, not one still being fetched. */
  nowShowing(): NowShowing {
    const model = this.model;
    return {
      display: this.displayId,
      image: model.onScreen?.name ?? null,
      album: model.album?.name ?? null,
      shown_at: model.onScreen?.since ?? null,
      power: model.power,
      paused: model.paused,
    };
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
    this.dispatch({ kind: 'image server', server: decoded.value as ImageServerInfo });
  }

  /** Runs the model on one event and carries out what it decided, in order. */
  private dispatch(event: ModelEvent): void {
    const now = this.now();
    const step = reduce(this.model, event, { now, random: this.random, systemTimeZone: this.systemTimeZone, etcdNowMs: now.getTime() + this.clockOffsetMs() });
    this.model = step.model;
    for (const effect of step.effects) this.carryOut(effect);
    if (this.model.clockAt !== this.clockArmedFor) this.armClock();
    // Becoming due to change counts as progress: the wait is measured from then.
    const expecting = expectsChanges(this.model);
    if (expecting && !this.expecting) this.progressAt = this.now().getTime();
    this.expecting = expecting;
    // A shorter interval, or changes expected again after a minute's pace: checks follow at once.
    if (this.ports.stuck && !this.stopped && this.stuckReported === null && this.stuckCheckPace() < this.stuckCheckMs) {
      clearTimeout(this.stuckTimer);
      this.armStuckCheck();
    }
  }

  /** A tick when the model asks for one, and at least every 10 minutes meanwhile. */
  private armClock(): void {
    if (this.clockTimer !== undefined) this.timers.clear(this.clockTimer);
    this.clockTimer = undefined;
    this.clockArmedFor = this.model.clockAt;
    if (this.stopped || this.model.clockAt === null) return;
    const wait = Math.max(0, Math.min(this.model.clockAt - this.now().getTime(), LONGEST_CLOCK_WAIT_MS));
    this.clockTimer = this.timers.set(() => {
      this.clockTimer = undefined;
      this.clockArmedFor = null;
      if (this.stopped) return;
      this.dispatch({ kind: 'tick' });
      if (this.clockTimer === undefined) this.armClock();
    }, wait);
  }

  /**
   * Looks again in half an interval (1 s to 1 min), so a stuck slideshow is
   * seen soon after its 3 intervals; once a minute while nothing is expected
   * (screen off, paused), so an idle viewer is woken seldom.
   */
  private stuckCheckPace(): number {
    return expectsChanges(this.model) ? Math.min(Math.max(intervalMs(this.model.settings) / 2, 1000), 60_000) : 60_000;
  }

  private armStuckCheck(): void {
    this.stuckCheckMs = this.stuckCheckPace();
    this.stuckTimer = setTimeout(() => {
      this.checkStuck();
      if (!this.stopped && this.stuckReported === null) this.armStuckCheck();
    }, this.stuckCheckMs);
    // The detector never keeps a viewer alive on its own.
    this.stuckTimer.unref();
  }

  private checkStuck(): void {
    if (this.stopped || this.stuckReported !== null) return;
    // A download receiving bytes is progress of its own; one that has had none for the stall bound (or a decode
    // check that does not finish) is not, though it would time out by itself much later, if ever.
    if (this.renderer.fetchProgressing(this.ports.fetchStallMs ?? DEFAULT_STALL_MS)) {
      this.progressAt = this.now().getTime();
      return;
    }
    const problem = stuckProblem({
      expecting: expectsChanges(this.model),
      sinceMs: this.progressAt,
      nowMs: this.now().getTime(),
      plannedDelayMs: this.plannedDelayMs,
      settings: this.model.settings,
    });
    if (problem === null) return;
    this.stuckReported = problem;
    this.ports.stuck?.(problem);
  }

  private carryOut(effect: Effect): void {
    switch (effect.kind) {
      case 'show':
        return this.showCurrent();
      case 'arm timer':
        return this.arm(effect.plan);
      case 'arm slot':
        return this.armSlot(effect.slot, effect.atMs);
      case 'cancel timer':
        return this.cancelTimer();
      case 'log level':
        return setLogLevel(effect.level);
      case 'note':
        return effect.level === 'warn' ? log.warn(effect.message, effect.fields) : log.info(effect.message, effect.fields);
      case 'reboot':
        log.warn('reboot requested');
        return this.ports.reboot();
      case 'restart screen':
        log.info('restart_screen requested');
        void this.ports.restartScreen().then(
          () => this.refresh(),
          (error: Error) => log.error(`cannot restart the screen: ${error.message}`),
        );
        return;
      case 'answer now showing':
        return this.ports.answerNowShowing(effect.requestId, this.nowShowing());
      case 'screen power':
        return this.ports.screenPower?.(effect.on);
      case 'load manifest':
        return this.loadManifest(effect.ref);
    }
  }

  /** Loads a manifest, once at a time; a failure is retried, backing off, for as long as it is still the display's. */
  private loadManifest(ref: ManifestRef): void {
    const loader = this.ports.loadManifest;
    if (!loader) return log.warn('this viewer cannot load manifests; keeping the list it has');
    if (this.stopped || this.manifestLoading === ref.sha256) return;
    this.manifestLoading = ref.sha256;
    clearTimeout(this.manifestRetry);
    const started = performance.now();
    const stillWanted = () => !this.stopped && this.model.manifest?.sha256 === ref.sha256 && !this.model.manifestLoaded;
    loader(ref, this.model.server).then(
      (list) => {
        if (this.manifestLoading === ref.sha256) this.manifestLoading = null;
        if (!stillWanted()) return;
        this.manifestFailures = 0;
        log.info('manifest loaded', { photos: list.length, sha256: ref.sha256.slice(0, 12), ms: Math.round(performance.now() - started) });
        this.dispatch({ kind: 'manifest loaded', sha256: ref.sha256, list });
      },
      (error: Error) => {
        if (this.manifestLoading === ref.sha256) this.manifestLoading = null;
        if (!stillWanted()) return;
        const delayMs = retryDelayMs(++this.manifestFailures);
        log.warn(`${error.message}; trying again in ${delayMs / 1000} s`);
        this.manifestRetry = setTimeout(() => {
          if (stillWanted()) this.loadManifest(ref);
        }, delayMs);
      },
    );
  }

  /** Draws what the model says is due, dropping any drawing for an older state. */
  private showCurrent(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    const intent = screenIntent(this.model);
    const name = intent.photo;
    if (!intent.screenOn || name === null) {
      this.settledGeneration = generation;
      this.renderer.blank();
      this.dispatch({ kind: 'blanked' });
      if (name === null) log.info('no images assigned; screen is black');
      return;
    }
    const size = this.renderer.size;
    const settings = this.model.settings;
    const superseded = () => generation !== this.generation || this.stopped;
    void (async () => {
      // Only the last state of everything read from etcd in this turn of the event loop goes on. A burst
      // arrives as many watch messages, each applied in its own callback: waiting one microtask let each
      // through, and their fetches queued up in libuv's four threads ahead of the final photo's (bench: the
      // final state drawn 0.5-1.8 s after the last of 1,000 writes, instead of ~0.1 s).
      await new Promise((resolve) => setImmediate(resolve));
      if (superseded()) return;
      const ahead = this.renderer.takeAhead(name, size, settings);
      try {
        // Fetches may overlap (a cached one answers at once); decoding is one frame at a time,
        // and a state superseded by then is dropped before any of its pixels are made.
        // A frame ahead that failed (a download that failed then) is no reason not to try afresh now.
        const frame = (await ahead) ?? (await this.renderer.frameFor(`frame of ${name}`, name, size, settings, generation, superseded));
        if (superseded()) return;
        // A group's slot: everything is ready; the draw itself waits for the instant, less its lead.
        const hold = this.flipHoldMs();
        if (hold > 0) {
          await new Promise<void>((resolve) => this.timers.set(() => resolve(), hold));
          if (superseded()) return;
        }
        this.drawn(frame, name, generation, size, settings);
      } catch (error) {
        if (superseded()) return;
        // Dropped for a newer state that is on its way: not a failure to count or retry.
        if (error instanceof Superseded) return log.debug(`${error.message}`);
        // A failure is no freeze: it is retried and reported as it happens.
        this.progressAt = this.now().getTime();
        this.settledGeneration = generation;
        this.dispatch({ kind: 'failed', name, reason: (error as Error).message });
      }
    })();
  }

  private drawn(frame: Frame, name: string, generation: number, size: Size, settings: DisplaySettings): void {
    const superseded = () => generation !== this.generation || this.stopped;
    const transition = transitionTo(name, this.model.onScreen?.name ?? null, settings);
    this.settledGeneration = generation;
    this.renderer.draw(frame, transition);
    const flip = this.pendingFlip;
    this.pendingFlip = null;
    this.progressAt = this.now().getTime();
    const slot = groupSlot(this.model);
    if (flip && slot?.slot === flip.slot) {
      const presentedAt = this.etcdNow();
      this.flipAim.presented(flip.aimedAt, presentedAt);
      this.lastFlipErrorMs = presentedAt - flip.atMs;
    }
    log.info('showing image', {
      name,
      of: this.model.playlist.images.length,
      ...(slot ? { slot: slot.slot, ...(flip && slot.slot === flip.slot ? { flip_error_ms: this.lastFlipErrorMs!, lead_ms: Math.round(this.flipAim.leadMs) } : {}) } : {}),
    });
    this.dispatch({ kind: 'shown', name, at: this.now() });
    const upcoming = upcomingPhoto(this.model);
    // Only once the display has been still a moment: in a burst, a decode ahead would only delay the final state.
    // After a crossfade, not before it ends: during one the two photos being blended are the two frames held.
    if (upcoming) {
      setTimeout(
        () => {
          // Ranked just below the state it follows: any newer state to show goes first.
          if (!superseded()) this.renderer.prepareAhead(upcoming, size, settings, generation - 0.5, () => generation !== this.generation);
        },
        AHEAD_AFTER_STILL_MS + (transition.kind === 'crossfade' ? transition.ms : 0),
      );
    }
  }

  /** How long the draw of the slot flip under way should wait (0: none under way, or already late). */
  private flipHoldMs(): number {
    const flip = this.pendingFlip;
    if (flip === null || groupSlot(this.model)?.slot !== flip.slot) return 0;
    flip.aimedAt = flip.atMs - this.flipAim.leadMs;
    return Math.max(0, flip.aimedAt - this.etcdNow());
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  /**
   * A group's slot: a timer FLIP_PREP_MS before the slot's instant (etcd
   * time) less the measured lead; the frame decoded ahead is then taken and
   * its draw waits the rest (flipHoldMs), so it reaches the screen at the
   * instant. Timers, never a polling loop; a long slot is waited for in
   * pieces, and each piece aims afresh (the clock offset may have moved).
   */
  private armSlot(slot: number, atMs: number): void {
    this.cancelTimer();
    if (this.stopped) return;
    const generation = this.generation;
    const aimedAt = atMs - this.flipAim.leadMs;
    const wait = aimedAt - FLIP_PREP_MS - this.etcdNow();
    this.plannedDelayMs = Math.max(0, atMs - this.etcdNow());
    this.timer = this.timers.set(
      () => {
        this.timer = undefined;
        if (generation !== this.generation || this.stopped) return;
        if (wait > MAX_TIMER_MS) return this.armSlot(slot, atMs);
        this.pendingFlip = { slot, atMs, aimedAt };
        this.dispatch({ kind: 'slot', slot });
      },
      Math.min(Math.max(0, wait), MAX_TIMER_MS),
    );
  }

  private arm(plan: TimerPlan): void {
    this.cancelTimer();
    if (this.stopped) return;
    const generation = this.generation;
    this.plannedDelayMs = plan.delayMs;
    const wait = Math.min(plan.delayMs, MAX_TIMER_MS);
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      if (generation !== this.generation || this.stopped) return;
      // setTimeout cannot wait that long at once: the rest is waited for by the same timer, still armed.
      if (plan.delayMs > MAX_TIMER_MS) return this.arm({ ...plan, delayMs: plan.delayMs - MAX_TIMER_MS });
      this.dispatch({ kind: 'timer', plan });
    }, wait);
  }
}
