import type { Etcd3 } from 'etcd3';
import { etcdWriteLimitsFromEnv, type EtcdWriteLimits } from '../../common/etcd/etcdWriteLimits.ts';
import type { DisplayTopic } from '../../common/protocol/displayKeys.ts';
import { encodeTopic, type TopicValues } from '../../common/protocol/topicRegistry.ts';
import { UserError } from '../../common/userError.ts';
import { commitGuarded, readHeld, type GuardedPut } from './guardedWrites.ts';

const MAX_COMMAND_ATTEMPTS = 5;
// Commands are a word or two of JSON.
const COMMAND_EXPECT_BYTES = 64;

export class CommandConflictError extends UserError {
  constructor(readonly topic: string, displayIds: readonly string[]) {
    super(`cannot send ${topic} to ${displayIds.join(', ')}: the key kept changing under us; try again`);
    this.name = 'CommandConflictError';
  }
}

/**
 * Sends one command (`change_photo`, `reboot`, `power_state` …) to each
 * display: every put is an event the display acts on, so a value equal to
 * the one held is written all the same, but each exactly once. The puts go
 * one key per display per transaction, guarded on the revision read just
 * before (guardedWrites.ts): a transaction the client sends again after an
 * election, though etcd had applied it, fails its guard instead of moving a
 * display two photos on. A guard that failed is read again: a key now at a
 * later revision holding this very value has heard the command (this write,
 * or an identical one sent at the same instant, which a person pressing
 * `next` twice at once cannot tell apart); any other is sent again.
 */
export async function sendCommand<K extends DisplayTopic>(
  client: Etcd3,
  displayIds: readonly string[],
  topic: K,
  value: TopicValues[K],
  limits: EtcdWriteLimits = etcdWriteLimitsFromEnv(process.env),
): Promise<void> {
  const wires = new Map(displayIds.map((id) => [id, encodeTopic(id, topic, value)]));
  let pending = [...wires.values()];
  let held = await readHeld(client, pending.map(({ key }) => ({ key, expectBytes: COMMAND_EXPECT_BYTES })), limits);
  for (let attempt = 1; attempt <= MAX_COMMAND_ATTEMPTS && pending.length > 0; attempt++) {
    const puts: GuardedPut[] = pending.map(({ key, value: wire }) => ({ key, value: wire, ifModRevision: held.get(key)?.modRevision ?? '0' }));
    const failed = await commitGuarded(client, puts, limits);
    if (failed.length === 0) return;
    const before = new Map(failed.map((put) => [put.key, put.ifModRevision]));
    held = await readHeld(client, failed.map(({ key }) => ({ key, expectBytes: COMMAND_EXPECT_BYTES })), limits);
    pending = failed.filter((put) => {
      const now = held.get(put.key);
      const heard = now !== undefined && BigInt(now.modRevision) > BigInt(before.get(put.key)!) && now.value === put.value;
      return !heard;
    });
  }
  if (pending.length > 0) throw new CommandConflictError(topic, pending.map(({ key }) => key.slice(1, key.lastIndexOf(':'))));
}
