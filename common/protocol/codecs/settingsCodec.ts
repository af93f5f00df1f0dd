import type { LogLevel } from '../../log.ts';
import { parseSchedule } from '../../schedule/screenSchedule.ts';
import { isTimeZone } from '../../schedule/zonedTime.ts';
import { accept, describeValue, isPlainObject, parseJson, ProtocolEncodeError, refuse, type Decoded } from '../decoded.ts';

/**
 * `/<id>:settings` — a JSON object with the eleven fields of the original
 * system, plus photoframe's own (`order`, `interval_base`, `transition`,
 * `transition_ms`, `fit`, `caption`, `locale`), which original viewers ignore. The decoder is lenient, reading everything the original
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
export const TRANSITIONS = ['none', 'crossfade'] as const;
export type TransitionKind = (typeof TRANSITIONS)[number];
export const FITS = ['contain', 'cover', 'blur'] as const;
export type Fit = (typeof FITS)[number];
export const CAPTIONS = ['none', 'date', 'date_place'] as const;
export type CaptionKind = (typeof CAPTIONS)[number];

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
  /** How a new photo replaces the last: a cut, or a crossfade drawn by the GPU. */
  transition: TransitionKind;
  transition_ms: number;
  fit: Fit;
  caption: CaptionKind;
  /** A BCP 47 tag for the caption's date ("de-CH"); empty: the viewer's system locale. */
  locale: string;
  /** When the screen is off, e.g. "Mon-Fri 18:00-08:00; Sat,Sun 23:00-09:00" (see common/schedule/screenSchedule.ts); "" for never. */
  schedule: string;
  /** The IANA time zone the schedule is read in; "" for the display's own. */
  timezone: string;
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
  transition: 'none',
  transition_ms: 800,
  fit: 'contain',
  caption: 'none',
  locale: '',
  schedule: '',
  timezone: '',
});

/** A decoded settings value: the fields understood, and any others kept untouched for a later writer. */
export interface SettingsValue {
  fields: Partial<DisplaySettings>;
  unknown: Record<string, unknown>;
  /** Fields present but refused (left at their default here; a viewer may keep its last good value instead). */
  refused?: SettingName[];
}

interface FieldRule<T> {
  /** For messages and the docs: what a viewer accepts. */
  describe: string;
  /** For the docs: what the console writes, and what the field means. */
  writes: string;
  meaning: string;
  /** Lenient: everything the original server or a person could mean. */
  read(value: unknown): T | undefined;
  /** Why a value is refused, more precisely than `describe` (e.g. where a schedule's syntax fails). */
  problem?(value: unknown): string | undefined;
  /** The wire form written by our console: what the original viewer reads correctly. */
  write(value: T): unknown;
}

const NUMERIC_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

function readNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
  return undefined;
}

type Docs = Pick<FieldRule<unknown>, 'writes' | 'meaning'>;

/** A number or numeric string; above `max` is read as `max` (the original takes any number). */
const numberIn = (min: number, max: number, minExclusive: boolean, docs: Docs): FieldRule<number> => ({
  ...docs,
  describe: `a number or numeric string, ${minExclusive ? `above ${min}` : `from ${min}`} (more than ${max} is read as ${max})`,
  read: (value) => {
    const n = readNumber(value);
    if (n === undefined || n < min || (minExclusive && n === min)) return undefined;
    return Math.min(n, max);
  },
  write: (value) => value,
});

const text = (maxLength: number, docs: Docs): FieldRule<string> => ({
  ...docs,
  describe: `any text (numbers too; null is empty), cut at ${maxLength} characters`,
  read: (value) => {
    if (value === null) return '';
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return typeof value === 'string' ? value.slice(0, maxLength) : undefined;
  },
  write: (value) => value,
});

