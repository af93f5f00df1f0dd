import { accept, parseJson, refuse, type Decoded } from '../decoded.ts';

/** `/<id>:power_state` — whether the display shows photos ("on") or a dark screen ("off"). */
export type PowerState = 'on' | 'off';

export function decodePowerState(raw: string): Decoded<PowerState> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  if (parsed.value === 'on' || parsed.value === 'off') return accept(parsed.value);
  return refuse('power_state must be the JSON string "on" or "off"');
}

export function encodePowerState(state: PowerState): string {
  return JSON.stringify(state);
}
