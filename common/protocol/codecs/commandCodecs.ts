import { isDisplayId } from '../displayKeys.ts';
import { accept, describeValue, isPlainObject, parseJson, parseJsonOrWord, refuse, type Decoded } from '../decoded.ts';

/**
 * `/<id>:reboot` and `/<id>:restart_screen` — one-shot commands; the original
 * server writes "now". Any JSON string is taken as the command (each put acts
 * once); a value that is not JSON is refused, so a truncated write reboots nothing.
 */
export type NowCommand = 'now';

export function decodeNowCommand(raw: string): Decoded<NowCommand> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  return typeof value === 'string' ? accept('now') : refuse(`must be the string "now", got ${describeValue(value)}`);
}

export function encodeNowCommand(): string {
  return JSON.stringify('now');
}

/**
 * `/<id>:current_display` — a request id R (the original server writes a
 * fresh UUID). The viewer answers at `/R:`, the key the asker watches.
 */
export function decodeRequestId(raw: string): Decoded<string> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (typeof value !== 'string' || !isDisplayId(value)) {
    return refuse(`current_display must be a request id (letters, digits, '.', '_' or '-'), got ${describeValue(value)}`);
  }
  return accept(value);
}

export function encodeRequestId(requestId: string): string {
  return JSON.stringify(requestId);
}

export function nowShowingKey(requestId: string): string {
  if (!isDisplayId(requestId)) throw new Error(`invalid request id "${requestId}"`);
  return `/${requestId}:`;
}

/** The answer at `/R:`: what a display shows, put on a short lease so it clears itself. */
export interface NowShowing {
  display: string;
  image: string | null;
  album: string | null;
  shown_at: string | null;
  power: 'on' | 'off';
  paused: boolean;
}

export function decodeNowShowing(raw: string): Decoded<NowShowing> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isPlainObject(v) || typeof v.display !== 'string') return refuse('the answer must be a JSON object with a display id');
  const textOrNull = (x: unknown) => (typeof x === 'string' ? x : null);
  return accept({
    display: v.display,
    image: textOrNull(v.image),
    album: textOrNull(v.album),
    shown_at: textOrNull(v.shown_at),
    power: v.power === 'off' ? 'off' : 'on',
    paused: v.paused === true,
  });
}

export function encodeNowShowing(answer: NowShowing): string {
  return JSON.stringify(answer);
}

/** `/<id>:paused` — the slideshow timer stops while true; the photo stays. A photoframe topic. */
export function decodePaused(raw: string): Decoded<boolean> {
  const parsed = parseJsonOrWord(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (value === true || value === 1 || value === 'true' || value === '1' || value === 'pause') return accept(true);
  if (value === false || value === 0 || value === 'false' || value === '0' || value === 'resume') return accept(false);
  return refuse(`paused must be true or false, got ${describeValue(value)}`);
}

export function encodePaused(paused: boolean): string {
  return JSON.stringify(paused);
}

/** `/<id>:album` — the album a display was given, for "what is on screen" answers. A photoframe topic. */
export interface AlbumRef {
  id: string;
  name: string;
}

export function decodeAlbumRef(raw: string): Decoded<AlbumRef | null> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (v === null) return accept(null);
  if (!isPlainObject(v) || typeof v.id !== 'string' || typeof v.name !== 'string') {
    return refuse(`album must be a JSON object {id, name}, got ${describeValue(v)}`);
  }
  return accept({ id: v.id, name: v.name.slice(0, 200) });
}

export function encodeAlbumRef(album: AlbumRef | null): string {
  return JSON.stringify(album === null ? null : { id: album.id, name: album.name });
}
