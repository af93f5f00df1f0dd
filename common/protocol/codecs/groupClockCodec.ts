import { accept, describeValue, isPlainObject, parseJson, refuse, type Decoded } from '../decoded.ts';

/**
 * `/<id>:group_clock` — the schedule a display shares with the other members
 * of its `same` group: slot `floor((t − epoch_ms) / interval_ms) + offset`
 * at etcd's time t, photo `order[slot mod n]`, the order shuffled per pass
 * from `seed` (null: the list as given). Every member holds the same value.
 */
export interface GroupClock {
  /** The group's id: the status names it, so the console can compare members. */
  group: string;
  epoch_ms: number;
  interval_ms: number;
  offset: number;
  /** 32-bit shuffle seed shared by the members; null keeps the list's order. */
  seed: number | null;
}

/** Shorter than this, a slot cannot be drawn on time anywhere; longer than a year is a typo. */
export const SHORTEST_SLOT_MS = 500;
export const LONGEST_SLOT_MS = 366 * 86_400_000;

export function decodeGroupClock(raw: string): Decoded<GroupClock | null> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  // JSON null: the display left its group (a delete says the same).
  if (v === null) return accept(null);
  if (!isPlainObject(v)) return refuse(`group_clock must be a JSON object, got ${describeValue(v)}`);
  if (typeof v.group !== 'string' || v.group.length === 0 || v.group.length > 200) return refuse('group_clock.group must be the group id (1 to 200 characters)');
  if (!Number.isSafeInteger(v.epoch_ms)) return refuse(`group_clock.epoch_ms must be whole milliseconds since 1970, got ${describeValue(v.epoch_ms)}`);
  const interval = v.interval_ms;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < SHORTEST_SLOT_MS || interval > LONGEST_SLOT_MS) {
    return refuse(`group_clock.interval_ms must be whole milliseconds from ${SHORTEST_SLOT_MS} to ${LONGEST_SLOT_MS}, got ${describeValue(interval)}`);
  }
  const offset = v.offset ?? 0;
  if (!Number.isSafeInteger(offset)) return refuse(`group_clock.offset must be a whole number of slots, got ${describeValue(offset)}`);
  const seed = v.seed ?? null;
  if (seed !== null && !(Number.isInteger(seed) && (seed as number) >= 0 && (seed as number) <= 0xffffffff)) {
    return refuse(`group_clock.seed must be null or a 32-bit unsigned integer, got ${describeValue(seed)}`);
  }
  return accept({ group: v.group, epoch_ms: v.epoch_ms as number, interval_ms: interval, offset: offset as number, seed: seed as number | null });
}

export function encodeGroupClock(value: GroupClock | null): string {
  if (value === null) return 'null';
  return JSON.stringify({ group: value.group, epoch_ms: value.epoch_ms, interval_ms: value.interval_ms, offset: value.offset, seed: value.seed });
}
