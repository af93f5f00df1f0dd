/**
 * Which photo a display shows, as pure state transitions; the viewer turns
 * the result into drawing. As in the original viewer, a list is shuffled when
 * it arrives and again at each wrap (unless the order is `sequence`), and the
 * same photo never shows twice in a row across a reshuffle. A trail of what
 * was really shown lets `back` return to it, and forward after back retrace it.
 *
 * The list is a PhotoList and a pass is positions in it: a shuffled pass of
 * 100,000 photos is one Uint32Array (400 KB), a sequence none at all, and a
 * name is made only for a photo about to be shown.
 */
import type { SlideshowOrder } from '../common/protocol/codecs/settingsCodec.ts';
import { positionsInOrder, shuffleInPlace } from '../common/order/shuffledPositions.ts';
import { asPhotoList, EMPTY_LIST, sameNames, type PhotoList } from './photoList.ts';

export type Random = () => number;

export interface Playlist {
  /** The list as assigned. */
  images: PhotoList;
  mode: SlideshowOrder;
  /** This pass through the list: positions in `images`, shuffled; null for the list's own order (`sequence`). */
  order: Uint32Array | null;
  /** Where in the pass the photo last drawn is (a forward step takes the one after it); -1 before any. */
  drawnAt: number;
  /** Photos shown, oldest first; `cursor` is the current one (being shown, or on screen). */
  trail: readonly string[];
  cursor: number;
}

const TRAIL_LIMIT = 200;
// Above this many new photos in a changed list, they are dealt into the rest of the pass in one merge rather than one insert each.
const INSERTS_ONE_BY_ONE = 1024;
// Lists (old and new together) up to this many photos carry the pass over when they change; see withImages.
const CARRY_PASS_OVER_UP_TO = 40_000;

export const EMPTY_PLAYLIST: Playlist = { images: EMPTY_LIST, mode: 'shuffle', order: null, drawnAt: -1, trail: [], cursor: -1 };

export function currentImage(playlist: Playlist): string | null {
  return playlist.trail[playlist.cursor] ?? null;
}

/** The position in `images` of the pass's `at`-th photo. */
function indexAt(playlist: Pick<Playlist, 'order'>, at: number): number {
  return playlist.order ? playlist.order[at]! : at;
}

function nameInPass(playlist: Pick<Playlist, 'order' | 'images'>, at: number): string {
  return playlist.images.nameAt(indexAt(playlist, at));
}

/** Where in the pass `name` is, or -1. */
function placeInPass(playlist: Pick<Playlist, 'order' | 'images'>, name: string): number {
  const index = playlist.images.indexOf(name);
  if (index < 0 || !playlist.order) return index;
  return playlist.order.indexOf(index);
}

