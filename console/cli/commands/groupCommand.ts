import type { EtcdTarget } from '../../../common/config.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { reasonOf, UserError } from '../../../common/userError.ts';
import { requireAlbum } from '../../../data/library/albums.ts';
import { addGroupMembers, createGroup, deleteGroup, groupMode, isGroupMode, removeGroupMembers, requireGroup, setGroupAlbum, setGroupMode } from '../../../data/library/groups.ts';
import type { GroupMode, GroupRecord, Library } from '../../../data/library/librarySchema.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { readEtcdDisplays } from '../../displays/displayDirectory.ts';
import { republishAfterMemberChange } from '../../displays/groupRepublish.ts';
import { rememberAnnounced } from '../../displays/displayRecords.ts';
import { parseDisplayChange } from '../../displays/assignDisplay.ts';
import { putSettingsMany } from '../../displays/settingsFanout.ts';
import { parseAssignments } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';
import { withEtcdAfterSave } from '../etcdWhenNeeded.ts';
import { clearGroupClock, putGroupClock, stepGroup, wantedGroupClock } from '../../displays/groupClock.ts';
import { connectEtcd } from '../../../common/etcd/etcdClient.ts';

function describe(library: Library, group: GroupRecord) {
  return {
    id: group.id,
    name: group.name,
    album: library.albums.find((a) => a.id === group.albumId)?.name ?? null,
    mode: groupMode(group),
    displays: group.displayIds.map((id) => library.displays.find((d) => d.id === id)?.name ?? id),
  };
}

