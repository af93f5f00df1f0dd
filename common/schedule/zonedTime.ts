/**
 * Wall-clock time in an IANA time zone, from the platform's time zone data
 * (Intl), with the two daylight-saving cases spelled out: a local time that
 * does not exist (the hour skipped in spring) is taken as the moment the
 * clocks jump, and one that happens twice (the hour repeated in autumn) as
 * its first occurrence.
 */

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

export function isTimeZone(name: string): boolean {
  if (name.trim() === '') return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The time zone this machine runs in (TZ, else /etc/localtime). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The local wall-clock reading at `instant`, as milliseconds of a UTC calendar (a "local epoch"). */
function localEpoch(timeZone: string, instant: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) + (((instant % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at `instant`, in ms (east positive). */
export function offsetAt(timeZone: string, instant: number): number {
  return localEpoch(timeZone, instant) - instant;
}

/** The local date and time at `instant`: its calendar day, its weekday (0 = Sunday) and the minute of the day. */
export function localTime(timeZone: string, instant: number): LocalDate & { weekday: number; minuteOfDay: number } {
  const local = new Date(localEpoch(timeZone, instant));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    weekday: local.getUTCDay(),
    minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
}

/** The calendar day `days` after `date` (negative: before), and its weekday. */
export function addDays(date: LocalDate, days: number): LocalDate & { weekday: number } {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

const DAY_MS = 86_400_000;

/**
 * The first instant at which the local clock reads `minuteOfDay` (0-1440)
 * on `date`, or has passed it: a skipped time maps to the jump, a repeated one
 * to its first occurrence.
 */
export function zonedInstant(timeZone: string, date: LocalDate, minuteOfDay: number): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * 60_000;
  // A day either side, the offsets in force: at most one change lies between them.
  const offsets = [...new Set([offsetAt(timeZone, wall - DAY_MS), offsetAt(timeZone, wall + DAY_MS)])];
  const exact = offsets.map((offset) => wall - offset).filter((candidate) => localEpoch(timeZone, candidate) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // In the gap: search for the jump between the two readings, to the second.
  const candidates = offsets.map((offset) => wall - offset);
  let low = Math.min(...candidates);
  let high = Math.max(...candidates);
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2000) * 1000;
    if (localEpoch(timeZone, middle) >= wall) high = middle;
    else low = middle;
  }
  return high;
}
