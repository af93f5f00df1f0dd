import type { Etcd3 } from 'etcd3';
import { announceKey } from '../../common/protocol/systemKeys.ts';
import { UserError } from '../../common/userError.ts';
import { findDisplay, forgetDisplay, rememberDisplay, renameDisplay } from '../../data/library/displays.ts';
import { groupsOf, type DisplayRecord, type Library } from '../../data/library/librarySchema.ts';
import type { EtcdDisplayView } from './displayDirectory.ts';
import { republishAfterMemberChange } from './groupRepublish.ts';

/** A library change under its lock: the store's `update` for the CLI, the hub's for a console session. */
export type LibraryUpdate = <T>(change: (library: Library) => T) => Promise<T>;

/** A display by id or name among those the library knows and those only announced in etcd. */
function knownId(library: Library, etcd: EtcdDisplayView, ref: string): string | null {
  const record = findDisplay(library, ref);
  if (record) return record.id;
  if (etcd.announcements.has(ref)) return ref;
  for (const [id, announcement] of etcd.announcements) if (announcement.hostname === ref) return id;
  return null;
}

function unknown(library: Library, etcd: EtcdDisplayView, ref: string): UserError {
  const names = [...library.displays.map((d) => d.name), ...[...etcd.announcements.keys()].filter((id) => !findDisplay(library, id))];
  return new UserError(`unknown display "${ref}"; ${names.length ? `known displays: ${names.join(', ')}` : 'no display has announced itself yet'}`);
}

/** Brings a display that has only announced itself into the library, so it can be named or grouped. */
export function rememberAnnounced(library: Library, etcd: EtcdDisplayView, ref: string): void {
  const id = knownId(library, etcd, ref);
  if (id !== null && !findDisplay(library, id)) rememberDisplay(library, { id, hostname: etcd.announcements.get(id)?.hostname ?? null });
}

/** Names a display; one only announced so far joins the library with that name. */
export async function renameDisplayRecord(update: LibraryUpdate, etcd: EtcdDisplayView, ref: string, newName: string): Promise<DisplayRecord> {
  return update((library) => {
    const id = knownId(library, etcd, ref);
    if (id === null) throw unknown(library, etcd, ref);
    rememberAnnounced(library, etcd, id);
    return { ...renameDisplay(library, id, newName) };
  });
}

/**
 * Forgets a display: out of the library, and its announcement deleted so it
 * leaves the lists. A display that starts again announces itself anew. Its
 * groups are split again among the members left, in the same locked change,
 * so no photo of theirs stays on it or goes missing from them.
 */
export async function forgetDisplayRecord(update: LibraryUpdate, client: Etcd3, etcd: EtcdDisplayView, ref: string): Promise<{ id: string; name: string }> {
  const forgotten = await update(async (library) => {
    const id = knownId(library, etcd, ref);
    if (id === null) throw unknown(library, etcd, ref);
    const record = findDisplay(library, id);
    const groups = groupsOf(library).filter((group) => group.displayIds.includes(id)).map((group) => group.id);
    if (record) forgetDisplay(library, id);
    if (groups.length) await republishAfterMemberChange(client, library, groups, [id]);
    return { id, name: record?.name ?? etcd.announcements.get(id)?.hostname ?? id };
  });
  await client.delete().key(announceKey(forgotten.id));
  return forgotten;
}
