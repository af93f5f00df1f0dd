import type { Etcd3 } from 'etcd3';
import { randomInt } from 'node:crypto';
import { decodeGroupClock, LONGEST_SLOT_MS, SHORTEST_SLOT_MS, type GroupClock } from '../../common/protocol/codecs/groupClockCodec.ts';
import { decodeSettings, effectiveSettings, intervalMs } from '../../common/protocol/codecs/settingsCodec.ts';
import { displayKey } from '../../common/protocol/displayKeys.ts';
import { encodeTopic } from '../../common/protocol/topicRegistry.ts';
import { slotAt, steppedClock } from '../../common/sync/groupSlots.ts';
import { UserError } from '../../common/userError.ts';
import { etcdWriteLimitsFromEnv, type EtcdWriteLimits } from '../../common/etcd/etcdWriteLimits.ts';
import { REQUEST_ENVELOPE_BYTES } from './fanoutPlan.ts';
import { readKeys } from './fanoutWriter.ts';
import type { GroupRecord } from '../../data/library/librarySchema.ts';

/**
 * The schedule a `same` group's members share, as etcd holds it: one
 * `/<id>:group_clock` per member (a display's etcd role reads only its own
 * keys), every one the same value. Written in transactions of whole keys, one
 * key per display each, so an original viewer (which ignores the topic) sees
 * at most one event per transaction.
 */

/**
 * How far ahead a group `next` applies: every member has heard it by then and
 * all flip at one instant (a watch event reaches a loopback or LAN viewer in
 * milliseconds; a member that hears it later flips as it hears it).
 */
export const STEP_LEAD_MS = 300;

/**
 * Each member's group_clock as etcd holds it (absent or unreadable: null):
 * range reads batched in transactions (readKeys), so a group of 1,000 costs
 * 8 requests, not 1,000.
 */
export async function readGroupClocks(client: Etcd3, displayIds: readonly string[], limits: EtcdWriteLimits = etcdWriteLimitsFromEnv(process.env)): Promise<Map<string, GroupClock | null>> {
  const raws = await readKeys(client, displayIds.map((id) => ({ key: displayKey(id, 'group_clock'), expectBytes: GROUP_CLOCK_BYTES })), limits);
  const clocks = new Map<string, GroupClock | null>();
  for (const id of displayIds) {
    const raw = raws.get(displayKey(id, 'group_clock'));
    const decoded = raw === undefined ? null : decodeGroupClock(raw);
    clocks.set(id, decoded?.ok ? decoded.value : null);
  }
  return clocks;
}

// Generous bounds for what one read answers per key, so a batch's answer stays within a request.
const GROUP_CLOCK_BYTES = 512;
const SETTINGS_BYTES = 8192;

/**
 * The slide interval of the group: its first member's interval setting
 * (members normally share settings). Read a batch of members at a time, in
 * one transaction each, until one has settings: a group whose members have
 * none costs a few requests, not one per member.
 */
async function groupIntervalMs(client: Etcd3, displayIds: readonly string[], limits: EtcdWriteLimits): Promise<{ intervalMs: number; shuffle: boolean }> {
  const batch = Math.max(1, Math.min(limits.maxTxnOps, Math.floor((limits.maxRequestBytes - REQUEST_ENVELOPE_BYTES) / SETTINGS_BYTES)));
  for (let i = 0; i < displayIds.length; i += batch) {
    const keys = displayIds.slice(i, i + batch).map((id) => displayKey(id, 'settings'));
    const raws = await readKeys(client, keys.map((key) => ({ key, expectBytes: SETTINGS_BYTES })), limits);
    for (const key of keys) {
      const raw = raws.get(key);
      const decoded = raw === undefined ? null : decodeSettings(raw);
      if (!decoded?.ok) continue;
      const settings = effectiveSettings(decoded.value);
      return { intervalMs: Math.min(Math.max(intervalMs(settings), SHORTEST_SLOT_MS), LONGEST_SLOT_MS), shuffle: settings.order !== 'sequence' };
    }
  }
  const defaults = effectiveSettings({ fields: {}, unknown: {} });
  return { intervalMs: intervalMs(defaults), shuffle: defaults.order !== 'sequence' };
}

/**
 * The clock the group should run on: the one its members hold when it has
 * this group's id and the group's interval (so a republish changes nothing),
 * else a new one. A new clock's slots start on whole multiples of the
 * interval since 1970 (every 10 minutes on the :00, :10, ... for 10 minutes),
 * and a changed interval starts at once with the slot after the one showing.
 */
