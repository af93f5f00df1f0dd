import { isLogLevel, LOG_LEVELS, type LogLevel } from '../../log.ts';
import { accept, isPlainObject, parseJson, refuse, type Decoded } from '../decoded.ts';

/**
 * `/<id>:settings` — a JSON object with the fields of the original system.
 * Every field is optional on the wire; missing ones take the defaults below.
 * Unknown fields are kept, so a newer console's additions survive a merge by an older one.
 */
export const ORIENTATIONS = ['H', 'V', 'S'] as const;
export type Orientation = (typeof ORIENTATIONS)[number];
export const INTERVAL_UNITS = ['seconds', 'minutes', 'hours', 'days'] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

export interface DisplaySettings {
  name: string;
  description: string;
  /** How the screen is mounted: H landscape, V portrait (output turned 90°), S square. */
  orientation: Orientation;
  interval_time: number;
  interval_units: IntervalUnit;
  /** Each interval is drawn uniformly within ± this percentage. */
  variance_pct: number;
  use_halflife: boolean;
  /** Multipliers: 1 leaves the photo as it is. */
  brightness: number;
  contrast: number;
  saturation: number;
  log_level: LogLevel;
}

export const DEFAULT_SETTINGS: Readonly<DisplaySettings> = Object.freeze({
  name: '',
  description: '',
  orientation: 'H',
  interval_time: 60,
  interval_units: 'seconds',
  variance_pct: 0,
  use_halflife: false,
  brightness: 1,
  contrast: 1,
  saturation: 1,
  log_level: 'info',
});

export type SettingName = keyof DisplaySettings;

interface FieldRule {
  describe: string;
  check(value: unknown): boolean;
  /** Turns a command-line word into the field's type, or undefined if it cannot. */
  fromText(text: string): unknown;
}

const number = (min: number, max: number, minExclusive = false): FieldRule => ({
  describe: minExclusive ? `a number above ${min} and at most ${max}` : `a number from ${min} to ${max}`,
  check: (v) => typeof v === 'number' && Number.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max,
  fromText: (t) => (t.trim() === '' ? undefined : Number(t)),
});
const text = (maxLength: number): FieldRule => ({
  describe: `a string of at most ${maxLength} characters`,
  check: (v) => typeof v === 'string' && v.length <= maxLength,
  fromText: (t) => t,
});
const oneOf = (choices: readonly string[]): FieldRule => ({
  describe: `one of ${choices.join(', ')}`,
  check: (v) => typeof v === 'string' && choices.includes(v),
  fromText: (t) => t,
});
const boolean: FieldRule = {
  describe: 'true or false',
  check: (v) => typeof v === 'boolean',
  fromText: (t) => (t === 'true' ? true : t === 'false' ? false : undefined),
};

const RULES: Record<SettingName, FieldRule> = {
  name: text(200),
  description: text(2000),
  orientation: oneOf(ORIENTATIONS),
  interval_time: number(0, 1e9, true),
  interval_units: oneOf(INTERVAL_UNITS),
  variance_pct: number(0, 100),
  use_halflife: boolean,
  brightness: number(0, 4),
  contrast: number(0, 4),
  saturation: number(0, 4),
  log_level: oneOf(LOG_LEVELS),
};

export const SETTING_NAMES = Object.keys(RULES) as SettingName[];

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(RULES, name);
}

function fieldProblem(name: SettingName, value: unknown): string | null {
  const rule = RULES[name];
  return rule.check(value) ? null : `settings.${name} must be ${rule.describe}, got ${JSON.stringify(value)}`;
}

/** Validates the known fields of a settings object; unknown fields pass through untouched. */
export function validateSettingsObject(raw: Record<string, unknown>): Decoded<Record<string, unknown>> {
  for (const name of SETTING_NAMES) {
    if (!Object.hasOwn(raw, name)) continue;
    const problem = fieldProblem(name, raw[name]);
    if (problem) return refuse(problem);
  }
  return accept(raw);
}

/** The settings a viewer applies: the wire object over the defaults. */
export function effectiveSettings(raw: Record<string, unknown>): DisplaySettings {
  const settings: DisplaySettings = { ...DEFAULT_SETTINGS };
  for (const name of SETTING_NAMES) {
    if (Object.hasOwn(raw, name)) (settings as unknown as Record<string, unknown>)[name] = raw[name];
  }
  if (!isLogLevel(settings.log_level)) settings.log_level = DEFAULT_SETTINGS.log_level;
  return settings;
}

export function decodeSettings(raw: string): Decoded<Record<string, unknown>> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  if (!isPlainObject(parsed.value)) return refuse('settings must be a JSON object');
  return validateSettingsObject(parsed.value);
}

export function encodeSettings(settings: Record<string, unknown>): string {
  const checked = validateSettingsObject(settings);
  if (!checked.ok) throw new Error(`cannot encode settings: ${checked.error}`);
  return JSON.stringify(settings);
}

/** Parses `field=value` words from the command line into a settings patch. */
export function settingFromText(name: string, textValue: string): Decoded<[SettingName, unknown]> {
  if (!isSettingName(name)) {
    return refuse(`unknown setting "${name}"; settings are: ${SETTING_NAMES.join(', ')}`);
  }
  const rule = RULES[name];
  const value = rule.fromText(textValue);
  if (value === undefined || !rule.check(value)) {
    return refuse(`settings.${name} must be ${rule.describe}, got "${textValue}"`);
  }
  return accept([name, value]);
}

const UNIT_SECONDS: Record<IntervalUnit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

export function intervalMs(settings: Pick<DisplaySettings, 'interval_time' | 'interval_units'>): number {
  return settings.interval_time * UNIT_SECONDS[settings.interval_units] * 1000;
}
