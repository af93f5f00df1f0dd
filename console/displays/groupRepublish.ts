import type { Etcd3 } from 'etcd3';
import { groupsOf, type Library } from '../../data/library/librarySchema.ts';
import { clearLists, publishGroup } from './albumPublisher.ts';
import { clearGroupClock } from './groupClock.ts';

/**
 * After a group's membership changed: a display that left keeps nothing of
 * the group's album (else a photo would be on it and on the member that now
 * has it), and each affected group is dealt its album again among the members
 * it has now. Call it with the library under its lock, so a concurrent change
 * cannot publish an older split after this one. Returns the displays written.
 */
export async function republishAfterMemberChange(client: Etcd3, library: Library, groupIds: readonly string[], leftDisplays: readonly string[]): Promise<string[]> {
  const written: string[] = [];
  const stillGrouped = new Set(groupsOf(library).flatMap((group) => group.displayIds));
  const gone = leftDisplays.filter((id) => !stillGrouped.has(id));
  // A display that left follows no group schedule any more. Both in batched transactions: 1,000 leaving cost a few.
  await clearGroupClock(client, gone);
  written.push(...(await clearLists(client, gone)));
  for (const group of groupsOf(library)) if (groupIds.includes(group.id)) written.push(...(await publishGroup(client, library, group)));
  return written;
}
