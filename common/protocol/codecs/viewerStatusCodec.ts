import { accept, describeValue, isPlainObject, parseJson, refuse, type Decoded } from '../decoded.ts';

/**
 * `/photoframe/status/<id>` — what a viewer says about its own state, so the
 * console can show it without asking: the photo really on screen and since
 * when, the newest revision of its keys it has applied (the console compares
 * it with the newest written to show a viewer that lags), its free disk, and
 * its health. Written on a lease (gone when the viewer is), when something
 * changes (at most once a second) and as a heartbeat (every 45 s) that lets
 * the console see a status that stopped arriving. Every health field is
 * optional on the wire: an older viewer's status reads with them null.
 */
export interface ViewerStatus {
  image: string | null;
  shown_at: string | null;
  /** etcd's mod_revision of the newest change to `/<id>:` keys the viewer has applied, as a decimal string. */
  applied_revision: string | null;
  free_bytes: number | null;
  power: 'on' | 'off';
  paused: boolean;
  updated_at: string;
  /** The newest revision applied per topic (`images`, `settings`, …). */
  applied?: Record<string, string>;
  /** How long applying the last change took: the write seen → its first pixel (or black) on screen, ms. */
  apply_ms?: number | null;
  /** The screen's power: read back over HDMI-CEC where possible, else as commanded. */
  screen?: ScreenPowerStatus | null;
  /** Which decides the screen: the schedule (on/off until its next edge), power_state overriding it, or neither. */
  schedule?: ScheduleStatusValue | null;
  rss_bytes?: number | null;
  cpu_temp_c?: number | null;
  /** A Pi's firmware throttling word, decoded; null elsewhere. */
  throttled?: ThrottlingValue | null;
  cache_bytes?: number | null;
  uptime_s?: number | null;
  version?: string | null;
  last_error?: { message: string; at: string } | null;
  /** etcd's clock minus this display's, ms, and its uncertainty (±). */
  clock_offset_ms?: number | null;
  clock_offset_error_ms?: number | null;
  /** Why the slideshow looks frozen (the viewer exits and systemd restarts it). */
  stuck?: string | null;
  /** In a `same` group: the group's id and the slot on screen (see group_clock); null otherwise. */
  group_slot?: GroupSlotStatus | null;
}

export interface GroupSlotStatus {
  group: string;
  slot: number;
}

export interface ScreenPowerStatus {
  power: 'on' | 'off' | 'standby' | 'unknown';
  source: 'cec' | 'commanded';
  method: 'cec-ctl' | 'cec-client' | 'none';
}

export interface ScheduleStatusValue {
  state: 'none' | 'on' | 'off' | 'overridden';
  until: string | null;
  override?: 'on' | 'off';
}

export interface ThrottlingValue {
  raw: string;
  undervoltage: boolean;
  throttled: boolean;
  capped: boolean;
  soft_temp_limit: boolean;
  occurred: string[];
}

const REVISION = /^\d{1,20}$/;
const TOPIC = /^[a-z_]{1,40}$/;

const text = (x: unknown, max = 255) => (typeof x === 'string' ? x.slice(0, max) : null);
const count = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : null);
const number = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const oneOf = <T extends string>(x: unknown, choices: readonly T[]): T | null => (choices.includes(x as T) ? (x as T) : null);

function readScreen(v: unknown): ScreenPowerStatus | null {
  if (!isPlainObject(v)) return null;
  const power = oneOf(v.power, ['on', 'off', 'standby', 'unknown'] as const);
  const source = oneOf(v.source, ['cec', 'commanded'] as const);
  const method = oneOf(v.method, ['cec-ctl', 'cec-client', 'none'] as const);
  return power && source && method ? { power, source, method } : null;
}

function readSchedule(v: unknown): ScheduleStatusValue | null {
  if (!isPlainObject(v)) return null;
  const state = oneOf(v.state, ['none', 'on', 'off', 'overridden'] as const);
  if (!state) return null;
  const override = oneOf(v.override, ['on', 'off'] as const);
  return { state, until: text(v.until), ...(override ? { override } : {}) };
}

function readThrottled(v: unknown): ThrottlingValue | null {
  if (!isPlainObject(v) || typeof v.raw !== 'string') return null;
  const flag = (x: unknown) => x === true;
  const occurred = Array.isArray(v.occurred) ? v.occurred.filter((x): x is string => typeof x === 'string').slice(0, 8).map((x) => x.slice(0, 40)) : [];
  return { raw: v.raw.slice(0, 20), undervoltage: flag(v.undervoltage), throttled: flag(v.throttled), capped: flag(v.capped), soft_temp_limit: flag(v.soft_temp_limit), occurred };
}

function readGroupSlot(v: unknown): GroupSlotStatus | null {
  if (!isPlainObject(v) || typeof v.group !== 'string' || !Number.isSafeInteger(v.slot)) return null;
  return { group: v.group.slice(0, 200), slot: v.slot as number };
}

function readApplied(v: unknown): Record<string, string> {
  if (!isPlainObject(v)) return {};
  const out: Record<string, string> = {};
  for (const [topic, revision] of Object.entries(v).slice(0, 40)) if (TOPIC.test(topic) && typeof revision === 'string' && REVISION.test(revision)) out[topic] = revision;
  return out;
}

export function decodeViewerStatus(raw: string): Decoded<ViewerStatus> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isPlainObject(v)) return refuse(`status must be a JSON object, got ${describeValue(v)}`);
  const lastError = isPlainObject(v.last_error) && typeof v.last_error.message === 'string' ? { message: v.last_error.message.slice(0, 500), at: text(v.last_error.at) ?? '' } : null;
  return accept({
    image: text(v.image),
    shown_at: text(v.shown_at),
    applied_revision: typeof v.applied_revision === 'string' && REVISION.test(v.applied_revision) ? v.applied_revision : null,
    free_bytes: count(v.free_bytes),
    power: v.power === 'off' ? 'off' : 'on',
    paused: v.paused === true,
    updated_at: text(v.updated_at) ?? '',
    applied: readApplied(v.applied),
    apply_ms: count(v.apply_ms),
    screen: readScreen(v.screen),
    schedule: readSchedule(v.schedule),
    rss_bytes: count(v.rss_bytes),
    cpu_temp_c: number(v.cpu_temp_c),
    throttled: readThrottled(v.throttled),
    cache_bytes: count(v.cache_bytes),
    uptime_s: count(v.uptime_s),
    version: text(v.version, 40),
    last_error: lastError,
    clock_offset_ms: number(v.clock_offset_ms),
    clock_offset_error_ms: count(v.clock_offset_error_ms),
    stuck: text(v.stuck, 500),
    group_slot: readGroupSlot(v.group_slot),
  });
}

export function encodeViewerStatus(status: ViewerStatus): string {
  return JSON.stringify(status);
}
