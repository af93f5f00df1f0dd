import type { LogLevel } from '../../log.ts';
import { accept, describeValue, isPlainObject, parseJson, ProtocolEncodeError, refuse, type Decoded } from '../decoded.ts';

/**
 * `/<id>:settings` — a JSON object with the eleven fields of the original
 * system, plus photoframe's own (`order`, `interval_base`), which original
 * viewers ignore. The decoder is lenient, reading everything the original
 * server writes (numbers as strings, 0/1 booleans, "M", "INFO"); the encoder
 * is strict, writing what the original viewer can read (whole numbers,
 * upper-case Python level names, a unit always present).
 */
export const ORIENTATIONS = ['H', 'V', 'S'] as const;
export type Orientation = (typeof ORIENTATIONS)[number];
export const INTERVAL_UNITS = ['seconds', 'minutes', 'hours', 'days'] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];
export const SLIDESHOW_ORDERS = ['shuffle', 'sequence'] as const;
export type SlideshowOrder = (typeof SLIDESHOW_ORDERS)[number];

export interface DisplaySettings {
  name: string;
  description: string;
  /** How the screen is mounted: H landscape, V portrait (output turned 90°), S square. */
  orientation: Orientation;
  interval_time: number;
  interval_units: IntervalUnit;
  /** Each interval is drawn uniformly within ± this percentage. */
  variance_pct: number;
  /** Change at random once a minute instead of on a fixed interval (the original's rule). */
  use_halflife: boolean;
  /** Multipliers: 1 leaves the photo as it is. */
  brightness: number;
  contrast: number;
  saturation: number;
  log_level: LogLevel;
  order: SlideshowOrder;
  /** "HH:MM", either part may be `*`: the clock time the first change is aligned to. */
  interval_base: string;
}

export type SettingName = keyof DisplaySettings;

/** The original system's defaults, so a display configured by it behaves the same here. */
export const DEFAULT_SETTINGS: Readonly<DisplaySettings> = Object.freeze({
  name: '',
  description: '',
  orientation: 'H',
  interval_time: 10,
  interval_units: 'minutes',
  variance_pct: 0,
  use_halflife: false,
  brightness: 1,
  contrast: 1,
  saturation: 1,
  log_level: 'info',
  order: 'shuffle',
  interval_base: '*:*',
});

/** A decoded settings value: the fields understood, and any others kept untouched for a later writer. */
export interface SettingsValue {
  fields: Partial<DisplaySettings>;
  unknown: Record<string, unknown>;
}

interface FieldRule<T> {
  /** For messages: what the field accepts. */
  describe: string;
  /** Lenient: everything the original server or a person could mean. */
  read(value: unknown): T | undefined;
  /** The wire form written by our console: what the original viewer reads correctly. */
  write(value: T): unknown;
}

const NUMERIC_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

function readNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
  return undefined;
}

const numberIn = (min: number, max: number, minExclusive = false): FieldRule<number> => ({
  describe: minExclusive ? `a number above ${min} and at most ${max}` : `a number from ${min} to ${max}`,
  read: (value) => {
    const n = readNumber(value);
    if (n === undefined || n > max || n < min || (minExclusive && n === min)) return undefined;
    return n;
  },
  write: (value) => value,
});

const text = (maxLength: number): FieldRule<string> => ({
  describe: `text of at most ${maxLength} characters`,
  read: (value) => {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return typeof value === 'string' ? value.slice(0, maxLength) : undefined;
  },
  write: (value) => value,
});

/** Words matched by their first letter, in any case, as the original reads units. */
const byFirstLetter = <T extends string>(choices: readonly T[], describe: string, wire: (value: T) => string = (v) => v): FieldRule<T> => ({
  describe,
  read: (value) => {
    if (typeof value !== 'string' || value.trim() === '') return undefined;
    const letter = value.trim()[0]!.toLowerCase();
    return choices.find((choice) => choice[0]!.toLowerCase() === letter);
  },
  write: wire,
});

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };
const booleanRule: FieldRule<boolean> = {
  describe: 'true or false (or 1 or 0)',
  read: (value) => {
    if (typeof value === 'boolean') return value;
    if (value === 1 || value === 0) return value === 1;
    if (typeof value === 'string') return BOOLEAN_WORDS[value.trim().toLowerCase()];
    return undefined;
  },
  write: (value) => value,
};

