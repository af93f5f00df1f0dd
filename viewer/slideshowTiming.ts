import { intervalMs, type DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';

// setTimeout cannot wait longer than 2^31-1 ms (~24.8 days); longer intervals re-arm.
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How long the current photo stays: the interval, varied uniformly by
 * ± variance_pct so a wall of displays does not change in lockstep.
 * `random` is injected so the spread can be tested.
 */
export function nextDelayMs(
  settings: Pick<DisplaySettings, 'interval_time' | 'interval_units' | 'variance_pct'>,
  random: () => number = Math.random,
): number {
  const base = intervalMs(settings);
  const spread = (settings.variance_pct / 100) * (2 * random() - 1);
  return Math.max(1000, Math.round(base * (1 + spread)));
}
