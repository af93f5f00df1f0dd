import blessed from 'blessed';
import { UserError } from '../../../common/userError.ts';
import { createAlbum, deleteAlbum, renameAlbum, setAlbumRule } from '../../../data/library/albums.ts';
import type { Library } from '../../../data/library/librarySchema.ts';
import { evaluateRule, formatRule, parseRule, RuleError } from '../../../data/library/smartRules.ts';
import { splitWords } from '../app/commandLine.ts';
import { resolveName } from '../app/nameCompletion.ts';
import type { SessionContext } from '../app/consoleApp.ts';
import { textFilter, viewElement, type View } from '../app/view.ts';
import { ListWidget } from '../widgets/listWidget.ts';
import { republishAfterChange } from './displayActionKeys.ts';
import { albumCountCell, albumRows, type AlbumRow } from './albumRows.ts';
import { groupsOf } from '../../../data/library/librarySchema.ts';
import { setGroupAlbum } from '../../../data/library/groups.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { assignDisplays } from '../../displays/assignDisplay.ts';
import { republishAfterMemberChange } from '../../displays/groupRepublish.ts';

/** `a`, `a and b`, `a, b and c`. */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export interface AlbumsViewOptions {
  openAlbum(name: string): void;
}

/** The fields a rule may use, for the line under the rule prompt and the help. */
export const RULE_FIELDS = 'keyword:W -keyword:W name:TEXT orientation:landscape|portrait|square taken:FROM..TO year:YYYY album:NAME';

/** Why the rule typed so far cannot be used, short enough for one line (the fields are listed apart); null when it can. */
export function ruleProblem(library: Library, text: string): string | null {
  try {
    parseRule(splitWords(text), library);
    return null;
  } catch (error) {
    if (error instanceof RuleError) return error.message.replace(/[;:] use .*$/, '').replace(/: keyword:WORD.*$/, '');
    throw error;
  }
}

/** The label of the smart rule prompt: how many photos the rule typed so far matches. */
export function ruleLiveLabel(library: Library, text: string): string {
  if (text.trim() === '') return 'rule (e.g. keyword:beach year:2023): ';
  if (ruleProblem(library, text) !== null) return 'rule · not valid yet: ';
  const count = evaluateRule(parseRule(splitWords(text), library), library).length;
  return `rule · ${count} match${count === 1 ? '' : 'es'}: `;
}