// Python's level names, as the original writes and reads them; WARN and CRITICAL are its aliases.
const LEVEL_WORDS: Record<string, LogLevel> = { debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', critical: 'error', fatal: 'error' };
const PYTHON_LEVEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };
const logLevelRule: FieldRule<LogLevel> = {
  describe: 'DEBUG, INFO, WARNING or ERROR',
  read: (value) => (typeof value === 'string' ? LEVEL_WORDS[value.trim().toLowerCase()] : undefined),
  write: (value) => PYTHON_LEVEL[value],
};

const ORDER_WORDS: Record<string, SlideshowOrder> = { shuffle: 'shuffle', random: 'shuffle', sequence: 'sequence', sequential: 'sequence', ordered: 'sequence' };
const orderRule: FieldRule<SlideshowOrder> = {
  describe: 'shuffle or sequence',
  read: (value) => (typeof value === 'string' ? ORDER_WORDS[value.trim().toLowerCase()] : undefined),
  write: (value) => value,
};

const INTERVAL_BASE = /^(\*|[01]?\d|2[0-3]):(\*|[0-5]?\d)$/;
const intervalBaseRule: FieldRule<string> = {
  describe: '"HH:MM" where either part may be *',
  read: (value) => (typeof value === 'string' && INTERVAL_BASE.test(value.trim()) ? value.trim() : undefined),
  write: (value) => value,
};

type Rules = { [K in SettingName]: FieldRule<DisplaySettings[K]> };

const RULES: Rules = {
  name: text(200),
  description: text(2000),
  orientation: byFirstLetter(ORIENTATIONS, 'H, V or S'),
  interval_time: numberIn(0, 1e9, true),
  interval_units: byFirstLetter(INTERVAL_UNITS, 'seconds, minutes, hours or days (or s, m, h, d)'),
  variance_pct: numberIn(0, 100),
  use_halflife: booleanRule,
  brightness: numberIn(0, 10),
  contrast: numberIn(0, 10),
  saturation: numberIn(0, 10),
  log_level: logLevelRule,
  order: orderRule,
  interval_base: intervalBaseRule,
};

export const SETTING_NAMES = Object.keys(RULES) as SettingName[];
/** The fields an original viewer knows; our console always writes all of them. */
export const ORIGINAL_SETTING_NAMES: readonly SettingName[] = SETTING_NAMES.filter((n) => n !== 'order' && n !== 'interval_base');

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(RULES, name);
}

export function describeSetting(name: SettingName): string {
  return RULES[name].describe;
}

function readField<K extends SettingName>(name: K, value: unknown): Decoded<DisplaySettings[K]> {
  const read = RULES[name].read(value);
  return read === undefined ? refuse(`settings.${name} must be ${RULES[name].describe}, got ${describeValue(value)}`) : accept(read);
}

/** Reads a settings object leniently; refuses it whole, naming the field, when a known field means nothing. */
export function readSettingsObject(raw: Record<string, unknown>): Decoded<SettingsValue> {
  const fields: Partial<Record<SettingName, unknown>> = {};
  const unknown: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!isSettingName(name)) {
      unknown[name] = value;
      continue;
    }
    const read = readField(name, value);
    if (!read.ok) return read;
    fields[name] = read.value;
  }
  return accept({ fields: fields as Partial<DisplaySettings>, unknown });
}

export function decodeSettings(raw: string): Decoded<SettingsValue> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  if (!isPlainObject(parsed.value)) return refuse(`settings must be a JSON object, got ${describeValue(parsed.value)}`);
  return readSettingsObject(parsed.value);
}

