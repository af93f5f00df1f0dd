import { accept, isPlainObject, parseJson, refuse, type Decoded } from '../decoded.ts';

/** `/photoframe/displays/<id>` — what a viewer says about itself each time it starts. */
export interface Announcement {
  id: string;
  hostname: string;
  version: string;
  screen: { width: number; height: number } | null;
  started_at: string;
}

export function decodeAnnouncement(raw: string): Decoded<Announcement> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isPlainObject(v)) return refuse('announcement must be a JSON object');
  if (typeof v.id !== 'string' || typeof v.hostname !== 'string' || typeof v.started_at !== 'string') {
    return refuse('announcement needs string fields id, hostname and started_at');
  }
  let screen: Announcement['screen'] = null;
  if (isPlainObject(v.screen) && typeof v.screen.width === 'number' && typeof v.screen.height === 'number') {
    screen = { width: v.screen.width, height: v.screen.height };
  }
  return accept({
    id: v.id,
    hostname: v.hostname,
    version: typeof v.version === 'string' ? v.version : '',
    screen,
    started_at: v.started_at,
  });
}

export function encodeAnnouncement(announcement: Announcement): string {
  return JSON.stringify(announcement);
}