/** Words matched by their first letter, in any case, as the original reads units. */
const byFirstLetter = <T extends string>(choices: readonly T[], describe: string, docs: Docs, wire: (value: T) => string = (v) => v): FieldRule<T> => ({
  ...docs,
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
  describe: 'true/false, 0/1, "0"/"1", "true"/"false", "yes"/"no"',
  writes: 'true or false',
  meaning: "change at random once a minute with probability 0.67 / interval in minutes (the original's half-life rule) instead of on a fixed interval",
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
  describe: 'DEBUG, INFO, WARN or WARNING, ERROR, CRITICAL or FATAL, any case',
  writes: '"DEBUG", "INFO", "WARNING" or "ERROR"',
  meaning: "the viewer's log level",
  read: (value) => (typeof value === 'string' ? LEVEL_WORDS[value.trim().toLowerCase()] : undefined),
  write: (value) => PYTHON_LEVEL[value],
};

const ORDER_WORDS: Record<string, SlideshowOrder> = { shuffle: 'shuffle', random: 'shuffle', sequence: 'sequence', sequential: 'sequence', ordered: 'sequence' };
const orderRule: FieldRule<SlideshowOrder> = {
  describe: 'shuffle (or random), sequence (or sequential, ordered)',
  writes: '"shuffle" or "sequence"',
  meaning: 'photoframe only: shuffled passes, reshuffled at each wrap, or the list in its order',
  read: (value) => (typeof value === 'string' ? ORDER_WORDS[value.trim().toLowerCase()] : undefined),
  write: (value) => value,
};

const INTERVAL_BASE = /^(\*|[01]?\d|2[0-3]):(\*|[0-5]?\d)$/;
const intervalBaseRule: FieldRule<string> = {
  describe: '"HH:MM" where either part may be *',
  writes: 'as accepted',
  meaning: 'photoframe only: the first change after start (or after this changes) waits for this clock time, then the interval repeats',
  read: (value) => (typeof value === 'string' && INTERVAL_BASE.test(value.trim()) ? value.trim() : undefined),
  write: (value) => value,
};

/** One of a few words, any case, with `-` or a space read as `_`. */
const oneOf = <T extends string>(choices: readonly T[], docs: Docs): FieldRule<T> => ({
  ...docs,
  describe: `${choices.join(', ')} (any case)`,
  read: (value) => {
    if (typeof value !== 'string') return undefined;
    const word = value.trim().toLowerCase().replace(/[- ]/g, '_');
    return choices.find((choice) => choice === word);
  },
  write: (value) => value,
});

const localeRule: FieldRule<string> = {
  describe: 'a BCP 47 language tag such as "en-GB" or "de-CH", or "" for the system locale',
  writes: 'as accepted, in canonical case; left out when empty',
  meaning: "photoframe only: the language and conventions of the caption's date",
  read: (value) => {
    if (value === null || value === '') return '';
    if (typeof value !== 'string' || value.length > 35) return undefined;
    try {
      return Intl.getCanonicalLocales(value.trim())[0];
    } catch {
      return undefined;
    }
  },
  write: (value) => value,
};

const scheduleRule: FieldRule<string> = {
  describe: 'off windows such as "23:00-06:15" or "Mon-Fri 18:00-08:00; Sat,Sun 23:00-09:00"; "" for none',
  writes: 'as accepted, trimmed; left out when empty',
  meaning:
    'photoframe only: when the screen is off (TV in standby over HDMI-CEC, else black); local times in `timezone`; a window may cross midnight; power_state overrides it until its next edge',
  read: (value) => (typeof value === 'string' && parseSchedule(value).ok ? value.trim() : undefined),
  problem: (value) => {
    if (typeof value !== 'string') return undefined;
    const parsed = parseSchedule(value);
    return parsed.ok ? undefined : parsed.error;
  },
  write: (value) => value,
};

const timezoneRule: FieldRule<string> = {
  describe: 'an IANA time zone such as "Europe/Berlin", or "" for the display\'s own',
  writes: 'as accepted; left out when empty',
  meaning: "photoframe only: the time zone the schedule is read in; empty means the display's own",
  read: (value) => (typeof value === 'string' && (value.trim() === '' || isTimeZone(value.trim())) ? value.trim() : undefined),
  write: (value) => value,
};

type Rules = { [K in SettingName]: FieldRule<DisplaySettings[K]> };

const colour = (what: string): Docs => ({ writes: 'a number', meaning: `${what} multiplier applied when the photo is prepared (1 = unchanged)` });

const RULES: Rules = {
  name: text(200, { writes: 'text', meaning: "the display's name in the console" }),
  description: text(2000, { writes: 'text', meaning: 'free text' }),
  orientation: byFirstLetter(ORIENTATIONS, 'first letter H, V or S, any case', {
    writes: '"H", "V" or "S"',
    meaning: 'how the screen is mounted: H landscape, V portrait (the panel turned a quarter clockwise), S square',
  }),
  interval_time: numberIn(0, 1e9, true, { writes: 'a whole number (see below)', meaning: 'how long a photo stays' }),
  interval_units: byFirstLetter(INTERVAL_UNITS, 'first letter s, m, h or d, any case', {
    writes: '"seconds", "minutes", "hours" or "days", always',
    meaning: 'the unit of interval_time; missing means minutes',
  }),
  variance_pct: numberIn(0, 100, false, {
    writes: 'a whole number',
    meaning: 'each interval is drawn uniformly in interval ± this percentage, rounded to whole seconds',
  }),
  use_halflife: booleanRule,
  brightness: numberIn(0, 10, false, colour('brightness')),
  contrast: numberIn(0, 10, false, colour('contrast (around mid-grey)')),
  saturation: numberIn(0, 10, false, colour('saturation')),
  log_level: logLevelRule,
  order: orderRule,
  interval_base: intervalBaseRule,
  transition: oneOf(TRANSITIONS, {
    writes: '"none" or "crossfade"',
    meaning: 'photoframe only: how a new photo replaces the last: a cut, or a crossfade drawn by the GPU (a cut on a machine without one)',
  }),
  transition_ms: numberIn(0, 10_000, false, { writes: 'a whole number', meaning: "photoframe only: a crossfade's length in milliseconds" }),
  fit: oneOf(FITS, {
    writes: '"contain", "cover" or "blur"',
    meaning: 'photoframe only: contain shows the whole photo between black bars; cover fills the screen, cropping the centre; blur shows the whole photo over a blurred, darkened copy of itself',
  }),
  caption: oneOf(CAPTIONS, {
    writes: '"none", "date" or "date_place"',
    meaning: "photoframe only: a caption in the photo's bottom right corner: the date taken, and the place (see Captions)",
  }),
  locale: localeRule,
  schedule: scheduleRule,
  timezone: timezoneRule,
};

export const SETTING_NAMES = Object.keys(RULES) as SettingName[];
/** photoframe's own fields, which original viewers ignore. */
const OWN_SETTING_NAMES: readonly SettingName[] = ['order', 'interval_base', 'transition', 'transition_ms', 'fit', 'caption', 'locale', 'schedule', 'timezone'];
/** The fields an original viewer knows; our console always writes all of them. */
export const ORIGINAL_SETTING_NAMES: readonly SettingName[] = SETTING_NAMES.filter((n) => !OWN_SETTING_NAMES.includes(n));

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(RULES, name);
}