/** The settings a viewer applies: the wire fields over the original's defaults. */
export function effectiveSettings(value: SettingsValue): DisplaySettings {
  return { ...DEFAULT_SETTINGS, ...value.fields };
}

const UNIT_SECONDS: Record<IntervalUnit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

export function intervalMs(settings: Pick<DisplaySettings, 'interval_time' | 'interval_units'>): number {
  return settings.interval_time * UNIT_SECONDS[settings.interval_units] * 1000;
}

/**
 * An interval as a whole number of some unit, as the original viewer needs
 * (it truncates with int()): the given unit if whole already, else the
 * largest smaller unit in which it is whole. 1.5 minutes → 90 seconds.
 */
export function wholeInterval(time: number, unit: IntervalUnit): Decoded<{ interval_time: number; interval_units: IntervalUnit }> {
  const seconds = time * UNIT_SECONDS[unit];
  for (const candidate of INTERVAL_UNITS.slice(0, INTERVAL_UNITS.indexOf(unit) + 1).reverse()) {
    const count = seconds / UNIT_SECONDS[candidate];
    const rounded = Math.round(count);
    if (rounded >= 1 && Math.abs(count - rounded) < 1e-9 * Math.max(1, count)) return accept({ interval_time: rounded, interval_units: candidate });
  }
  return refuse(`an interval of ${time} ${unit} is not a whole number of seconds, minutes, hours or days; original viewers could not follow it`);
}

/**
 * The wire object our console writes: every original field, in the types the
 * original viewer converts correctly, plus our own fields and any unknown
 * ones kept from before.
 */
export function encodeSettings(settings: DisplaySettings, unknown: Record<string, unknown> = {}): string {
  const interval = wholeInterval(settings.interval_time, settings.interval_units);
  if (!interval.ok) throw new ProtocolEncodeError('settings', interval.error);
  if (!Number.isInteger(settings.variance_pct)) {
    throw new ProtocolEncodeError('settings', `variance_pct must be a whole number, got ${settings.variance_pct}`);
  }
  const normalised: DisplaySettings = { ...settings, ...interval.value };
  const wire: Record<string, unknown> = { ...unknown };
  for (const name of SETTING_NAMES) {
    const value = normalised[name];
    if (RULES[name].read(value) === undefined) {
      throw new ProtocolEncodeError('settings', `settings.${name} must be ${RULES[name].describe}, got ${describeValue(value)}`);
    }
    wire[name] = (RULES[name] as FieldRule<unknown>).write(value);
  }
  return JSON.stringify(wire);
}

/**
 * A `field=value` word from a person (CLI, console form) as a setting, with
 * the console's stricter rules: whole percentages, intervals an original
 * viewer can follow.
 */
export function settingFromText(name: string, textValue: string): Decoded<[SettingName, unknown]> {
  if (!isSettingName(name)) {
    return refuse(`unknown setting "${name}"; settings are: ${SETTING_NAMES.join(', ')}`);
  }
  if (textValue.trim() === '' && name !== 'name' && name !== 'description') {
    return refuse(`settings.${name} is empty: give ${RULES[name].describe}`);
  }
  const read = readField(name, textValue);
  if (!read.ok) return refuse(`settings.${name} must be ${RULES[name].describe}, got "${textValue}"`);
  if (name === 'variance_pct' && !Number.isInteger(read.value)) {
    return refuse(`settings.variance_pct must be a whole number from 0 to 100, got "${textValue}"`);
  }
  return accept([name, read.value]);
}

/** Merges a change into what etcd holds, with the interval made whole; refuses an interval original viewers cannot follow. */
export function mergeSettings(current: SettingsValue, change: Partial<DisplaySettings>): Decoded<DisplaySettings> {
  const merged: DisplaySettings = { ...effectiveSettings(current), ...change };
  const interval = wholeInterval(merged.interval_time, merged.interval_units);
  if (!interval.ok) return interval;
  return accept({ ...merged, ...interval.value, variance_pct: Math.round(merged.variance_pct) });
}
