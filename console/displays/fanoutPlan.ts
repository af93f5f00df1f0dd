/**
 * Turns the keys many displays should hold into the etcd transactions that
 * write them, within etcd's limits (see etcdWriteLimits.ts). Pure: what etcd
 * holds now comes in, the transactions go out.
 *
 * The rules, from how an original viewer hears etcd (a one-event watch on its
 * prefix that takes only the first key of a revision, see
 * docs/protocol.md):
 * - a transaction holds at most one key of each display, so every display
 *   hears every key of its own;
 * - a display's keys go out in the order given (the album, then `images`
 *   last), each in a later transaction than the one before it: they are
 *   planned in waves, wave n holding every display's n-th changed key, and a
 *   wave is only sent once the one before it is committed;
 * - a key that already holds its value is not written (a needless write makes
 *   an original viewer skip a photo, or miss the next key).
 */
import { UserError } from '../../common/userError.ts';
import type { EtcdWriteLimits } from '../../common/etcd/etcdWriteLimits.ts';

export interface KeyWrite {
  key: string;
  /** null: delete the key (e.g. a manifest key a display no longer needs); skipped when the key is absent. */
  value: string | null;
}

/** One display's keys, in the order they must arrive. */
export interface DisplayWrites {
  displayId: string;
  writes: readonly KeyWrite[];
}

export interface FanoutTxn {
  puts: KeyWrite[];
  /** The TxnRequest's encoded size. */
  bytes: number;
}

export interface FanoutPlan {
  /** Sent one wave after another; the transactions of one wave touch different displays and may go out together. */
  waves: FanoutTxn[][];
  /** For each display with anything to write, the keys written. */
  changed: Map<string, string[]>;
  /** Keys left alone because they hold their value already. */
  unchanged: number;
  /** The bytes of the values written: what the writes are worth, before keys and framing. */
  valueBytes: number;
}

/**
 * Room kept in `--max-request-bytes` for what etcd wraps a transaction in
 * before checking its size (the raft request's header: id, user name, auth
 * revision): a few dozen bytes, kept generously.
 */
export const REQUEST_ENVELOPE_BYTES = 1024;

/** One value is bigger than a request may be: it cannot be written by batching it differently. */
export class ValueTooLargeError extends UserError {
  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`cannot write ${key}: its value needs a ${bytes}-byte request and etcd takes at most ${limit} (--max-request-bytes)`);
    this.name = 'ValueTooLargeError';
  }
}

export class DuplicateDisplayError extends Error {
  constructor(readonly displayId: string) {
    super(`display ${displayId} appears twice in one fan-out: its keys would share a transaction`);
    this.name = 'DuplicateDisplayError';
  }
}

export function planFanout(desired: readonly DisplayWrites[], current: ReadonlyMap<string, string>, limits: EtcdWriteLimits): FanoutPlan {
  const budget = limits.maxRequestBytes - REQUEST_ENVELOPE_BYTES;
  const byWave: KeyWrite[][] = [];
  const changed = new Map<string, string[]>();
  const seen = new Set<string>();
  let unchanged = 0;
  let valueBytes = 0;
  for (const display of desired) {
    if (seen.has(display.displayId)) throw new DuplicateDisplayError(display.displayId);
    seen.add(display.displayId);
    const keys: string[] = [];
    for (const write of display.writes) {
      const held = current.get(write.key);
      if (write.value === null ? held === undefined : held === write.value) {
        unchanged++;
        continue;
      }
      (byWave[keys.length] ??= []).push(write);
      keys.push(write.key);
      if (write.value !== null) valueBytes += Buffer.byteLength(write.value);
    }
    if (keys.length) changed.set(display.displayId, keys);
  }
  const waves = byWave.map((writes) => packWave(writes, limits.maxTxnOps, budget));
  return { waves, changed, unchanged, valueBytes };
}

/** Fills transactions in order, each up to the op count and the byte budget. */
function packWave(writes: readonly KeyWrite[], maxOps: number, budget: number): FanoutTxn[] {
  const sizeOf = (write: KeyWrite) => {
    const bytes = write.value === null ? txnDeleteBytes(write.key) : txnPutBytes(write.key, write.value);
    if (bytes > budget) throw new ValueTooLargeError(write.key, bytes + REQUEST_ENVELOPE_BYTES, budget + REQUEST_ENVELOPE_BYTES);
    return bytes;
  };
  return packInOrder(writes, sizeOf, maxOps, budget).map(({ items, bytes }) => ({ puts: items, bytes }));
}

/** Keys to read, in batches of at most `maxTxnOps` whose expected answers stay within a request's size. */
export function planReads(keys: readonly { key: string; expectBytes: number }[], limits: EtcdWriteLimits): string[][] {
  const budget = limits.maxRequestBytes - REQUEST_ENVELOPE_BYTES;
  return packInOrder(keys, ({ key, expectBytes }) => txnPutBytes(key, '') + expectBytes, limits.maxTxnOps, budget).map(({ items }) => items.map(({ key }) => key));
}

/**
 * Items in order, in batches of at most `maxOps` whose sizes add up to at
 * most `budget`: a batch is closed when the next item would pass either. An
 * item bigger than the budget alone gets a batch of its own (callers that
 * cannot send it refuse it in `sizeOf`).
 */
export function packInOrder<T>(items: readonly T[], sizeOf: (item: T) => number, maxOps: number, budget: number): { items: T[]; bytes: number }[] {
  const batches: { items: T[]; bytes: number }[] = [];
  let open: { items: T[]; bytes: number } | null = null;
  for (const item of items) {
    const size = sizeOf(item);
    if (!open || open.items.length >= maxOps || open.bytes + size > budget) {
      open = { items: [], bytes: 0 };
      batches.push(open);
    }
    open.items.push(item);
    open.bytes += size;
  }
  return batches;
}

/**
 * The bytes one put adds to a TxnRequest, as protobuf encodes it: the
 * `success` entry (RequestOp) around `request_put` (PutRequest) around the
 * key and the value.
 */
export function txnPutBytes(key: string, value: string): number {
  const keyBytes = Buffer.byteLength(key);
  const valueBytes = Buffer.byteLength(value);
  const put = field(keyBytes) + (valueBytes > 0 ? field(valueBytes) : 0);
  const op = field(put);
  return field(op);
}

/** The bytes one delete of a single key adds to a TxnRequest (RequestOp around request_delete_range around the key). */
export function txnDeleteBytes(key: string): number {
  return field(field(field(Buffer.byteLength(key))));
}

/** A length-delimited protobuf field of `length` bytes: its one-byte tag, its length, itself. */
function field(length: number): number {
  return 1 + varintBytes(length) + length;
}

function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    bytes++;
  }
  return bytes;
}
