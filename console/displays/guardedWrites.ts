import type { Etcd3 } from 'etcd3';
import type { EtcdWriteLimits } from '../../common/etcd/etcdWriteLimits.ts';
import { packInOrder, REQUEST_ENVELOPE_BYTES, txnPutBytes } from './fanoutPlan.ts';
import { inTxnPool, visitKeys } from './fanoutWriter.ts';

/**
 * Writes whose second application would change their meaning, made safe to
 * send twice. Our etcd client sends a request again when its answer is lost
 * (a leader election: up to 7 retries, see etcdClient.ts), and etcd may have
 * applied the first: a plain put then lands twice. For a merge of settings
 * or a command such as `change_photo`, that is a second change. So each put
 * here is guarded on the mod revision its key had when read: a copy of a
 * transaction that was applied already fails its guard and writes nothing.
 *
 * Like the fan-out (fanoutPlan.ts), a transaction holds at most one key of a
 * display (an original viewer hears only the first key of a transaction),
 * within etcd's op count and request size.
 */

export interface HeldValue {
  value: string;
  /** The key's mod revision, as etcd gives it (a decimal string). */
  modRevision: string;
}

export interface GuardedPut {
  key: string;
  value: string;
  /** The mod revision the key must still have for the put to apply; '0' for a key that must still be absent. */
  ifModRevision: string;
}

/** The value and mod revision at each key, in a few transactions of range reads; an absent key is absent from the map. */
export async function readHeld(client: Etcd3, keys: readonly { key: string; expectBytes: number }[], limits: EtcdWriteLimits): Promise<Map<string, HeldValue>> {
  const held = new Map<string, HeldValue>();
  await visitKeys(client, keys, limits, (kv) => held.set(kv.key.toString(), { value: kv.value.toString(), modRevision: String(kv.mod_revision) }));
  return held;
}

/**
 * Commits the puts in transactions each guarded on every one of its keys'
 * mod revisions. Returns the puts of the transactions whose guard failed:
 * none of those was written by that transaction, and the caller reads them
 * again to decide (a key already holding what was meant, a copy of this very
 * write, or someone else's change to merge with).
 */
export async function commitGuarded(client: Etcd3, puts: readonly GuardedPut[], limits: EtcdWriteLimits): Promise<GuardedPut[]> {
  const failed: GuardedPut[] = [];
  await inTxnPool(packGuarded(puts, limits), async (txn) => {
    const answer = await client.kv.txn({
      compare: txn.map((put) => ({ key: Buffer.from(put.key), target: 'Mod', result: 'Equal', mod_revision: put.ifModRevision })),
      success: txn.map((put) => ({ request_put: { key: Buffer.from(put.key), value: Buffer.from(put.value) } })),
    });
    if (!answer.succeeded) failed.push(...txn);
  });
  return failed;
}

/** Puts packed into transactions within the op count and the request size, a guard (compare) counted with each. */
export function packGuarded(puts: readonly GuardedPut[], limits: EtcdWriteLimits): GuardedPut[][] {
  const keys = new Set<string>();
  for (const put of puts) {
    if (keys.has(put.key)) throw new Error(`${put.key} is written twice in one guarded batch`);
    keys.add(put.key);
  }
  const sizeOf = (put: GuardedPut) => txnPutBytes(put.key, put.value) + compareBytes(put.key);
  return packInOrder(puts, sizeOf, limits.maxTxnOps, limits.maxRequestBytes - REQUEST_ENVELOPE_BYTES).map(({ items }) => items);
}

/** A Compare on a key's mod revision, as protobuf frames it: the key, the target, the result and a varint revision, generously. */
function compareBytes(key: string): number {
  return Buffer.byteLength(key) + 24;
}
