import { intervalMs, type DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import type { Random } from './playlist.ts';

// setTimeout cannot wait longer than 2^31-1 ms (~24.8 days); longer intervals re-arm.
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The original's half-life rule is checked once a minute. */
export const HALF_LIFE_TICK_MS = 60_000;

type TimingSettings = Pick<DisplaySettings, 'interval_time' | 'interval_units' | 'variance_pct' | 'use_halflife' | 'interval_base'>;

/**
 * How long the current photo stays: the interval, drawn uniformly within
 * ± variance_pct and rounded to whole seconds as the original does, so a
 * wall of displays does not change in lockstep.
 */
export function nextDelayMs(settings: Pick<DisplaySettings, 'interval_time' | 'interval_units' | 'variance_pct'>, random: Random): number {
  const base = intervalMs(settings);
  const spread = (settings.variance_pct / 100) * (2 * random() - 1);
  return Math.max(1000, Math.round((base * (1 + spread)) / 1000) * 1000);
}

/**
 * The original's half-life rule: once a minute, change with probability
 * 0.67 / interval in minutes, so a photo stays a memoryless random time whose
 * typical length follows the interval.
 */
export function halfLifeChanges(settings: Pick<DisplaySettings, 'interval_time' | 'interval_units'>, random: Random): boolean {
  const minutes = intervalMs(settings) / 60_000;
  return random() < Math.min(1, 0.67 / minutes);
}

/**
 * The first clock time after `now` matching `base` ("HH:MM", either part `*`),
 * in local time at a whole minute; null for "*:*", which aligns to nothing.
 */
export function alignedTime(now: Date, base: string): Date | null {
  const match = /^(\*|\d{1,2}):(\*|\d{1,2})$/.exec(base.trim());
  if (!match || (match[1] === '*' && match[2] === '*')) return null;
  const hour = match[1] === '*' ? null : Number(match[1]);
  const minute = match[2] === '*' ? null : Number(match[2]);
  const t = new Date(now);
  t.setSeconds(0, 0);
  // A day has 1440 minutes: one of the next 1440 whole minutes matches any valid base.
  for (let i = 0; i < 1440; i++) {
    t.setMinutes(t.getMinutes() + 1);
    if ((hour === null || t.getHours() === hour) && (minute === null || t.getMinutes() === minute)) return t;
  }
  return null;
}

/** What the slideshow timer should do next: move on after a delay, or check the half-life rule after a minute. */
export interface TimerPlan {
  delayMs: number;
  action: 'advance' | 'half-life check';
}

/**
 * The next timer for a photo just shown. `alignFirst` is true for the first
 * change after start (or after interval_base changed), which waits for the
 * aligned clock time; later changes follow the interval.
 */
export function planTimer(settings: TimingSettings, now: Date, random: Random, alignFirst: boolean): TimerPlan {
  if (settings.use_halflife) return { delayMs: HALF_LIFE_TICK_MS, action: 'half-life check' };
  const aligned = alignFirst ? alignedTime(now, settings.interval_base) : null;
  if (aligned) return { delayMs: aligned.getTime() - now.getTime(), action: 'advance' };
  return { delayMs: nextDelayMs(settings, random), action: 'advance' };
}
