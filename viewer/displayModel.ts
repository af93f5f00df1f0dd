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
import { DEFAULT_SETTINGS, effectiveSettings, type DisplaySettings, type SettingsValue } from '../common/protocol/codecs/settingsCodec.ts';
import type { GroupClock } from '../common/protocol/codecs/groupClockCodec.ts';
import type { DisplayChange } from '../common/protocol/topicRegistry.ts';
import { slotAt, slotStart, SlotPhotos } from '../common/sync/groupSlots.ts';
import { parseSchedule, scheduleStateAt, type ScreenSchedule } from '../common/schedule/screenSchedule.ts';
import type { ManifestRef } from '../common/protocol/codecs/imagesManifestCodec.ts';
import type { PhotoList } from './photoList.ts';
import { back, currentImage, dropCurrent, EMPTY_PLAYLIST, forward, upcomingImage, withImages, withMode, type Playlist, type Random } from './playlist.ts';
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
  /** The last good schedule (a malformed one is refused and this kept); null: none. */
  readonly schedule: ScreenSchedule | null;
  /** The time zone the schedule is read in: the `timezone` setting, else the display's own. */
  readonly timeZone: string | null;
  /** Whether the schedule has the screen off, as of the last tick, and its next edge (ms). */
  readonly scheduledOff: boolean;
  readonly nextEdge: number | null;
  /** A power_state written while a schedule is in force: it wins until the schedule's next edge (null: no edge ahead). */
  readonly override: { readonly power: PowerState; readonly until: number | null } | null;
  /** When the model next needs a tick (an edge, or the end of an override); null: never. */
  readonly clockAt: number | null;
  /** The last `images` value: the list while there is no manifest, and the one taken up when the manifest goes. */
  readonly listed: readonly string[];
  /** The manifest `images_manifest` names: while there is one, it is the list and `images` is a sample for original viewers. */
  readonly manifest: ManifestRef | null;
  /** Whether the playlist holds that manifest's names yet (they are fetched, or read from disk). */
  readonly manifestLoaded: boolean;
  /** The schedule of the `same` group this display is in (group_clock); null: its own timer. */
  readonly groupClock: GroupClock | null;
  /** In a group: the slot due (set at its boundary), and local change_photo steps from it until the next. */
  readonly slot: number | null;
  readonly nudge: number;
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
  schedule: null,
  timeZone: null,
  scheduledOff: false,
  nextEdge: null,
  override: null,
  clockAt: null,
  listed: [],
  manifest: null,
  manifestLoaded: false,
  groupClock: null,
  slot: null,
  nudge: 0,
};

export type ModelEvent =
  /** A value read from this display's keys, decoded through the registry (a command only when live). `live`: written while watching. */
  | { kind: 'change'; change: DisplayChange; live?: boolean }
  /** The clock reached `clockAt` (or a periodic check): the schedule is read again. */
  | { kind: 'tick' }
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
  | { kind: 'timer'; plan: TimerPlan }
  /** The names of the manifest `sha256`, fetched and checked (or read from disk). */
  | { kind: 'manifest loaded'; sha256: string; list: PhotoList }
  /** In a group: the slot timer ran out, just before slot `slot` begins (by the render latency). */
  | { kind: 'slot'; slot: number }
  /** The clock's offset against etcd was measured again: the slot due may differ. */
  | { kind: 'clock' };

export type Effect =
  /** Draw what `screenIntent` says, afresh (dropping any drawing under way). */
  | { kind: 'show' }
  | { kind: 'arm timer'; plan: TimerPlan }
  /** In a group: fire a 'slot' event for `slot`, which begins at `atMs` by etcd's clock. */
  | { kind: 'arm slot'; slot: number; atMs: number }
  | { kind: 'cancel timer' }
  | { kind: 'reboot' }
  | { kind: 'restart screen' }
  | { kind: 'answer now showing'; requestId: string }
  | { kind: 'log level'; level: LogLevel }
  /** Turn the screen itself (the TV) on or off: over HDMI-CEC where there is a way. */
  | { kind: 'screen power'; on: boolean }
  /** Fetch (or read from disk) the manifest, then report 'manifest loaded'; until then the display shows what it showed. */
  | { kind: 'load manifest'; ref: ManifestRef }
  | { kind: 'note'; level: 'info' | 'warn'; message: string; fields?: Record<string, string | number | boolean> };