/** `photoframe group …`: framesets. Membership and album changes split the album again at once. */
export async function runGroup({ config, values, positionals }: CommandContext): Promise<number | void> {
  const [action, name, ...rest] = positionals;
  const store = new LibraryStore(homePaths(config.home).store);
  const need = (value: string | undefined, what: string): string => {
    if (!value) throw new UserError(`group ${action} needs ${what}; usage: photoframe group ${action} ${what}`);
    return value;
  };
  /** Deals the group's album again (clearing displays that left), under the library lock so no older split lands after it. */
  const republish = (group: GroupRecord, left: readonly string[] = []) =>
    withEtcdAfterSave(config, `group "${group.name}"`, (client) => store.update((locked) => republishAfterMemberChange(client, locked, [group.id], left)));
  const report = async (text: string, group: GroupRecord, written: string[] = []) => {
    const library = await store.read();
    const fresh = library.groups?.find((g) => g.id === group.id) ?? group;
    const shown = written.length ? `; split its album across ${written.length} display${written.length === 1 ? '' : 's'}` : '';
    process.stdout.write(values.json ? `${JSON.stringify({ ...describe(library, fresh), displaysUpdated: written }, null, 2)}\n` : `${text}${shown}\n`);
  };
  switch (action) {
    case 'create': {
      const group = await store.update((library) => createGroup(library, need(name, 'NAME')));
      return report(`created group "${group.name}"`, group);
    }
    case 'delete': {
      const group = await store.update((library) => deleteGroup(library, need(name, 'NAME')));
      // They keep their lists, but follow no group's schedule any more (else a member given its own album later
      // would still change on the deleted group's slots). In batched deletes; a split group's members have none.
      if (group.displayIds.length) await releaseFromGroup(config, group);
      process.stdout.write(values.json ? `${JSON.stringify({ id: group.id, name: group.name, deleted: true })}\n` : `deleted group "${group.name}"; its displays keep what they show\n`);
      return;
    }
    case 'add':
    case 'remove': {
      if (rest.length === 0) throw new UserError(`group ${action} needs displays; usage: photoframe group ${action} NAME DISPLAY...`);
      // A display only announced so far joins the library when it joins a group.
      const announced = action === 'add' ? await announcedDisplays(config.etcd) : null;
      const groupName = need(name, 'NAME DISPLAY...');
      const { group, left } = await store.update((library) => {
        if (announced) for (const ref of rest) rememberAnnounced(library, announced, ref);
        const before = [...requireGroup(library, groupName).displayIds];
        const edited = action === 'add' ? addGroupMembers(library, groupName, rest) : removeGroupMembers(library, groupName, rest);
        return { group: { ...edited, displayIds: [...edited.displayIds] }, left: before.filter((id) => !edited.displayIds.includes(id)) };
      });
      const written = group.albumId !== null ? await republish(group, left) : [];
      return report(`${action === 'add' ? 'added' : 'removed'} ${rest.length} display${rest.length === 1 ? '' : 's'} ${action === 'add' ? 'to' : 'from'} group "${group.name}"`, group, written);
    }
    case 'set': {
      // Every word is checked before anything is written: a typo changes nothing.
      const { mode, rest: assignments } = takeMode(parseAssignments(rest, 'use album=ALBUM, mode=same|split and/or settings such as interval_time=30'));
      if (assignments.length === 0 && mode === undefined) throw new UserError('nothing to set: give album=ALBUM, mode=same|split and/or settings such as interval_time=30');
      const change = assignments.length === 0 ? { settings: {} } : parseDisplayChange(assignments);
      const groupName = need(name, 'NAME [album=ALBUM] [mode=same|split] [setting=value...]');
      const settings = Object.keys(change.settings);
      // The group, its album and its members are checked before the album is written, so a refused set changes nothing.
      const check = (library: Library) => {
        const found = requireGroup(library, groupName);
        if (change.album !== undefined) requireAlbum(library, change.album);
        if (settings.length && found.displayIds.length === 0) throw new UserError(`group "${found.name}" has no displays to set ${settings.join(', ')} on`);
        return found;
      };
      const reshare = change.album !== undefined || mode !== undefined;
      const group = !reshare
        ? check(await store.read())
        : await store.update((library) => {
            check(library);
            if (change.album !== undefined) setGroupAlbum(library, groupName, change.album);
            const edited = mode !== undefined ? setGroupMode(library, groupName, mode) : requireGroup(library, groupName);
            return { ...edited, displayIds: [...edited.displayIds] };
          });
      if (settings.length) {
        const library = await store.read();
        await withEtcdAfterSave(config, `group "${group.name}"`, async (client) => {
          // Every member in a few guarded transactions (settingsFanout.ts), not one round trip each.
          await putSettingsMany(client, group.displayIds.map((id) => ({ id, name: library.displays.find((d) => d.id === id)?.name ?? id })), change.settings);
          // A same group's schedule follows its interval and order: a change to either gives the members a new clock.
          if ((group.mode ?? 'split') === 'same' && group.albumId !== null) await putGroupClock(client, group.displayIds, await wantedGroupClock(client, group));
        });
      }
      const parts = [
        change.album === undefined ? null : `shows album "${change.album}"`,
        mode === undefined ? null : mode === 'same' ? 'every display shows the whole album' : 'the album is split across its displays',
        settings.length ? `settings ${settings.join(', ')} on every display` : null,
      ];
      // A new mode deals the album again at once (split) or gives each member all of it (same).
      const written = reshare && group.albumId !== null ? await republish(group) : [];
      return report(`group "${group.name}": ${parts.filter(Boolean).join(' and ')}`, group, written);
    }
    case 'next':
    case 'back': {
      const group = requireGroup(await store.read(), need(name, 'NAME'));
      const client = await connectEtcd(config.etcd);
      const clock = await stepGroup(client, group, action === 'next' ? 1 : -1).finally(() => client.close());
      const when = action === 'next' ? `at ${new Date(clock.epoch_ms).toISOString()}` : 'now';
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ id: group.id, name: group.name, step: action, slot: clock.offset, at: new Date(clock.epoch_ms).toISOString(), displays: group.displayIds.length }, null, 2)}\n`
          : `group "${group.name}": ${group.displayIds.length} display${group.displayIds.length === 1 ? '' : 's'} move to slot ${clock.offset} ${when}\n`,
      );
      return;
    }
    case 'show': {
      const library = await store.read();
      const group = requireGroup(library, need(name, 'NAME'));
      const described = describe(library, group);
      process.stdout.write(
        values.json
          ? `${JSON.stringify(described, null, 2)}\n`
          : `group "${described.name}": album ${described.album ?? '-'} (${described.mode}); displays ${described.displays.join(', ') || '-'}\n`,
      );
      return;
    }
    default:
      throw new UserError(`group ${action === undefined ? 'needs an action' : `has no action "${action}"`}: create, add, remove, delete, set, next, back or show (photoframe group --help)`);
  }
}

/** `mode=same|split` taken out of the assignments; the rest are the album and settings, as for a display. */
function takeMode(assignments: readonly [string, string][]): { mode: GroupMode | undefined; rest: [string, string][] } {
  let mode: GroupMode | undefined;
  const rest: [string, string][] = [];
  for (const [key, value] of assignments) {
    if (key !== 'mode') {
      rest.push([key, value]);
      continue;
    }
    if (!isGroupMode(value)) throw new UserError(`mode=${value} is not a group mode: use mode=same (every display shows the whole album) or mode=split (the album divided, no photo on two displays)`);
    if (mode !== undefined && mode !== value) throw new UserError(`mode is given twice (${mode} and ${value}): give it once`);
    mode = value;
  }
  return { mode, rest };
}

/** Takes the deleted group's schedule from its displays; the group is gone already, so a failure says what is left to do. */
async function releaseFromGroup(config: CommandContext['config'], group: GroupRecord): Promise<void> {
  let client;
  try {
    client = await connectEtcd(config.etcd);
  } catch (error) {
    throw new UserError(`group "${group.name}" is deleted, but its displays still follow its schedule: ${reasonOf(error)}; give them an album or a group once etcd is up`);
  }
  try {
    await clearGroupClock(client, group.displayIds);
  } finally {
    client.close();
  }
}

async function announcedDisplays(endpoints: EtcdTarget) {
  const client = await connectEtcd(endpoints);
  try {
    return await readEtcdDisplays(client);
  } finally {
    client.close();
  }
}