export function albumsView(context: SessionContext, options: AlbumsViewOptions): View {
  const hub = context.services.hub;
  const element = viewElement(context);
  const list = new ListWidget<AlbumRow>({
    screen: context.screen,
    parent: element,
    label: 'Albums',
    columns: [
      { title: 'ALBUM', width: 'flex' },
      { title: 'KIND', width: 6 },
      // `N photos, M preparing`: the album's photos, and how many of them the background queue has still to check.
      { title: 'PHOTOS', width: 22 },
      { title: 'DISPLAYS', width: 8 },
      { title: 'RULE', width: 30, optional: true },
    ],
    cells: (row) => [
      row.album.name,
      row.kind === 'smart' ? { text: 'smart', tone: 'accent' } : 'manual',
      albumCountCell(row),
      String(row.displays),
      row.album.rule ? formatRule(row.album.rule, hub.library) : '',
    ],
    empty: 'no albums: n creates one, s a smart one; photoframe import DIR --album NAME',
    position: { top: 0, left: 0, width: '100%', height: '100%' },
  });
  list.setFocused(true);
  list.onActivate = (row) => options.openAlbum(row.album.name);
  const filter = textFilter(() => refresh());
  const selected = () => {
    const row = list.selected();
    if (!row) throw new UserError('no album selected');
    return row.album;
  };
  const refresh = () => {
    const rows = albumRows(hub.library);
    const needle = filter.text.toLowerCase();
    list.setRows(needle ? rows.filter((r) => r.album.name.toLowerCase().includes(needle)) : rows, (r) => r.album.id);
    list.setLabel(`Albums (${rows.length})${filter.text ? ` /${filter.text}` : ''}`);
  };
  /** The cursor goes to an album just made, where the person will act on it next. */
  const selectAlbum = (albumId: string) => {
    refresh();
    list.selectWhere((row) => row.album.id === albumId);
  };
  const create = async () => {
    const name = await context.prompt('new album name: ', '', { complete: 'none' });
    if (!name) return;
    await context.run(async () => {
      const { text, id } = await hub.update(context.who, `created album ${name}`, (library) => ({ text: `album "${name}" created`, id: createAlbum(library, name).id }));
      selectAlbum(id);
      return text;
    });
  };
  const createSmart = async (albumName?: string, initialRule = '') => {
    const name = albumName ?? (await context.prompt('smart album name: ', '', { complete: 'albums' }));
    if (!name) return;
    const rule = await context.promptLive(initialRule, (text) => ruleLiveLabel(hub.library, text), {
      complete: 'none',
      // The fields stay in view while typing; a problem replaces them until the next key.
      hint: (text) => (text.trim() === '' ? `fields: ${RULE_FIELDS}` : (ruleProblem(hub.library, text) ?? `fields: ${RULE_FIELDS}`)),
      check: (text) => (text.trim() === '' ? 'a smart album needs a rule, e.g. year:2023' : ruleProblem(hub.library, text)),
    });
    if (rule === null) return;
    await context.run(async () => {
      const { text, albumId } = await hub.update(context.who, `set smart album ${name}: ${rule}`, (library) => {
        const { album, created } = setAlbumRule(library, resolveName(name, library.albums.map((a) => a.name)), parseRule(splitWords(rule), library));
        return { text: `smart album "${album.name}" ${created ? 'created' : 'updated'}`, albumId: album.id };
      });
      selectAlbum(albumId);
      return text + (await republishAfterChange(context, albumId));
    });
  };
  const rename = async () => {
    const album = selected();
    const name = await context.prompt(`rename album "${album.name}" to: `, album.name, { complete: 'none' });
    if (!name || name === album.name) return;
    await context.run(() => hub.update(context.who, `renamed album ${album.name} to ${name}`, (library) => (renameAlbum(library, album.id, name), `album renamed to "${name}"`)));
  };
  const remove = async () => {
    const album = selected();
    const library = hub.library;
    const displays = library.displays.filter((d) => d.albumId === album.id);
    const groups = groupsOf(library).filter((g) => g.albumId === album.id);
    const nameOf = (id: string) => library.displays.find((d) => d.id === id)?.name ?? id;
    const users = [
      ...displays.map((d) => d.name),
      ...groups.flatMap((g) => (g.displayIds.length ? g.displayIds.map((id) => `${nameOf(id)} (group ${g.name})`) : [`group ${g.name}`])),
    ];
    if (users.length === 0) {
      if (!(await context.confirm(`Delete album "${album.name}"? Its photos stay in the library.`, 'Delete'))) return context.status('nothing deleted');
      await context.run(() => hub.update(context.who, `deleted album ${album.name}`, (library) => (deleteAlbum(library, album.id), `album "${album.name}" deleted`)));
      return;
    }
    // Those who look at these displays are the ones surprised: name them, and offer to move them first.
    const who = listed(users);
    const choice = await context.choose(
      `Delete album "${album.name}"? ${who} ${users.length === 1 ? 'shows' : 'show'} it: ${users.length === 1 ? 'it keeps' : 'they keep'} the photos on screen now but no album, and changes no longer reach ${users.length === 1 ? 'it' : 'them'}. Its photos stay in the library.`,
      ['Delete', 'Another album first…'],
    );
    if (choice === null) return context.status('nothing deleted');
    let other: string | null = null;
    if (choice === 1) {
      const others = () => hub.library.albums.filter((a) => a.id !== album.id).map((a) => a.name);
      const typed = await context.prompt(`album for ${who} instead of "${album.name}": `, '', {
        complete: 'albums',
        check: (text) => (others().includes(resolveName(text, others())) ? null : `no other album "${text}"; tab completes album names`),
      });
      if (!typed) return context.status('nothing deleted');
      other = resolveName(typed, others());
    }
    await context.run(async () => {
      if (other !== null) {
        const store = new LibraryStore(hub.store.path);
        // The same assignment as the displays view's `a`: the album key, then the image list.
        if (displays.length) await assignDisplays(context.services.client, store, displays.map((display) => display.id), { album: other, settings: {} });
        for (const group of groups) {
          await hub.update(context.who, `group ${group.name} shows album ${other}`, (library) => setGroupAlbum(library, group.id, other!));
          await hub.store.update((locked) => republishAfterMemberChange(context.services.client, locked, [group.id], []));
        }
      }
      await hub.update(context.who, `deleted album ${album.name}`, (library) => deleteAlbum(library, album.id));
      return `album "${album.name}" deleted${other === null ? '' : `; ${who} now ${users.length === 1 ? 'shows' : 'show'} "${other}"`}`;
    });
  };
  return {
    title: 'Albums',
    element,
    list,
    keys: {
      title: 'albums',
      bindings: [
        { keys: ['enter', 'l', 'right'], hint: 'open', description: 'open the album\'s photos', run: () => options.openAlbum(selected().name) },
        { keys: ['n'], hint: 'new', description: 'create an album', run: create },
        { keys: ['s'], hint: 'smart', description: 'create a smart album (live match count while typing the rule)', run: () => createSmart() },
        {
          keys: ['e'],
          hint: 'edit rule',
          description: 'edit the selected smart album\'s rule',
          run: () => {
            const album = selected();
            if (!album.rule) throw new UserError(`album "${album.name}" is a manual album; s creates a smart one`);
            return createSmart(album.name, formatRule(album.rule, hub.library));
          },
        },
        { keys: ['r'], hint: 'rename', description: 'rename the album', run: rename },
        { keys: ['d', 'delete'], hint: 'delete', description: 'delete the album (asks first)', run: remove },
      ],
    },
    filter,
    commands: [],
    refresh,
    helpNotes: [
      'smart album rules (s, e): conditions separated by spaces, all must hold',
      `  ${RULE_FIELDS}`,
      '  e.g. keyword:beach year:2023   or   orientation:portrait -keyword:private',
      'PHOTOS counts every photo of the album; "M preparing" are still being checked in the background and reach the displays when ready; "failed" ones never do',
    ],
  };
}
