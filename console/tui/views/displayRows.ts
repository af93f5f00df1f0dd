import { CERTIFICATE_WARNING_DAYS } from '../../security/enrollment.ts';
import type { DisplayRecord, Library } from '../../../data/library/librarySchema.ts';
import { groupOfDisplay } from '../../../data/library/groups.ts';
import { displayListing, type DisplayListing } from '../../displays/displayDirectory.ts';
import type { DisplayKeys, EtcdDisplays } from '../../state/etcdDisplays.ts';
import { effectiveSettings, type SettingsValue } from '../../../common/protocol/codecs/settingsCodec.ts';
import type { Cell } from '../widgets/columns.ts';
import { healthFlags, presenceState, type HealthFlag } from '../../displays/displayHealth.ts';
import { photoLabel } from '../../library/photoNames.ts';
import { localDate } from '../../library/localTime.ts';

/** A display row: the directory's listing plus what its own keys say. */
export interface DisplayRow extends DisplayListing {
  keys: DisplayKeys | undefined;
  version: string | null;
  /** The group it belongs to, whose album it shows a share of. */
  group: string | null;
  /** The photo its viewer reports on screen, as a person names it (file name). */
  photo: string | null;
  /** Days left on its certificate; null for a display without an enrollment (a plain etcd's). */
  certificateDays: number | null;
}

/** The table's entry of a display, or what makes one: its listing, group and version. */
export type DisplayBasics = DisplayListing & { group: string | null; version: string | null };

/**
 * A row as it is drawn: the display's entry plus what its keys say now. Made
 * only for rows on screen (and the detail view's one display), so a status
 * change costs nothing here until its display's row shows.
 */
export function drawnRow(basics: DisplayBasics, library: Library, etcd: EtcdDisplays, certificateDays: (id: string) => number | null = () => null): DisplayRow {
  const keys = etcd.keys.get(basics.id);
  return { ...basics, keys, photo: photoName(library, keys), certificateDays: certificateDays(basics.id) };
}

/** One display's row, looked up by id (the detail view's); null when neither the library nor etcd knows it. */
export function displayRow(library: Library, etcd: EtcdDisplays, id: string, certificateDays?: (id: string) => number | null): DisplayRow | null {
  let record: DisplayRecord | undefined;
  // The last record with the id, as the table has it (displayRecordsById).
  for (const display of library.displays) if (display.id === id) record = display;
  const listing = displayListing(library, record, etcd.view, id);
  if (!listing) return null;
  const group = groupOfDisplay(library, id)?.name ?? null;
  return drawnRow({ ...listing, group, version: etcd.view.announcements.get(id)?.version || null }, library, etcd, certificateDays);
}

function photoName(library: Library, keys: DisplayKeys | undefined): string | null {
  const image = keys?.status?.image;
  return image ? photoLabel(library, image) : null;
}

const BLANK = { text: '—', tone: 'muted' } as const;