export async function wantedGroupClock(
  client: Etcd3,
  group: GroupRecord,
  nowMs = Date.now(),
  heldClocks?: ReadonlyMap<string, GroupClock | null>,
  limits: EtcdWriteLimits = etcdWriteLimitsFromEnv(process.env),
): Promise<GroupClock> {
  const [{ intervalMs: interval, shuffle }, clocks] = await Promise.all([groupIntervalMs(client, group.displayIds, limits), heldClocks ?? readGroupClocks(client, group.displayIds, limits)]);
  const held = [...clocks.values()].find((clock) => clock?.group === group.id) ?? null;
  if (held && held.interval_ms === interval && (held.seed !== null) === shuffle) return held;
  const seed = shuffle ? (held?.seed ?? randomInt(0, 2 ** 32 - 1)) : null;
  if (held) return { group: group.id, epoch_ms: nowMs, interval_ms: interval, offset: slotAt(held, nowMs) + 1, seed };
  return { group: group.id, epoch_ms: 0, interval_ms: interval, offset: 0, seed };
}

/**
 * Puts `value` at every display's key in transactions of at most the etcd's
 * --max-txn-ops puts (PHOTOFRAME_ETCD_MAX_TXN_OPS, as every batched write).
 */
async function putAll(client: Etcd3, keys: readonly string[], value: string, limits: EtcdWriteLimits = etcdWriteLimitsFromEnv(process.env)): Promise<void> {
  for (let i = 0; i < keys.length; i += limits.maxTxnOps) {
    const chunk = keys.slice(i, i + limits.maxTxnOps);
    await client.if(chunk[0]!, 'Create', '>', -1).then(...chunk.map((key) => client.put(key).value(value))).commit();
  }
}

/**
 * Gives every member the clock; a member already holding it is not written
 * (`heldClocks`: what etcd holds, if the caller read it already). Returns the
 * displays written.
 */
export async function putGroupClock(client: Etcd3, displayIds: readonly string[], clock: GroupClock, heldClocks?: ReadonlyMap<string, GroupClock | null>): Promise<string[]> {
  const wire = encodeTopic('x', 'group_clock', clock).value;
  const held = heldClocks ?? (await readGroupClocks(client, displayIds));
  const stale = displayIds.filter((id) => JSON.stringify(held.get(id)) !== JSON.stringify(clock));
  await putAll(client, stale.map((id) => displayKey(id, 'group_clock')), wire);
  return stale;
}

/** Takes the group schedule away (a split group, a display that left): each display goes back to its own timer. */
export async function clearGroupClock(client: Etcd3, displayIds: readonly string[], limits: EtcdWriteLimits = etcdWriteLimitsFromEnv(process.env)): Promise<void> {
  // In transactions of --max-txn-ops deletes: deleting a key that is not there makes no event, so a split group
  // that never had a clock costs a few round trips and no viewer hears anything.
  for (let i = 0; i < displayIds.length; i += limits.maxTxnOps) {
    const keys = displayIds.slice(i, i + limits.maxTxnOps).map((id) => displayKey(id, 'group_clock'));
    await client.if(keys[0]!, 'Create', '>', -1).then(...keys.map((key) => client.delete().key(key))).commit();
  }
}

/**
 * `group next` / `group back`: every member moves one slot, together. The
 * clock is read from the members, stepped once (steppedClock), and the same
 * new value written to all of them in as few transactions as etcd allows
 * (one for up to 128 members), so they hear it at the same revision.
 */
export async function stepGroup(client: Etcd3, group: GroupRecord, step: 1 | -1, nowMs = Date.now()): Promise<GroupClock> {
  if ((group.mode ?? 'split') !== 'same') throw new UserError(`group "${group.name}" is in split mode: its displays show different photos, so it has no common slot to move; use photoframe display next ${group.name}`);
  const held = [...(await readGroupClocks(client, group.displayIds)).values()].find((clock) => clock?.group === group.id);
  if (!held) throw new UserError(`group "${group.name}" has no schedule in etcd yet: give it an album (photoframe group set ${group.name} album=ALBUM)`);
  const stepped = steppedClock(held, nowMs, step, STEP_LEAD_MS);
  const wire = encodeTopic('x', 'group_clock', stepped).value;
  await putAll(client, group.displayIds.map((id) => displayKey(id, 'group_clock')), wire);
  return stepped;
}
