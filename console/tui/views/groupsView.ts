import blessed from 'blessed';
import { UserError } from '../../../common/userError.ts';
import { addGroupMembers, createGroup, deleteGroup, groupMode, removeGroupMembers, setGroupAlbum, setGroupMode } from '../../../data/library/groups.ts';
import { groupsOf, type GroupRecord, type Library } from '../../../data/library/librarySchema.ts';
import { albumPhotos } from '../../../data/library/smartRules.ts';
import { republishAfterMemberChange } from '../../displays/groupRepublish.ts';
import { clearGroupClock } from '../../displays/groupClock.ts';
import { rememberAnnounced } from '../../displays/displayRecords.ts';
import type { SessionContext } from '../app/consoleApp.ts';
import { viewElement, type View } from '../app/view.ts';
import { ListWidget } from '../widgets/listWidget.ts';
import { resolveName } from '../app/nameCompletion.ts';
import { actionBindings } from './displayActionKeys.ts';

/** Display groups: an album split across displays, no photo on two at once (the original's framesets), or the whole album on each. */
export function groupsView(context: SessionContext): View {
  const { hub, etcd, client } = context.services;
  const element = viewElement(context);
  const memberNames = (library: Library, group: GroupRecord) => group.displayIds.map((id) => library.displays.find((d) => d.id === id)?.name ?? id);
  const list = new ListWidget<GroupRecord>({
    screen: context.screen,
    parent: element,
    label: 'Groups',
    columns: [
      { title: 'GROUP', width: 18 },
      { title: 'ALBUM', width: 18 },
      { title: 'MODE', width: 6 },
      { title: 'EACH', width: 6 },
      { title: 'DISPLAYS', width: 'flex' },
    ],
    cells: (group) => {
      const library = hub.library;
      const album = library.albums.find((a) => a.id === group.albumId);
      const mode = groupMode(group);
      const photos = album ? albumPhotos(library, album).length : 0;
      const each = album && group.displayIds.length ? (mode === 'same' ? `${photos}` : `~${Math.ceil(photos / group.displayIds.length)}`) : '—';
      return [group.name, album?.name ?? { text: '—', tone: 'muted' }, mode, each, memberNames(library, group).join(', ') || { text: 'no displays yet: + adds one', tone: 'muted' }];
    },
    empty: 'no groups: c creates one (a group splits one album across its displays)',
    position: { top: 0, left: 0, width: '100%', height: '100%' },
  });
  list.setFocused(true);
  const selected = () => {
    const group = list.selected();
    if (!group) throw new UserError('no group selected');
    return group;
  };
  const refresh = () => {
    list.setRows(groupsOf(hub.library), (g) => g.id);
    list.setLabel(`Groups (${groupsOf(hub.library).length})`);
  };
  /** Changes the group, then deals its album again to the members as they now are; a display that left is cleared. */
  const change = async (what: string, edit: (library: Library) => GroupRecord) => {
    await context.run(async () => {
      const { group, left } = await hub.update(context.who, what, (library) => {
        const before = new Map(groupsOf(library).map((g) => [g.id, [...g.displayIds]]));
        const edited = edit(library);
        return { group: { ...edited }, left: (before.get(edited.id) ?? []).filter((id) => !edited.displayIds.includes(id)) };
      });
      // Under the library lock, so a concurrent change cannot publish an older split after this one.
      const written = await hub.store.update((locked) => republishAfterMemberChange(client, locked, [group.id], left));
      const verb = groupMode(group) === 'same' ? 'album given whole to' : 'album split across';
      return `${what}${written.length ? `; ${verb} ${written.length} display${written.length === 1 ? '' : 's'}` : ''}`;
    });
  };
  return {
    title: 'Groups',
    element,
    list,
    keys: {
      title: 'groups',
      bindings: [
        {
          keys: ['c'],
          hint: 'create',
          description: 'create a group',
          run: async () => {
            const name = await context.prompt('new group name: ', '', { complete: 'none' });
            if (name) await context.run(() => hub.update(context.who, `created group ${name}`, (library) => (createGroup(library, name), `group "${name}" created`)));
          },
        },
        {
          keys: ['+'],
          hint: 'add display',
          description: 'add a display to the group (its album is split again)',
          run: async () => {
            const group = selected();
            const ref = await context.prompt(`add display to "${group.name}": `, '', { complete: 'displays' });
            if (ref) await change(`added ${ref} to group ${group.name}`, (library) => (rememberAnnounced(library, etcd.view, ref), addGroupMembers(library, group.id, [ref])));
          },
        },
        {
          keys: ['-'],
          description: 'remove a display from the group (its album is split again)',
          run: async () => {
            const group = selected();
            const ref = await context.prompt(`remove display from "${group.name}": `, '', { complete: 'displays' });
            if (ref) await change(`removed ${ref} from group ${group.name}`, (library) => removeGroupMembers(library, group.id, [ref]));
          },
        },
        {
          keys: ['s'],
          hint: 'album',
          description: 'set the album the group splits',
          run: async () => {
            const group = selected();
            const typed = await context.prompt(`album for group "${group.name}": `, '', { complete: 'albums' });
            const album = typed && resolveName(typed, hub.library.albums.map((a) => a.name));
            if (album) await change(`group ${group.name} shows album ${album}`, (library) => setGroupAlbum(library, group.id, album));
          },
        },
        {
          keys: ['m'],
          hint: 'mode',
          description: 'switch the group between split (the album divided, no photo on two displays) and same (every display shows the whole album)',
          run: async () => {
            const group = selected();
            const mode = groupMode(group) === 'split' ? 'same' : 'split';
            await change(`group ${group.name} mode ${mode}`, (library) => setGroupMode(library, group.id, mode));
          },
        },
        {
          keys: ['d', 'delete'],
          hint: 'delete',
          description: 'delete the group (asks first; its displays keep what they show)',
          run: async () => {
            const group = selected();
            if (!(await context.confirm(`Delete group "${group.name}"? Its displays keep what they show.`, 'Delete'))) return context.status('nothing deleted');
            await context.run(async () => {
              const deleted = await hub.update(context.who, `deleted group ${group.name}`, (library) => deleteGroup(library, group.id));
              // Its displays keep their lists but leave its schedule (batched deletes; none for a split group).
              await clearGroupClock(client, deleted.displayIds);
              return `group "${group.name}" deleted`;
            });
          },
        },
        ...actionBindings(context, () => selected().name),
      ],
    },
    refresh,
    helpNotes: [
      'columns',
      '  MODE: split deals the album out (no photo on two displays); same gives every display the whole album (m switches)',
      '  EACH: about how many of the album\'s photos each display of the group gets',
    ],
    target: () => list.selected()?.name ?? null,
  };
}
