import { groupOfDisplay } from '../../../data/library/groups.ts';
import type { Library } from '../../../data/library/librarySchema.ts';
import { listDisplays, type DisplayListing } from '../../displays/displayDirectory.ts';
import type { DisplayKeys, EtcdDisplays } from '../../state/etcdDisplays.ts';
import { effectiveSettings, type SettingsValue } from '../../../common/protocol/codecs/settingsCodec.ts';
import type { Cell } from '../widgets/columns.ts';

/** A display row: the directory's listing plus what its own keys say. */
export interface DisplayRow extends DisplayListing {
  keys: DisplayKeys | undefined;
  version: string | null;
  /** The group it belongs to, whose album it shows a share of. */
  group: string | null;
}

export function displayRows(library: Library, etcd: EtcdDisplays): DisplayRow[] {
  return listDisplays(library, etcd.view).map((listing) => ({
    ...listing,
    keys: etcd.keys.get(listing.id),
    version: etcd.view.announcements.get(listing.id)?.version || null,
    group: groupOfDisplay(library, listing.id)?.name ?? null,
  }));
}

const BLANK = { text: '—', tone: 'muted' } as const;

export function shortTime(date: Date, now = new Date()): string {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  if (seconds < 60) return `${Math.max(0, seconds)}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return date.toISOString().slice(0, 10);
}

export function intervalText(settings: SettingsValue | null | undefined): string | null {
  if (!settings || settings.fields.interval_time === undefined) return null;
  const { interval_time, interval_units } = effectiveSettings(settings);
  return `${interval_time}${interval_units.slice(0, 1)}`;
}

/**
 * The cells of the displays table. Columns the protocol cannot fill yet (the
 * photo on screen, applied revision, free disk) stay visibly blank.
 */
export function displayCells(row: DisplayRow, now = new Date()): Cell[] {
  const interval = intervalText(row.keys?.settings);
  const lastSeen = row.online ? { text: 'now', tone: 'good' as const } : row.keys?.lastSeen ? shortTime(row.keys.lastSeen, now) : BLANK;
  return [
    row.name,
    stateCell(row),
    row.group ? { text: `group ${row.group}`, tone: 'accent' } : (row.album ?? BLANK),
    interval ?? BLANK,
    row.keys?.images === null || row.keys?.images === undefined ? BLANK : String(row.keys.images),
    BLANK,
    BLANK,
    lastSeen,
    row.version ?? BLANK,
    BLANK,
    row.id,
  ];
}

/** Online, and if so whether its screen is off or its slideshow paused, as its keys say. */
function stateCell(row: DisplayRow): Cell {
  if (!row.online) return { text: 'offline', tone: 'muted' };
  if (row.keys?.powerState === 'off') return { text: 'off', tone: 'warn' };
  if (row.keys?.paused) return { text: 'paused', tone: 'warn' };
  return { text: 'online', tone: 'good' };
}

export const DISPLAY_COLUMNS = [
  { title: 'NAME', width: 'flex' as const },
  { title: 'STATE', width: 7 },
  { title: 'ALBUM/GROUP', width: 14 },
  { title: 'INTERVAL', width: 8 },
  { title: 'IMAGES', width: 6, optional: true },
  { title: 'PHOTO · SINCE', width: 13, optional: true },
  { title: 'DRIFT', width: 5, optional: true },
  { title: 'LAST SEEN', width: 9 },
  { title: 'VERSION', width: 8, optional: true },
  { title: 'DISK', width: 5, optional: true },
  { title: 'ID', width: 12, optional: true },
];