/** What the reducer reads besides the event: the clock and the source of chance. */
export interface ModelContext {
  now: Date;
  random: Random;
  /** The display's own time zone, for a schedule without a `timezone` setting. */
  systemTimeZone?: string;
  /** etcd's time now (this clock corrected by its measured offset), which a group's slots follow; `now` if not given. */
  etcdNowMs?: number;
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
  return { screenOn: screenOn(model), photo: synced(model) ? slotPhoto(model, model.slot! + model.nudge) : currentImage(model.playlist) };
}

// A memo of one pass's order: pure (the same inputs give the same order), and a display asks for neighbouring slots.
const slotPhotos = new SlotPhotos();

/** Whether the display follows its group's slots: a group clock, photos, and the slot known. */
export function synced(model: DisplayModel): boolean {
  return model.groupClock !== null && model.slot !== null && model.playlist.images.length > 0;
}

function slotPhoto(model: DisplayModel, slot: number): string | null {
  return slotPhotos.photoAt(model.playlist.images, model.groupClock?.seed ?? null, slot);
}

/** The photo to decode ahead: in a group, the next slot's; else what a forward step would show. */
export function upcomingPhoto(model: DisplayModel): string | null {
  if (synced(model)) return model.playlist.images.length > 1 ? slotPhoto(model, model.slot! + 1) : null;
  return upcomingImage(model.playlist);
}

/** In a group: its id and the slot due, for the status. */
export function groupSlot(model: DisplayModel): { group: string; slot: number } | null {
  return synced(model) ? { group: model.groupClock!.group, slot: model.slot! + model.nudge } : null;
}

/**
 * Whether the screen is on: a power_state written during a schedule wins until
 * the next edge; else the schedule decides; with no schedule, power_state.
 */
function screenOn(model: DisplayModel): boolean {
  if (model.override) return model.override.power !== 'off';
  if (model.schedule) return !model.scheduledOff;
  return model.power !== 'off';
}

/** Which decides the screen now, for the status the console shows. */
export interface ScheduleStatus {
  state: 'none' | 'on' | 'off' | 'overridden';
  /** Until when (ISO): the next edge, or the end of the override. */
  until: string | null;
  /** When overridden: what power_state asked for. */
  override?: PowerState;
}

export function scheduleStatus(model: DisplayModel): ScheduleStatus {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  if (model.override) return { state: 'overridden', until: iso(model.override.until), override: model.override.power };
  if (!model.schedule) return { state: 'none', until: null };
  return { state: model.scheduledOff ? 'off' : 'on', until: iso(model.nextEdge) };
}

/** Whether the slideshow should be moving on by itself now: the screen on, not paused, something to change to. */
export function expectsChanges(model: DisplayModel): boolean {
  return screenOn(model) && !model.paused && model.playlist.images.length > 1;
}

export function retryDelayMs(consecutiveFailures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** (consecutiveFailures - 1), LONGEST_RETRY_MS);
}

