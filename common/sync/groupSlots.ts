/**
 * The slot maths of a group that changes in unison, pure: every member
 * computes the same slot from the same clock value and etcd's time, and the
 * same photo from the same list, so no member needs to hear from another.
 */
import { positionsInOrder, shuffleInPlace } from '../order/shuffledPositions.ts';
import type { GroupClock } from '../protocol/codecs/groupClockCodec.ts';

export type SlotClock = Pick<GroupClock, 'epoch_ms' | 'interval_ms' | 'offset'>;

/** The slot due at etcd time `atMs`. */
export function slotAt(clock: SlotClock, atMs: number): number {
  return Math.floor((atMs - clock.epoch_ms) / clock.interval_ms) + clock.offset;
}

/** When (etcd time) slot `slot` begins. */
export function slotStart(clock: SlotClock, slot: number): number {
  return clock.epoch_ms + (slot - clock.offset) * clock.interval_ms;
}

/** Mathematical modulo: slots before the epoch are negative and still map into the list. */
function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** mulberry32: a small, well-mixed 32-bit generator; the same seed gives the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of one pass through the list: each pass is shuffled afresh, as the original reshuffles at each wrap. */
function passSeed(seed: number, pass: number): number {
  // Spread the pass number over the seed's bits (Knuth's multiplicative hash) so neighbouring passes differ.
  return (seed ^ Math.imul(pass | 0, 0x9e3779b1)) >>> 0;
}

/** A list as the slot maths reads it: an array, or a display's list of 100,000 names packed in one buffer. */
export interface SlotList {
  readonly length: number;
  nameAt(index: number): string;
}

/**
 * The positions of pass `pass` through a list of `length` photos, shuffled
 * by (seed, pass); null without a seed: the list's own order. Positions, not
 * names, so a pass through a packed list makes no strings.
 */
export function passPositions(length: number, seed: number | null, pass: number): Uint32Array | null {
  if (seed === null) return null;
  return shuffleInPlace(positionsInOrder(length), seededRandom(passSeed(seed, pass)));
}

/** Pass `pass` through `images` by name, in the group's order. */
export function passOrder(images: readonly string[], seed: number | null, pass: number): string[] {
  const positions = passPositions(images.length, seed, pass);
  return positions ? Array.from(positions, (index) => images[index]!) : [...images];
}

function asSlotList(images: readonly string[] | SlotList): SlotList {
  if (!Array.isArray(images)) return images as SlotList;
  const names = images as readonly string[];
  return { length: names.length, nameAt: (index) => names[index]! };
}

/**
 * The photo of slot `slot`: photo[slot mod n] of that slot's pass. A small
 * cache keeps one pass's order, since a display asks for neighbouring slots.
 */
export class SlotPhotos {
  private cached: { images: readonly string[] | SlotList; seed: number | null; pass: number; positions: Uint32Array | null } | null = null;

  photoAt(images: readonly string[] | SlotList, seed: number | null, slot: number): string | null {
    const n = images.length;
    if (n === 0) return null;
    const pass = Math.floor(slot / n);
    const c = this.cached;
    if (!c || c.images !== images || c.seed !== seed || c.pass !== pass) this.cached = { images, seed, pass, positions: passPositions(n, seed, pass) };
    const at = mod(slot, n);
    return asSlotList(images).nameAt(this.cached!.positions ? this.cached!.positions[at]! : at);
  }
}

/** One-off form of SlotPhotos.photoAt, for tests and the console. */
export function photoForSlot(images: readonly string[] | SlotList, seed: number | null, slot: number): string | null {
  return new SlotPhotos().photoAt(images, seed, slot);
}

/**
 * The clock after a `next` (+1) or `back` (−1) on the whole group: every
 * member moves one slot from the one due at `nowMs`, and the following slots
 * last a whole interval from the move. A step forward is put `leadMs` ahead,
 * so every member has heard it before it applies and all flip at one instant
 * (until then the new clock still gives the slot showing). A step back
 * cannot be put ahead (slots only grow with time: the slot before the
 * boundary would be two back), so it applies as each member hears it.
 */
export function steppedClock<C extends SlotClock>(clock: C, nowMs: number, step: 1 | -1, leadMs: number): C {
  const current = slotAt(clock, nowMs);
  const atMs = step > 0 ? nowMs + leadMs : nowMs;
  return { ...clock, epoch_ms: Math.round(atMs), offset: current + step };
}
