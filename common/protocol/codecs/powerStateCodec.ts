import { accept, describeValue, parseJsonOrWord, refuse, type Decoded } from '../decoded.ts';

/** `/<id>:power_state` — whether the display shows photos ("on") or a dark screen ("off"). */
export type PowerState = 'on' | 'off';

/**
 * "off" and "stop" in any case blank the screen (the original viewer exited
 * on them; we stay alive so "on" can bring the photos back). The original
 * server never writes this key, people do, so a bare word counts too.
 */
export function decodePowerState(raw: string): Decoded<PowerState> {
  const parsed = parseJsonOrWord(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (word === 'off' || word === 'stop') return accept('off');
    if (word === 'on') return accept('on');
  }
  return refuse(`power_state must be "on", "off" or "stop", got ${describeValue(value)}`);
}

export function encodePowerState(state: PowerState): string {
  return JSON.stringify(state);
}
