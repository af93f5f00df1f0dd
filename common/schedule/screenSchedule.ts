/**
 * When a display's screen is off: the `schedule` setting, e.g. `23:00-06:15`
 * or `Mon-Fri 18:00-08:00; Sat,Sun 23:00-09:00`, in the display's local time.
 * Parsing reports the position of the first error; evaluation is a pure
 * function of the schedule, a time zone and an instant. This is where
 * "screen off at 23:00" is decided.
 *
 *   schedule := rule (";" rule)*            (empty: no schedule)
 *   rule     := [days] window ("," window)*
 *   days     := day ["-" day] ("," day ["-" day])*   (Mon … Sun, or full names; a range may wrap: Fri-Mon)
 *   window   := HH:MM "-" HH:MM                       (the screen is off from the first to the second;
 *                                                    an end at or before the start is on the next day)
 */
import { accept, refuse, type Decoded } from '../protocol/decoded.ts';
import { addDays, localTime, zonedInstant } from './zonedTime.ts';

export interface OffWindow {
  /** Weekdays (0 = Sunday) on which the window starts. */
  days: readonly number[];
  /** Minutes from local midnight: start 0-1439, end 1-1440. */
  start: number;
  end: number;
}

export interface ScreenSchedule {
  /** As written, trimmed. */
  text: string;
  windows: readonly OffWindow[];
}

/** A schedule the parser refused: what is wrong, and where (1-based character position). */
export class ScheduleSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly problem: string,
  ) {
    super(`at character ${position}: ${problem}`);
    this.name = 'ScheduleSyntaxError';
  }
}

const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];

class Reader {
  index = 0;
  constructor(readonly text: string) {}
  skipSpaces(): void {
    while (this.index < this.text.length && /\s/.test(this.text[this.index]!)) this.index++;
  }
  peek(): string {
    return this.text[this.index] ?? '';
  }
  fail(problem: string, at = this.index): never {
    throw new ScheduleSyntaxError(at + 1, problem);
  }
  found(): string {
    if (this.index >= this.text.length) return 'the end';
    return JSON.stringify(this.text.slice(this.index, this.index + 8));
  }
  expect(char: string, what: string): void {
    this.skipSpaces();
    if (this.peek() !== char) this.fail(`expected ${what}, found ${this.found()}`);
    this.index++;
  }
}

function readDay(reader: Reader): number {
  reader.skipSpaces();
  const at = reader.index;
  const word = /^[A-Za-z]+/.exec(reader.text.slice(at))?.[0] ?? '';
  const lower = word.toLowerCase();
  const day = lower.length >= 3 ? DAY_NAMES.findIndex((name) => name.startsWith(lower) && (lower.length === 3 || name === lower)) : -1;
  if (day < 0) reader.fail(`expected a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun), found ${reader.found()}`, at);
  reader.index += word.length;
  return day;
}

function readTime(reader: Reader, isEnd: boolean): number {
  reader.skipSpaces();
  const at = reader.index;
  const match = /^(\d{1,2}):(\d{2})(?!\d)/.exec(reader.text.slice(at));
  if (!match) reader.fail(`expected a time such as 23:00, found ${reader.found()}`, at);
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && (minutes > 0 || !isEnd))) {
    reader.fail(`${match[0]} is not a time of day${isEnd ? ' (00:00 to 24:00)' : ' (00:00 to 23:59)'}`, at);
  }
  reader.index += match[0].length;
  return hours * 60 + minutes;
}

function readDays(reader: Reader): number[] {
  const days = new Set<number>();
  for (;;) {
    const first = readDay(reader);
    reader.skipSpaces();
    let last = first;
    if (reader.peek() === '-') {
      reader.index++;
      last = readDay(reader);
    }
    for (let day = first; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === last) break;
    }
    reader.skipSpaces();
    // A comma followed by a letter continues the days; by a digit, it would be a time (not allowed before days end).
    if (reader.peek() === ',' && /^,\s*[A-Za-z]/.test(reader.text.slice(reader.index))) {
      reader.index++;
      continue;
    }
    return [...days].sort();
  }
}

function readRule(reader: Reader): OffWindow[] {
  reader.skipSpaces();
  const days = /[A-Za-z]/.test(reader.peek()) ? readDays(reader) : EVERY_DAY;
  const windows: OffWindow[] = [];
  for (;;) {
    reader.skipSpaces();
    const at = reader.index;
    const start = readTime(reader, false);
    reader.expect('-', '"-" between two times');
    const end = readTime(reader, true);
    if (start === end) reader.fail('a window cannot start and end at the same time', at);
    windows.push({ days, start, end });
    reader.skipSpaces();
    if (reader.peek() !== ',') return windows;
    reader.index++;
  }
}

/** Parses a schedule; an empty text is "no schedule" (null). */
export function parseSchedule(text: string): Decoded<ScreenSchedule | null> {
  const reader = new Reader(text);
  try {
    reader.skipSpaces();
    if (reader.index === text.length) return accept(null);
    const windows: OffWindow[] = [];
    for (;;) {
      windows.push(...readRule(reader));
      reader.skipSpaces();
      if (reader.index === text.length) break;
      if (reader.peek() !== ';') reader.fail(`expected ";" between rules, "," between windows, or the end, found ${reader.found()}`);
      reader.index++;
      reader.skipSpaces();
      if (reader.index === text.length) break;
    }
    return accept({ text: text.trim(), windows });
  } catch (error) {
    if (error instanceof ScheduleSyntaxError) return refuse(`schedule ${JSON.stringify(text)}: ${error.message}`);
    throw error;
  }
}

/** The screen's state by the schedule at an instant, and when that next changes (null: not within a week). */
export interface ScheduleState {
  off: boolean;
  /** The instant the schedule next turns the screen on or off, in ms. */
  nextEdge: number | null;
}

/** The windows that start between `from` days before and `to` days after the local day of `instant`, as instants. */
function intervalsAround(schedule: ScreenSchedule, timeZone: string, instant: number, from: number, to: number): [number, number][] {
  const today = localTime(timeZone, instant);
  const intervals: [number, number][] = [];
  for (let offset = -from; offset <= to; offset++) {
    const date = addDays(today, offset);
    for (const window of schedule.windows) {
      if (!window.days.includes(date.weekday)) continue;
      const start = zonedInstant(timeZone, date, window.start);
      const endDate = window.end <= window.start ? addDays(date, 1) : date;
      const end = zonedInstant(timeZone, endDate, window.end);
      if (end > start) intervals.push([start, end]);
    }
  }
  return intervals;
}

const covered = (intervals: [number, number][], instant: number) => intervals.some(([start, end]) => start <= instant && instant < end);

/** Whether the schedule has the screen off at `instant` (ms) in `timeZone`, and its next edge. */
export function scheduleStateAt(schedule: ScreenSchedule, timeZone: string, instant: number): ScheduleState {
  // Windows last at most a day and a bit, so those starting two days before are enough to cover "now";
  // eight days ahead hold the next edge of any weekly schedule that has one.
  const AHEAD = 8;
  const intervals = intervalsAround(schedule, timeZone, instant, 2, AHEAD);
  const off = covered(intervals, instant);
  // Past the last day whose windows were listed, what is covered is not known.
  const horizon = zonedInstant(timeZone, addDays(localTime(timeZone, instant), AHEAD + 1), 0);
  const edges = [...new Set(intervals.flat())].filter((edge) => edge > instant && edge < horizon).sort((a, b) => a - b);
  const nextEdge = edges.find((edge) => covered(intervals, edge) !== off) ?? null;
  return { off, nextEdge };
}
