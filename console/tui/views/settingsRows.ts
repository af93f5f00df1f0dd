import { DEFAULT_SETTINGS, SETTING_NAMES, settingFromText, type SettingName, type SettingsValue } from '../../../common/protocol/codecs/settingsCodec.ts';

/** One row of the settings editor, generated from the protocol's settings table. */
export interface SettingRow {
  name: SettingName;
  value: string;
  /** True when etcd does not set it and the default applies. */
  isDefault: boolean;
  defaultValue: string;
  accepts: string;
}

/**
 * What the editor takes, in a person's words: `accepts` is short enough for
 * its column at 80 columns, `mustBe` finishes a refusal. They describe what
 * the editor accepts, which is stricter than what a viewer reads off the
 * wire (docs/protocol.md): 99 for brightness is refused here, not clamped.
 */
const PLAIN: Record<SettingName, { label: string; accepts: string; mustBe: string }> = {
  name: { label: 'name', accepts: 'any text, up to 200 characters', mustBe: 'text of up to 200 characters' },
  description: { label: 'description', accepts: 'any text, up to 2000 characters', mustBe: 'text of up to 2000 characters' },
  orientation: { label: 'orientation', accepts: 'H landscape, V portrait, S square', mustBe: 'H (landscape), V (portrait) or S (square)' },
  interval_time: {
    label: 'interval',
    accepts: 'a number above 0, in interval_units',
    mustBe: 'a number of seconds, minutes, hours or days (above 0; interval_units says which)',
  },
  interval_units: { label: 'interval unit', accepts: 'seconds, minutes, hours or days', mustBe: 'seconds, minutes, hours or days (the first letter is enough)' },
  variance_pct: { label: 'variance', accepts: 'a whole number from 0 to 100', mustBe: 'a whole number from 0 to 100 (percent)' },
  use_halflife: { label: 'half-life', accepts: 'true or false (yes/no, 1/0)', mustBe: 'true or false (or yes/no, 1/0)' },
  brightness: { label: 'brightness', accepts: 'a number from 0 up to 10', mustBe: 'a number from 0 up to 10 (1 leaves the photo as it is)' },
  contrast: { label: 'contrast', accepts: 'a number from 0 up to 10', mustBe: 'a number from 0 up to 10 (1 leaves the photo as it is)' },
  saturation: { label: 'saturation', accepts: 'a number from 0 up to 10', mustBe: 'a number from 0 up to 10 (1 leaves the photo as it is)' },
  log_level: { label: 'log level', accepts: 'DEBUG, INFO, WARNING or ERROR', mustBe: 'DEBUG, INFO, WARNING or ERROR' },
  order: { label: 'order', accepts: 'shuffle or sequence', mustBe: 'shuffle or sequence' },
  interval_base: { label: 'interval base', accepts: 'HH:MM, either part may be *', mustBe: 'a clock time HH:MM, either part may be * (e.g. *:00)' },
  transition: { label: 'transition', accepts: 'none (a cut) or crossfade', mustBe: 'none (a cut) or crossfade' },
  transition_ms: { label: 'transition length', accepts: 'milliseconds, 0 to 10000', mustBe: 'a whole number of milliseconds from 0 to 10000' },
  fit: { label: 'fit', accepts: 'contain, cover or blur', mustBe: 'contain (whole photo), cover (fills, crops) or blur (whole photo on a blurred fill)' },
  caption: { label: 'caption', accepts: 'none, date or date_place', mustBe: 'none, date or date_place' },
  locale: { label: 'locale', accepts: 'a language tag (en-GB), or empty', mustBe: 'a language tag such as en-GB or de-CH, or empty for the display\'s own' },
  schedule: { label: 'schedule', accepts: 'off windows: Mon-Fri 18:00-08:00; Sat,Sun 23:00-09:00', mustBe: 'windows when the screen is off, e.g. 23:00-06:15 or Mon-Fri 18:00-08:00; Sat,Sun 23:00-09:00' },
  timezone: { label: 'time zone', accepts: "an IANA zone (Europe/Paris), or empty: the Pi's own", mustBe: "an IANA time zone such as Europe/Paris, or empty for the display's own" },
};

// A schedule's refusal says where it went wrong (the protocol's own reason); the plain words alone would hide that.
const PRECISE: ReadonlySet<SettingName> = new Set(['schedule']);

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export function settingRows(settings: SettingsValue | null | undefined): SettingRow[] {
  return SETTING_NAMES.map((name) => {
    const set = settings?.fields[name];
    return {
      name,
      value: show(set ?? DEFAULT_SETTINGS[name]),
      isDefault: set === undefined,
      defaultValue: show(DEFAULT_SETTINGS[name]),
      accepts: PLAIN[name].accepts,
    };
  });
}

/** A value typed into the editor, checked by the protocol's rules; a refusal in plain words. */
export function readSetting(name: SettingName, text: string): { ok: true; value: [SettingName, unknown] } | { ok: false; error: string } {
  const parsed = settingFromText(name, text);
  if (parsed.ok) return { ok: true, value: parsed.value };
  if (PRECISE.has(name)) return { ok: false, error: `${PLAIN[name].label}: ${parsed.error}` };
  return { ok: false, error: `${PLAIN[name].label} must be ${PLAIN[name].mustBe}, not "${text}"` };
}