export function describeSetting(name: SettingName): string {
  return RULES[name].describe;
}

const formatDefault = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** The settings table of docs/protocol.md, rendered from the rules and defaults here. */
export function renderSettingsTable(): string {
  const rows = SETTING_NAMES.map((name) => {
    const rule = RULES[name];
    const wireDefault = (rule as FieldRule<unknown>).write(DEFAULT_SETTINGS[name]);
    const cells = [`\`${name}\``, rule.describe, rule.writes, `\`${formatDefault(wireDefault)}\``, rule.meaning];
    return `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  });
  return ['| field | a viewer accepts | the console writes | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

function readField<K extends SettingName>(name: K, value: unknown): Decoded<DisplaySettings[K]> {
  const read = RULES[name].read(value);
  if (read !== undefined) return accept(read);
  const problem = RULES[name].problem?.(value);
  return refuse(problem ? `settings.${name}: ${problem}` : `settings.${name} must be ${RULES[name].describe}, got ${describeValue(value)}`);
}

/**
 * Reads a settings object leniently, field by field: a field that means
 * nothing keeps its default and is noted, and the rest still applies, as the
 * original merges the fields it can.
 */
export function readSettingsObject(raw: Record<string, unknown>): Decoded<SettingsValue> {
  const fields: Partial<Record<SettingName, unknown>> = {};
  const unknown: Record<string, unknown> = {};
  const notes: string[] = [];
  const refused: SettingName[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (!isSettingName(name)) {
      unknown[name] = value;
      continue;
    }
    const read = readField(name, value);
    if (read.ok) fields[name] = read.value;
    else {
      refused.push(name);
      notes.push(`${read.error}; left at its default`);
    }
  }
  return accept({ fields: fields as Partial<DisplaySettings>, unknown, ...(refused.length > 0 ? { refused } : {}) }, notes);
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

const OMITTED_WHEN_EMPTY: ReadonlySet<SettingName> = new Set(['schedule', 'timezone', 'locale']);

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
    // Fields that are only photoframe's and empty are left out: the same as absent, and less for an original viewer to skip.
    if (value === '' && OMITTED_WHEN_EMPTY.has(name)) continue;
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
  if (textValue.trim() === '' && name !== 'name' && name !== 'description' && name !== 'schedule' && name !== 'timezone' && name !== 'locale') {
    return refuse(`settings.${name} is empty: give ${RULES[name].describe}`);
  }
  const read = readField(name, textValue);
  // A schedule's own message says where it goes wrong.
  if (!read.ok && RULES[name].problem?.(textValue)) return read;
  // The wire reader takes a too-large number as its maximum; a person typing one is told instead.
  if (!read.ok || (typeof read.value === 'number' && read.value !== Number(textValue.trim()))) {
    return refuse(`settings.${name} must be ${RULES[name].describe.replace(/ \(more than (\S+) is read as \S+\)$/, ' up to $1')}, got "${textValue}"`);
  }
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
