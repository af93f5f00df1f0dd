import { intervalMs, type DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';

/** A photo stays at most its interval plus its variance (≤ 100%): three intervals without a change is no chance. */
export const STUCK_INTERVALS = 3;
/**
 * The half-life rule changes at random (memoryless): three typical intervals
 * pass without a change about one time in eight; ten, about one in a thousand.
 */
export const STUCK_INTERVALS_HALF_LIFE = 10;
/**
 * How long a fetch may go without a byte, and a photo's decode check may
 * take, before it counts as stalled (DownloadLimits.stallMs). The largest
 * photo accepted (100 MP) is checked at 1/8 scale in a few seconds on a Pi 3.
 */
export const DEFAULT_STALL_MS = 30_000;

export interface StuckInput {
  /** The screen is on, the slideshow not paused, with more than one photo. */
  expecting: boolean;
  /** Since when no photo has been drawn (or failed visibly) while expecting. */
  sinceMs: number;
  nowMs: number;
  /** The wait the slideshow's timer was last armed for (a first change aligned to a clock time may wait long). */
  plannedDelayMs: number;
  settings: Pick<DisplaySettings, 'interval_time' | 'interval_units' | 'use_halflife'>;
}

/**
 * The stuck detector's decision, pure: why the slideshow looks frozen, or
 * null. A frozen slideshow with a healthy event loop (a decode that never
 * returns, a render queue wedged) is what the systemd watchdog cannot see
 * unless the work is tracked; this catches whatever the cause.
 */
export function stuckProblem(input: StuckInput): string | null {
  if (!input.expecting) return null;
  const factor = input.settings.use_halflife ? STUCK_INTERVALS_HALF_LIFE : STUCK_INTERVALS;
  const limit = Math.max(factor * intervalMs(input.settings), input.plannedDelayMs + intervalMs(input.settings));
  const waited = input.nowMs - input.sinceMs;
  if (waited <= limit) return null;
  return `no photo has changed for ${Math.round(waited / 1000)} s, more than ${factor}× the interval of ${Math.round(intervalMs(input.settings) / 1000)} s`;
}
