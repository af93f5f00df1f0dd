import type { Etcd3 } from 'etcd3';
import { etcdWriteLimitsFromEnv, type EtcdWriteLimits } from '../../common/etcd/etcdWriteLimits.ts';
import { decodeSettings, mergeSettings, type DisplaySettings, type SettingsValue } from '../../common/protocol/codecs/settingsCodec.ts';
import { displayKey } from '../../common/protocol/displayKeys.ts';
import { encodeTopic } from '../../common/protocol/topicRegistry.ts';
import { UserError } from '../../common/userError.ts';
import { commitGuarded, readHeld, type GuardedPut } from './guardedWrites.ts';

const MAX_SETTINGS_ATTEMPTS = 5;
// A settings object is a few hundred bytes: the reads are sized so, and a large one only makes a batch's answer larger.
const SETTINGS_EXPECT_BYTES = 1024;

export class SettingsConflictError extends UserError {
  constructor(displayNames: readonly string[]) {
    super(`cannot update display${displayNames.length === 1 ? '' : 's'} ${displayNames.join(', ')}: ${displayNames.length === 1 ? 'its settings' : 'their settings'} kept changing under us; try again`);
    this.name = 'SettingsConflictError';
  }
}

export interface SettingsTarget {
  id: string;
  /** Named in errors. */
  name: string;
}

/**
 * Merges one change into the settings of many displays and writes each whole
 * object, as one display's `putSettings` does, but in a few transactions: the
 * keys read in batched range reads, the merged values written one key per
 * display per transaction, each put guarded on the revision it was merged
 * from (guardedWrites.ts). A concurrent edit is merged, not lost; a display
 * whose settings already are the merged value is not written; and a
 * transaction applied twice (its answer lost in an election) writes once.
 * Every merge is checked before anything is written. Returns each display's
 * settings as written (or as they were, if already so).
 */
export async function putSettingsMany(
  client: Etcd3,
  targets: readonly SettingsTarget[],
  change: Partial<DisplaySettings>,
  limits: EtcdWriteLimits = etcdWriteLimitsFromEnv(process.env),
): Promise<Map<string, DisplaySettings>> {
  const result = new Map<string, DisplaySettings>();
  let pending = [...new Map(targets.map((target) => [target.id, target])).values()];
  for (let attempt = 1; attempt <= MAX_SETTINGS_ATTEMPTS && pending.length > 0; attempt++) {
    const held = await readHeld(client, pending.map((target) => ({ key: displayKey(target.id, 'settings'), expectBytes: SETTINGS_EXPECT_BYTES })), limits);
    const puts: GuardedPut[] = [];
    const byKey = new Map<string, SettingsTarget>();
    for (const target of pending) {
      const key = displayKey(target.id, 'settings');
      const kv = held.get(key);
      let stored: SettingsValue = { fields: {}, unknown: {} };
      if (kv) {
        const decoded = decodeSettings(kv.value);
        // A value no viewer can read is replaced rather than merged: viewers ignore it anyway.
        if (decoded.ok) stored = decoded.value;
      }
      const merged = mergeSettings(stored, change);
      if (!merged.ok) throw new UserError(`cannot update display ${target.name}: ${merged.error}`);
      result.set(target.id, merged.value);
      const { value } = encodeTopic(target.id, 'settings', { fields: merged.value, unknown: stored.unknown });
      // Already so (a repeated change, or this very write applied by an earlier attempt): no needless revision.
      if (kv?.value === value) continue;
      puts.push({ key, value, ifModRevision: kv?.modRevision ?? '0' });
      byKey.set(key, target);
    }
    const failed = await commitGuarded(client, puts, limits);
    pending = failed.map((put) => byKey.get(put.key)!);
  }
  if (pending.length > 0) throw new SettingsConflictError(pending.map((target) => target.name));
  return result;
}