export function shortTime(date: Date, now = new Date()): string {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  if (seconds < 60) return `${Math.max(0, seconds)}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return localDate(date);
}

export function intervalText(settings: SettingsValue | null | undefined): string | null {
  if (!settings || settings.fields.interval_time === undefined) return null;
  const { interval_time, interval_units } = effectiveSettings(settings);
  return `${interval_time}${interval_units.slice(0, 1)}`;
}

/** Free space as a person reads it: 820M, 12G. */
export function bytesText(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}

/**
 * Whether the viewer has applied the newest write to its keys: "ok", or
 * "behind" while a newer revision was written than it reports applied.
 * Blank until it has reported.
 */
export function driftCell(keys: DisplayKeys | undefined): Cell {
  const applied = keys?.status?.applied_revision;
  if (!keys || applied === null || applied === undefined || keys.writtenRevision === null) return BLANK;
  return BigInt(applied) >= keys.writtenRevision ? { text: 'ok', tone: 'good' } : { text: 'behind', tone: 'warn' };
}

/** How long the photo on screen has been there, counted from the viewer's report (the console redraws it every second). */
function sinceCell(keys: DisplayKeys | undefined, now: Date): Cell {
  const shownAt = keys?.status?.shown_at;
  if (!keys?.status?.image || !shownAt || Number.isNaN(Date.parse(shownAt))) return BLANK;
  return shortTime(new Date(shownAt), now).replace(' ago', '');
}

/** The cells of the displays table; what a viewer has not reported stays visibly blank. */
export function displayCells(row: DisplayRow, now = new Date()): Cell[] {
  const interval = intervalText(row.keys?.settings);
  const lastSeen = row.online ? { text: 'now', tone: 'good' as const } : row.keys?.lastSeen ? shortTime(row.keys.lastSeen, now) : BLANK;
  return [
    row.name,
    stateCell(row, now),
    row.group ? { text: `group ${row.group}`, tone: 'accent' } : (row.album ?? BLANK),
    interval ?? BLANK,
    row.keys?.images === null || row.keys?.images === undefined ? BLANK : String(row.keys.images),
    row.photo ?? BLANK,
    sinceCell(row.keys, now),
    healthCell(row.keys, now),
    lastSeen,
    row.version ?? BLANK,
    row.keys?.status?.free_bytes === null || row.keys?.status?.free_bytes === undefined ? BLANK : bytesText(row.keys.status.free_bytes),
    certificateCell(row.certificateDays),
    row.id,
  ];
}

/** Days left on the display's certificate, warned 30 days ahead. */
export function certificateCell(days: number | null): Cell {
  if (days === null) return BLANK;
  if (days < 0) return { text: 'EXP', tone: 'bad' };
  return days <= CERTIFICATE_WARNING_DAYS ? { text: `${days}d`, tone: 'warn' } : `${days}d`;
}

const SHORT_FLAG: Record<HealthFlag, string> = { stale: 'stale', stuck: 'stuck', behind: 'behind', hot: 'hot', throttled: 'thrtl', 'low disk': 'disk', clock: 'clock', sync: 'sync' };

/**
 * What its health says is wrong, most urgent first ("behind" the newest
 * write, "stale", "stuck", "hot", "thrtl", "disk", "clock"; a + when there is
 * more, all of it in the detail view), else "ok". Blank until it has reported.
 */
export function healthCell(keys: DisplayKeys | undefined, now = new Date()): Cell {
  if (!keys?.status) return BLANK;
  const flags = healthFlags({ status: keys.status, statusSeenAt: keys.statusSeenAt, writtenRevision: keys.writtenRevision, now });
  if (flags.length === 0) return { text: 'ok', tone: 'good' };
  const first = SHORT_FLAG[flags[0]!];
  return { text: flags.length > 1 ? `${first}+` : first, tone: flags[0] === 'behind' ? 'warn' : 'bad' };
}

/** Online (or stale: present, but its status stopped arriving), and if so whether its screen is off or its slideshow paused. */
function stateCell(row: DisplayRow, now = new Date()): Cell {
  if (!row.online) return { text: 'offline', tone: 'muted' };
  if (row.keys && presenceState(true, { status: row.keys.status, statusSeenAt: row.keys.statusSeenAt, now }) === 'stale') return { text: 'stale', tone: 'bad' };
  if (row.keys?.powerState === 'off' && row.keys.status?.schedule?.state !== 'on') return { text: 'off', tone: 'warn' };
  // Off by its schedule (or power_state overriding it): asleep as planned, not a problem.
  const schedule = row.keys?.status?.schedule;
  if (schedule?.state === 'off' || (schedule?.state === 'overridden' && schedule.override === 'off')) return { text: 'asleep', tone: 'muted' };
  if (row.keys?.paused) return { text: 'paused', tone: 'warn' };
  return { text: 'online', tone: 'good' };
}

export const DISPLAY_COLUMNS = [
  { title: 'NAME', width: 'flex' as const },
  { title: 'STATE', width: 7 },
  { title: 'ALBUM/GROUP', width: 12 },
  { title: 'INTERVAL', width: 8 },
  // At 100 columns VERSION and IMAGES give way, so ID stays (NAME is shortened to fit); at 80 fewer stay.
  { title: 'IMAGES', width: 6, optional: true, drop: 2 },
  { title: 'PHOTO', width: 12, optional: true, drop: 7 },
  { title: 'SINCE', width: 5, optional: true, drop: 6 },
  { title: 'HEALTH', width: 6, optional: true, drop: 4 },
  { title: 'LAST SEEN', width: 9 },
  { title: 'VERSION', width: 8, optional: true, drop: 1 },
  { title: 'DISK', width: 5, optional: true, drop: 3 },
  { title: 'CERT', width: 4, optional: true, drop: 1.5 },
  { title: 'ID', width: 12, optional: true, drop: 5 },
];
