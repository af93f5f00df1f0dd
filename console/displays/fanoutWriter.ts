import type { Etcd3 } from 'etcd3';
import type { IKeyValue } from 'etcd3/lib/rpc.js';
import { performance } from 'node:perf_hooks';
import type { EtcdWriteLimits } from '../../common/etcd/etcdWriteLimits.ts';
import { planFanout, planReads, type DisplayWrites, type FanoutPlan } from './fanoutPlan.ts';

// Transactions of one wave in flight at once: enough to keep etcd's raft pipeline full (it commits them
// together), few enough that a fan-out of huge lists never holds more than a few requests in memory.
const TXNS_IN_FLIGHT = 8;

/**
 * What etcd holds at these keys, read in a few transactions of range reads
 * (planReads) rather than one round trip per key. A key that is absent is
 * absent from the map. `expectBytes` sizes the batches: the answer to one
 * must stay well within a gRPC message.
 */
export async function readKeys(client: Etcd3, keys: readonly { key: string; expectBytes: number }[], limits: EtcdWriteLimits): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  await visitKeys(client, keys, limits, (kv) => values.set(kv.key.toString(), kv.value.toString()));
  return values;
}

/** Every key-value etcd holds at these keys, read as readKeys reads them, handed to `visit` as it arrives. */
export async function visitKeys(client: Etcd3, keys: readonly { key: string; expectBytes: number }[], limits: EtcdWriteLimits, visit: (kv: IKeyValue) => void): Promise<void> {
  await inTxnPool(planReads(keys, limits), async (batch) => {
    const answer = await client.kv.txn({ success: batch.map((key) => ({ request_range: { key: Buffer.from(key) } })) });
    for (const response of answer.responses) for (const kv of response.response_range?.kvs ?? []) visit(kv);
  });
}

/**
 * Writes what the displays should hold, in batched transactions within
 * etcd's limits, each display's keys in order and none written twice (see
 * fanoutPlan.ts). `current` is what etcd holds, if the caller read it
 * already; else it is read here. Returns the plan carried out.
 */
export async function writeFanout(client: Etcd3, desired: readonly DisplayWrites[], limits: EtcdWriteLimits, current?: ReadonlyMap<string, string>): Promise<FanoutResult> {
  const held = current ?? (await readKeys(client, desired.flatMap((d) => d.writes.map((w) => ({ key: w.key, expectBytes: Buffer.byteLength(w.value ?? '') }))), limits));
  const plan = planFanout(desired, held, limits);
  const waveMs: number[] = [];
  // A wave is committed before the next one starts: a display's later key lands in a later revision.
  for (const wave of plan.waves) {
    const started = performance.now();
    await inTxnPool(wave, (txn) =>
      client.kv.txn({
        success: txn.puts.map((write) =>
          write.value === null
            ? { request_delete_range: { key: Buffer.from(write.key) } }
            : { request_put: { key: Buffer.from(write.key), value: Buffer.from(write.value) } },
        ),
      }),
    );
    waveMs.push(performance.now() - started);
  }
  lastFanout = { ...plan, waveMs };
  return lastFanout;
}

export interface FanoutResult extends FanoutPlan {
  /** How long each wave took to commit, for benchmarks and logs. */
  waveMs: number[];
}

let lastFanout: FanoutResult | null = null;

/** The last fan-out this process wrote: what a benchmark reports beside its end-to-end figure. */
export function lastFanoutResult(): FanoutResult | null {
  return lastFanout;
}

/** Runs `work` on every item, TXNS_IN_FLIGHT transactions at once: what every batched read and write sends. */
export async function inTxnPool<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(TXNS_IN_FLIGHT, items.length) }, worker));
}