/** The pass's photos by name, in order: for tests and logs of small lists. */
export function passNames(playlist: Playlist): string[] {
  return Array.from({ length: playlist.images.length }, (_, at) => nameInPass(playlist, at));
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
function newPass(images: PhotoList, mode: SlideshowOrder, random: Random, avoid: string | null): Uint32Array | null {
  if (mode === 'sequence') return null;
  const order = shuffleInPlace(positionsInOrder(images.length), random);
  if (order.length > 1 && images.nameAt(order[0]!) === avoid) {
    const swapWith = 1 + Math.floor(random() * (order.length - 1));
    [order[0], order[swapWith]] = [order[swapWith]!, order[0]!];
  }
  return order;
}

/** Draws the pass's `at`-th photo: it becomes current, after what was current (never twice in a row in the trail). */
function draw(playlist: Playlist, at: number, rest: Partial<Playlist>): Playlist {
  const next = { ...playlist, ...rest };
  const name = nameInPass(next, at);
  const kept = playlist.trail.slice(0, playlist.cursor + 1);
  const trail = (kept[kept.length - 1] === name ? kept : [...kept, name]).slice(-TRAIL_LIMIT);
  return { ...next, drawnAt: at, trail, cursor: trail.length - 1 };
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
export function withImages(playlist: Playlist, images: readonly string[] | PhotoList, random: Random): Playlist {
  const list = asPhotoList(images);
  if (sameNames(playlist.images, list)) return playlist;
  if (list.length === 0) return { ...EMPTY_PLAYLIST, mode: playlist.mode };
  const current = currentImage(playlist);
  const trail = playlist.trail.slice(0, playlist.cursor + 1).filter((name) => list.has(name));
  const currentIndex = current === null ? -1 : list.indexOf(current);
  if (currentIndex < 0) {
    const order = newPass(list, playlist.mode, random, current);
    return draw({ ...playlist, trail, cursor: trail.length - 1 }, 0, { images: list, order });
  }
  const kept = { ...playlist, images: list, trail, cursor: trail.length - 1 };
  if (playlist.mode === 'sequence') return { ...kept, order: null, drawnAt: currentIndex };
  // Carrying a pass of 100,000 photos over name by name is a second or more of a Pi's CPU in lite mode: a
  // list that large starts a fresh pass from the photo on screen instead (a photo shown this pass may come again).
  if (playlist.images.length + list.length > CARRY_PASS_OVER_UP_TO) return { ...kept, order: passFrom(list, currentIndex, random), drawnAt: 0 };
  // The pass so far, and what is still to come of it, carried over as positions in the new list.
  const old = playlist;
  const here = placeInPass(old, current!);
  const done: number[] = [];
  const ahead: number[] = [];
  for (let at = 0; at < old.images.length; at++) {
    if (at === here) continue;
    const index = list.indexOf(old.images.nameAt(indexAt(old, at)));
    if (index >= 0) (at < here ? done : ahead).push(index);
  }
  const added: number[] = [];
  for (let index = 0; index < list.length; index++) if (index !== currentIndex && !old.images.has(list.nameAt(index))) added.push(index);
  const rest = added.length <= INSERTS_ONE_BY_ONE ? insertOneByOne(ahead, added, random) : dealInto(ahead, added, random);
  const order = Uint32Array.from([...done, currentIndex, ...rest]);
  return { ...kept, order, drawnAt: done.length };
}

/** Each new photo at a random place among what is to come, as the original mixes them in. */
function insertOneByOne(ahead: number[], added: readonly number[], random: Random): number[] {
  for (const index of added) ahead.splice(Math.floor(random() * (ahead.length + 1)), 0, index);
  return ahead;
}

/** The same outcome for many: the new photos shuffled, and merged at random places, in one pass. */
function dealInto(ahead: readonly number[], added: readonly number[], random: Random): number[] {
  const incoming = shuffleInPlace(Uint32Array.from(added), random);
  const out: number[] = [];
  let a = 0;
  let b = 0;
  while (a < ahead.length || b < incoming.length) {
    const fromAhead = ahead.length - a;
    const fromIncoming = incoming.length - b;
    if (random() * (fromAhead + fromIncoming) < fromAhead) out.push(ahead[a++]!);
    else out.push(incoming[b++]!);
  }
  return out;
}

/** The order setting changed: the photo on screen stays; what follows is re-derived. */
export function withMode(playlist: Playlist, mode: SlideshowOrder, random: Random): Playlist {
  if (mode === playlist.mode) return playlist;
  const current = currentImage(playlist);
  if (current === null) return { ...playlist, mode };
  const currentIndex = playlist.images.indexOf(current);
  if (mode === 'sequence') return { ...playlist, mode, order: null, drawnAt: currentIndex };
  return { ...playlist, mode, order: passFrom(playlist.images, currentIndex, random), drawnAt: 0 };
}

/** A shuffled pass that starts with the photo at `first`. */
function passFrom(images: PhotoList, first: number, random: Random): Uint32Array {
  const others = new Uint32Array(Math.max(0, images.length - 1));
  for (let index = 0, k = 0; index < images.length; index++) if (index !== first) others[k++] = index;
  shuffleInPlace(others, random);
  const order = new Uint32Array(others.length + 1);
  order[0] = first;
  order.set(others, 1);
  return order;
}

export function forward(playlist: Playlist, random: Random): Playlist {
  if (playlist.images.length === 0) return playlist;
  // After going back, forward retraces what was shown.
  if (playlist.cursor < playlist.trail.length - 1) return { ...playlist, cursor: playlist.cursor + 1 };
  const next = playlist.drawnAt + 1;
  if (next > 0 && next < playlist.images.length) return draw(playlist, next, {});
  const order = newPass(playlist.images, playlist.mode, random, currentImage(playlist) ?? drawnName(playlist));
  return draw(playlist, 0, { order });
}

function drawnName(playlist: Playlist): string | null {
  return playlist.drawnAt >= 0 && playlist.drawnAt < playlist.images.length ? nameInPass(playlist, playlist.drawnAt) : null;
}

/** What was really shown before; with nothing shown before, the photo before this one in the pass. */
export function back(playlist: Playlist): Playlist {
  if (playlist.images.length === 0) return playlist;
  if (playlist.cursor > 0) return { ...playlist, cursor: playlist.cursor - 1 };
  const count = playlist.images.length;
  const anchor = currentImage(playlist) ?? drawnName(playlist);
  const name = nameInPass(playlist, (placeInPass(playlist, anchor!) - 1 + count) % count);
  if (name === anchor) return playlist;
  // Put it before the current one in the trail, so forward comes back here.
  return { ...playlist, trail: [name, ...playlist.trail.slice(Math.max(0, playlist.cursor))].slice(0, TRAIL_LIMIT), cursor: 0 };
}

/** The photo a plain forward step would show next, to fetch ahead; null if it cannot be known (a reshuffle). */
export function upcomingImage(playlist: Playlist): string | null {
  if (playlist.images.length < 2) return null;
  if (playlist.cursor < playlist.trail.length - 1) return playlist.trail[playlist.cursor + 1]!;
  const next = playlist.drawnAt + 1;
  if (playlist.drawnAt >= 0 && next < playlist.images.length) return nameInPass(playlist, next);
  return playlist.mode === 'sequence' ? nameInPass(playlist, 0) : null;
}
