/**
 * Which photo a display shows, as pure state transitions; the viewer turns
 * the result into drawing. As in the original viewer, a list is shuffled when
 * it arrives and again at each wrap (unless the order is `sequence`), and the
 * same photo never shows twice in a row across a reshuffle. A trail of what
 * was really shown lets `back` return to it, and forward after back retrace it.
 */
import type { SlideshowOrder } from '../common/protocol/codecs/settingsCodec.ts';

export type Random = () => number;

export interface Playlist {
  /** The list as assigned. */
  images: readonly string[];
  mode: SlideshowOrder;
  /** This pass through the list: shuffled or as assigned. */
  order: readonly string[];
  /** The photo last drawn from `order`: a forward step takes the one after it. */
  drawn: string | null;
  /** Photos shown, oldest first; `cursor` is the current one (being shown, or on screen). */
  trail: readonly string[];
  cursor: number;
}

const TRAIL_LIMIT = 200;

export const EMPTY_PLAYLIST: Playlist = { images: [], mode: 'shuffle', order: [], drawn: null, trail: [], cursor: -1 };

export function currentImage(playlist: Playlist): string | null {
  return playlist.trail[playlist.cursor] ?? null;
}

/** Fisher–Yates with an injected source, so a test can fix the order. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A fresh pass: shuffled, and not starting with `avoid` when there is any other choice. */
function newPass(images: readonly string[], mode: SlideshowOrder, random: Random, avoid: string | null): string[] {
  if (mode === 'sequence') return [...images];
  const order = shuffled(images, random);
  if (order.length > 1 && order[0] === avoid) {
    const swapWith = 1 + Math.floor(random() * (order.length - 1));
    [order[0], order[swapWith]] = [order[swapWith]!, order[0]!];
  }
  return order;
}

/** Draws `name` from the order: it becomes current, after what was current (never twice in a row in the trail). */
function draw(playlist: Playlist, name: string, rest: Partial<Playlist>): Playlist {
  const kept = playlist.trail.slice(0, playlist.cursor + 1);
  const trail = (kept[kept.length - 1] === name ? kept : [...kept, name]).slice(-TRAIL_LIMIT);
  return { ...playlist, ...rest, drawn: name, trail, cursor: trail.length - 1 };
}

/**
 * The current photo could not be shown: it leaves the trail, so `back` and
 * "what is on screen" never name it, while the next forward step still moves
 * past it.
 */
export function dropCurrent(playlist: Playlist): Playlist {
  if (playlist.cursor < 0) return playlist;
  const trail = [...playlist.trail.slice(0, playlist.cursor), ...playlist.trail.slice(playlist.cursor + 1)];
  return { ...playlist, trail, cursor: Math.min(playlist.cursor, trail.length) - 1 };
}

/**
 * A list arrives. The same list again (a re-publish) changes nothing. If the
 * photo on screen is still in it, it stays on screen and the rest of this
 * pass keeps its order, new photos mixed into what is still to come;
 * otherwise the display moves to the first photo of a new pass.
 */
export function withImages(playlist: Playlist, images: readonly string[], random: Random): Playlist {
  if (sameList(playlist.images, images)) return playlist;
  const list = [...new Set(images)];
  if (list.length === 0) return { ...EMPTY_PLAYLIST, mode: playlist.mode };
  const inList = new Set(list);
  const current = currentImage(playlist);
  const trail = playlist.trail.slice(0, playlist.cursor + 1).filter((name) => inList.has(name));
  if (current === null || !inList.has(current)) {
    const order = newPass(list, playlist.mode, random, current);
    return draw({ ...playlist, trail, cursor: trail.length - 1 }, order[0]!, { images: list, order });
  }
  let order: string[];
  if (playlist.mode === 'sequence') {
    order = list;
  } else {
    const known = new Set(playlist.images);
    const here = playlist.order.indexOf(current);
    const done = playlist.order.slice(0, here).filter((name) => inList.has(name));
    const ahead = playlist.order.slice(here + 1).filter((name) => inList.has(name));
    for (const name of list) {
      if (known.has(name) || name === current) continue;
      ahead.splice(Math.floor(random() * (ahead.length + 1)), 0, name);
    }
    order = [...done, current, ...ahead];
  }
  return { ...playlist, images: list, order, drawn: current, trail, cursor: trail.length - 1 };
}

/** The order setting changed: the photo on screen stays; what follows is re-derived. */
export function withMode(playlist: Playlist, mode: SlideshowOrder, random: Random): Playlist {
  if (mode === playlist.mode) return playlist;
  const current = currentImage(playlist);
  if (current === null) return { ...playlist, mode };
  const order = mode === 'sequence' ? [...playlist.images] : [current, ...shuffled(playlist.images.filter((n) => n !== current), random)];
  return { ...playlist, mode, order, drawn: current };
}

export function forward(playlist: Playlist, random: Random): Playlist {
  if (playlist.images.length === 0) return playlist;
  // After going back, forward retraces what was shown.
  if (playlist.cursor < playlist.trail.length - 1) return { ...playlist, cursor: playlist.cursor + 1 };
  const next = playlist.drawn === null ? -1 : playlist.order.indexOf(playlist.drawn) + 1;
  if (next > 0 && next < playlist.order.length) return draw(playlist, playlist.order[next]!, {});
  const order = newPass(playlist.images, playlist.mode, random, currentImage(playlist) ?? playlist.drawn);
  return draw(playlist, order[0]!, { order });
}

/** What was really shown before; with nothing shown before, the photo before this one in the pass. */
export function back(playlist: Playlist): Playlist {
  if (playlist.images.length === 0) return playlist;
  if (playlist.cursor > 0) return { ...playlist, cursor: playlist.cursor - 1 };
  const count = playlist.order.length;
  const anchor = currentImage(playlist) ?? playlist.drawn;
  const name = playlist.order[(playlist.order.indexOf(anchor!) - 1 + count) % count]!;
  if (name === anchor) return playlist;
  // Put it before the current one in the trail, so forward comes back here.
  return { ...playlist, trail: [name, ...playlist.trail.slice(Math.max(0, playlist.cursor))].slice(0, TRAIL_LIMIT), cursor: 0 };
}

/** The photo a plain forward step would show next, to fetch ahead; null if it cannot be known (a reshuffle). */
export function upcomingImage(playlist: Playlist): string | null {
  if (playlist.images.length < 2) return null;
  if (playlist.cursor < playlist.trail.length - 1) return playlist.trail[playlist.cursor + 1]!;
  const next = playlist.drawn === null ? undefined : playlist.order[playlist.order.indexOf(playlist.drawn) + 1];
  return next ?? (playlist.mode === 'sequence' ? (playlist.order[0] ?? null) : null);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
