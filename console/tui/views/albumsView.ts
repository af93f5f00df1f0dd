import blessed from 'blessed';
import { UserError } from '../../../common/userError.ts';
import { createAlbum, deleteAlbum, renameAlbum, setAlbumRule } from '../../../data/library/albums.ts';
import type { Library } from '../../../data/library/librarySchema.ts';
import { evaluateRule, formatRule, parseRule, RuleError } from '../../../data/library/smartRules.ts';
import { splitWords } from '../app/commandLine.ts';
import type { SessionContext } from '../app/consoleApp.ts';
import { textFilter, viewElement, type View } from '../app/view.ts';
import { ListWidget } from '../widgets/listWidget.ts';
import { republishAfterChange } from './displayActionKeys.ts';
import { albumRows, type AlbumRow } from './albumRows.ts';

export interface AlbumsViewOptions {
  openAlbum(name: string): void;
}

/** The label of the smart rule prompt: how many photos the rule typed so far matches, or why it cannot. */
export function ruleLiveLabel(library: Library, text: string): string {
  if (text.trim() === '') return 'rule (e.g. keyword:beach year:2023): ';
  try {
    const count = evaluateRule(parseRule(splitWords(text), library), library).length;
    return `rule · ${count} match${count === 1 ? '' : 'es'}: `;
  } catch (error) {
    if (error instanceof RuleError) return `rule · ${error.message.replace(/; use .*$/, '')}: `;
    throw error;
  }
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
      { title: 'PHOTOS', width: 7 },
      { title: 'DISPLAYS', width: 8 },
      { title: 'RULE', width: 30, optional: true },
    ],
    cells: (row) => [
      row.album.name,
      row.kind === 'smart' ? { text: 'smart', tone: 'accent' } : 'manual',
      String(row.photos),
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
  const create = async () => {
    const name = await context.prompt('new album name: ');
    if (!name) return;
    await context.run(() => hub.update(context.who, `created album ${name}`, (library) => (createAlbum(library, name), `album "${name}" created`)));
  };
  const createSmart = async (albumName?: string, initialRule = '') => {
    const name = albumName ?? (await context.prompt('smart album name: '));
    if (!name) return;
    const rule = await context.promptLive(initialRule, (text) => ruleLiveLabel(hub.library, text));
    if (rule === null) return;
    await context.run(async () => {
      const { text, albumId } = await hub.update(context.who, `set smart album ${name}: ${rule}`, (library) => {
        const { album, created } = setAlbumRule(library, name, parseRule(splitWords(rule), library));
        return { text: `smart album "${album.name}" ${created ? 'created' : 'updated'}`, albumId: album.id };
      });
      return text + (await republishAfterChange(context, albumId));
    });
  };
  const rename = async () => {
    const album = selected();
    const name = await context.prompt(`rename album "${album.name}" to: `, album.name);
    if (!name || name === album.name) return;
    await context.run(() => hub.update(context.who, `renamed album ${album.name} to ${name}`, (library) => (renameAlbum(library, album.id, name), `album renamed to "${name}"`)));
  };
  const remove = async () => {
    const album = selected();
    if (!(await context.confirm(`Delete album "${album.name}"? Its photos stay in the library.`, 'Delete'))) {
      context.status('nothing deleted');
      return;
    }
    await context.run(() => hub.update(context.who, `deleted album ${album.name}`, (library) => (deleteAlbum(library, album.id), `album "${album.name}" deleted`)));
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
  };
}