/** The reducer. Effects are to be carried out in order. */
export function reduce(model: DisplayModel, event: ModelEvent, context: ModelContext): Step {
  const step = new StepBuilder(model, context);
  switch (event.kind) {
    case 'change':
      step.change(event.change, event.live ?? false);
      break;
    case 'tick':
      step.followSchedule(true);
      break;
    case 'manifest loaded':
      // A manifest superseded while it was fetched is dropped.
      if (model.manifest?.sha256 !== event.sha256) break;
      step.set({ manifestLoaded: true });
      step.list(event.list);
      break;
    case 'image server':
      step.set({ server: event.server });
      // A manifest that could not be fetched without a server can be now.
      if (model.manifest && !model.manifestLoaded) step.effects.push({ kind: 'load manifest', ref: model.manifest });
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
      if (synced(model)) {
        // In a group the next slot is the retry: a member that moves on by itself would leave the others.
        step.set({ consecutiveFailures: failures });
        step.restartTimer();
        break;
      }
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
    case 'slot':
      if (!synced(model)) break;
      step.set({ timerArmed: false, slot: Math.max(event.slot, model.slot!), nudge: 0 });
      step.show();
      break;
    case 'clock':
      step.sync();
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

  change(change: DisplayChange, live: boolean): void {
    const random = this.context.random;
    switch (change.topic) {
      case 'images':
        this.set({ listed: change.value });
        // While a manifest names the list, `images` holds a sample for original viewers.
        if (this.model.manifest) return;
        return this.list(change.value);
      case 'images_manifest':
        return this.manifest(change.value);
      case 'settings':
        return this.settings(change.value);
      case 'power_state': {
        const before = screenOn(this.model);
        this.set({ power: change.value });
        this.note('info', `power ${change.value}`);
        // Written now, during a schedule: it wins until the schedule's next edge. Read at start, it is history.
        if (live && this.model.schedule) {
          this.evaluate();
          this.set({ override: { power: change.value, until: this.model.nextEdge } });
          this.note('info', `power_state ${change.value} overrides the schedule`, { until: this.model.nextEdge === null ? '' : new Date(this.model.nextEdge).toISOString() });
        }
        this.evaluate();
        // A repeated value (a write etcd applied twice, a second `on`) that leaves the screen as it was changes
        // nothing on it: no redraw, and the slideshow's timer runs on.
        if (screenOn(this.model) === before) return;
        this.effects.push({ kind: 'screen power', on: screenOn(this.model) });
        return this.show();
      }
      case 'paused':
        if (this.model.paused === change.value) return;
        this.set({ paused: change.value });
        this.note('info', change.value ? 'slideshow paused' : 'slideshow resumed');
        if (change.value) return this.cancelTimer();
        // A group member resumes on the group's slot, not where it paused.
        return this.model.groupClock !== null ? this.sync() : this.restartTimer();
      case 'album':
        this.set({ album: change.value });
        return;
      case 'group_clock':
        return this.groupClock(change.value);
      case 'change_photo':
        if (synced(this.model)) {
          // One display stepped on its own: it shows its neighbour slot until the group's next boundary.
          this.set({ nudge: this.model.nudge + (change.value === 'back' ? -1 : 1) });
          this.note('info', `change_photo ${change.value} (until the group's next slot)`);
          return this.show();
        }
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

  private groupClock(clock: GroupClock | null): void {
    const before = this.model.groupClock;
    if (JSON.stringify(before) === JSON.stringify(clock)) return;
    this.set({ groupClock: clock });
    if (clock === null) {
      this.set({ slot: null, nudge: 0 });
      this.note('info', 'left the group schedule: the display keeps its own time');
      return this.show();
    }
    this.note('info', 'group schedule', { group: clock.group, interval_ms: clock.interval_ms, offset: clock.offset });
    this.sync(true);
  }

  /** In a group: moves to the slot due by etcd's time; `force` draws even if it is the same slot (the clock itself changed). */
  sync(force = false): void {
    const model = this.model;
    if (model.groupClock === null || model.playlist.images.length === 0) return;
    const slot = slotAt(model.groupClock, this.etcdNow());
    const before = synced(model) ? screenIntent(model).photo : null;
    // A slot set at its boundary by a timer fired early (by the render latency) stays: the clock may read just before it.
    const keep = model.slot !== null && !force && model.slot === slot + 1;
    this.set({ slot: keep ? model.slot : slot, nudge: keep ? model.nudge : 0 });
    if (screenIntent(this.model).photo !== before || this.model.onScreen?.name !== screenIntent(this.model).photo) return this.show();
    this.restartTimer();
  }

  private etcdNow(): number {
    return this.context.etcdNowMs ?? this.context.now.getTime();
  }

  private manifest(ref: ManifestRef | null): void {
    const before = this.model.manifest;
    if (ref?.sha256 === before?.sha256) return;
    this.set({ manifest: ref, manifestLoaded: false });
    // The manifest gone: the list is `images` again (the console writes the new one before it deletes the manifest).
    if (ref === null) return this.list(this.model.listed);
    this.note('info', 'image list in a manifest', { photos: ref.count, sha256: ref.sha256.slice(0, 12) });
    this.effects.push({ kind: 'load manifest', ref });
  }

  list(images: readonly string[] | PhotoList): void {
    if (this.model.groupClock !== null) {
      this.set({ playlist: withImages(this.model.playlist, images, this.context.random) });
      this.note('info', 'image list', { photos: this.model.playlist.images.length, group: this.model.groupClock.group });
      if (this.model.playlist.images.length === 0) {
        this.set({ slot: null, nudge: 0 });
        return this.show();
      }
      return this.sync(true);
    }
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

  private settings(value: SettingsValue): void {
    const settings = effectiveSettings(value);
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
      schedule: settings.schedule,
      timezone: settings.timezone,
    });
    if (this.scheduleSettings(settings, new Set(value.refused ?? []))) return;
    if (changed(VISUAL_SETTINGS)) this.show();
    else if (changed(TIMING_SETTINGS)) this.restartTimer();
  }

  /** Takes a new schedule or time zone; a malformed one is refused (the codec says where) and the last good one stays. True if the screen turned. */
  private scheduleSettings(settings: DisplaySettings, refused: ReadonlySet<string>): boolean {
    if (refused.has('schedule') && this.model.schedule) this.note('warn', 'keeping the last good schedule', { schedule: this.model.schedule.text });
    const parsed = parseSchedule(settings.schedule);
    const schedule = refused.has('schedule') || !parsed.ok ? this.model.schedule : parsed.value;
    const timeZone = refused.has('timezone') ? this.model.timeZone : settings.timezone || null;
    if (schedule?.text === this.model.schedule?.text && timeZone === this.model.timeZone) return false;
    this.set({ schedule, timeZone });
    return this.followSchedule(false);
  }

  /**
   * Reads the schedule at the context's time, ending an override at its edge.
   * If the screen turns on or off, says so and draws what is due: after a
   * window, the next photo, not the one from before it. True if it turned.
   */
  followSchedule(freshPhotoOnWake: boolean): boolean {
    const before = screenOn(this.model);
    this.evaluate();
    const after = screenOn(this.model);
    if (after === before) return false;
    const status = scheduleStatus(this.model);
    this.note('info', `screen ${after ? 'on' : 'off'} by the schedule`, { until: status.until ?? '' });
    this.effects.push({ kind: 'screen power', on: after });
    if (after && freshPhotoOnWake && this.model.playlist.images.length > 1) this.set({ playlist: forward(this.model.playlist, this.context.random) });
    this.show();
    return true;
  }

  /** The schedule's state now, and when the model next needs a tick. */
  private evaluate(): void {
    const now = this.context.now.getTime();
    const model = this.model;
    let override = model.override;
    if (!model.schedule) {
      this.set({ scheduledOff: false, nextEdge: null, override: null, clockAt: null });
      return;
    }
    if (override && override.until !== null && now >= override.until) override = null;
    const timeZone = model.timeZone ?? this.context.systemTimeZone ?? 'UTC';
    const { off, nextEdge } = scheduleStateAt(model.schedule, timeZone, now);
    const ends = [nextEdge, override?.until ?? null].filter((at): at is number => at !== null);
    this.set({ scheduledOff: off, nextEdge, override, clockAt: ends.length > 0 ? Math.min(...ends) : null });
  }

  /** Draw afresh what is due now; the slideshow's timer starts again once it is drawn. */
  show(): void {
    this.cancelTimer();
    if (synced(this.model)) {
      // After the screen was off, paused or a slow draw: the slot due now, not the one from before.
      const due = slotAt(this.model.groupClock!, this.etcdNow());
      if (due > this.model.slot!) this.set({ slot: due, nudge: 0 });
      this.effects.push({ kind: 'show' });
      return;
    }
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
    if (!expectsChanges(model)) return;
    if (synced(model)) {
      if (model.paused) return;
      const next = Math.max(slotAt(model.groupClock!, this.etcdNow()), model.slot!) + 1;
      this.set({ timerArmed: true });
      this.effects.push({ kind: 'arm slot', slot: next, atMs: slotStart(model.groupClock!, next) });
      return;
    }
    this.arm(planTimer(model.settings, this.context.now, this.context.random, model.alignNext));
  }

  arm(plan: TimerPlan): void {
    this.cancelTimer();
    if (this.model.paused) return;
    this.set({ timerArmed: true });
    this.effects.push({ kind: 'arm timer', plan });
  }
}
