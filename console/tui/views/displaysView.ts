import blessed from 'blessed';
import { UserError } from '../../../common/userError.ts';
import type { Library } from '../../../data/library/librarySchema.ts';
import { forgetDisplayRecord, renameDisplayRecord } from '../../displays/displayRecords.ts';
import type { SessionContext } from '../app/consoleApp.ts';
import { textFilter, viewElement, type View } from '../app/view.ts';
import { ListWidget } from '../widgets/listWidget.ts';
import { resolveName } from '../app/nameCompletion.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { assignDisplay } from '../../displays/assignDisplay.ts';
import { actionBindings } from './displayActionKeys.ts';
import { revokeFromConsole } from './revokeDisplay.ts';
import { displayDetailView } from './displayDetailView.ts';
import { DISPLAY_COLUMNS, displayCells, drawnRow } from './displayRows.ts';
import { DisplayTable, type DisplayEntry } from './displayTable.ts';

/** Every display, live from etcd: no refresh key, the shared feed redraws it. */
export function displaysView(context: SessionContext): View {
  const element = viewElement(context);
  const { hub, etcd, certificates } = context.services;
  const table = new DisplayTable(etcd.view);
  const stopHearing = etcd.onChange((ids) => table.noteChanged(ids));
  const list = new ListWidget<DisplayEntry>({
    screen: context.screen,
    parent: element,
    label: 'Displays',
    columns: DISPLAY_COLUMNS,
    // Only rows on screen are drawn: what a display's viewer reports is read here, not for all of them.
    cells: (entry) => displayCells(drawnRow(entry, hub.library, etcd, (id) => certificates.daysLeft(id))),
    empty: 'no displays yet: start `photoframe viewer` on a display and it announces itself',
    position: { top: 0, left: 0, width: '100%', height: '100%' },
  });
  list.setFocused(true);
  list.onActivate = (row) => context.push(displayDetailView(context, row.id));
  const filter = textFilter(() => refresh());
  const selected = () => {
    const row = list.selected();
    if (!row) throw new UserError('no display selected');
    return row;
  };
  const updateAs =
    (what: string) =>
    <T,>(change: (library: Library) => T) =>
      context.services.hub.update(context.who, what, change);
  const showRows = () => {
    list.setRows(table.rows, (entry) => entry.id);
    list.setLabel(`Displays (${table.total})${filter.text ? ` /${filter.text}` : ''}`);
  };
  /** Everything it shows, drawn again: the rows on screen count up (SINCE), the library or the filter may have changed. */
  const refresh = () => {
    const { reordered } = table.sync(hub.library);
    const filtered = table.setFilter(filter.text);
    if (reordered || filtered) showRows();
    else {
      list.setLabel(`Displays (${table.total})${filter.text ? ` /${filter.text}` : ''}`);
      list.draw();
    }
  };
  /** Only what etcd changed: nothing at all when every display it touched is off screen. */
  const refreshLive = (): boolean => {
    const { reordered, changed } = table.sync(hub.library);
    if (reordered) {
      table.setFilter(filter.text);
      showRows();
      return true;
    }
    if (!list.showsAny((entry) => changed.has(entry.id))) return false;
    list.draw();
    return true;
  };
  const rename = async () => {
    const row = selected();
    const name = await context.prompt(`rename display "${row.name}" to: `, row.name, { complete: 'none' });
    if (name === null || name === row.name) return;
    await context.run(async () => {
      await renameDisplayRecord(updateAs(`renamed display ${row.name} to ${name}`), context.services.etcd.view, row.id, name);
      return `display renamed to "${name}"`;
    });
  };
  const assign = async () => {
    const row = selected();
    const typed = await context.prompt(`album for "${row.name}": `, row.album ?? '', { complete: 'albums' });
    if (!typed) return;
    const album = resolveName(typed, context.services.hub.library.albums.map((a) => a.name));
    await context.run(async () => {
      // The same assignment as `photoframe display set <display> album=…`, writes in the original's order.
      const result = await assignDisplay(context.services.client, new LibraryStore(context.services.hub.store.path), row.id, { album, settings: {} });
      context.services.events.add(context.who, `gave ${result.displayName} album ${album}`);
      return `display "${result.displayName}" shows album "${album}"`;
    });
  };
  const forget = async () => {
    const row = selected();
    if (!(await context.confirm(`Forget display "${row.name}" (${row.id})? It reappears if it announces itself again.`, 'Forget'))) return;
    await context.run(async () => {
      await forgetDisplayRecord(updateAs(`forgot display ${row.name}`), context.services.client, context.services.etcd.view, row.id);
      return `display "${row.name}" forgotten`;
    });
  };
  return {
    title: 'Displays',
    element,
    list,
    keys: {
      title: 'displays',
      bindings: [
        { keys: ['enter', 'l', 'right'], hint: 'settings', description: 'the display\'s detail and settings editor', run: () => context.push(displayDetailView(context, selected().id)) },
        { keys: ['a'], hint: 'album', description: 'give the display an album', run: assign },
        ...actionBindings(context, () => selected().id),
        { keys: ['r'], hint: 'rename', description: 'rename the display', run: rename },
        { keys: ['x', 'delete'], hint: 'forget', description: 'forget the display (asks first)', run: forget },
        { keys: ['X'], description: 'revoke the display: its certificate refused by etcd and the image server, its screen black (asks first)', run: () => revokeFromConsole(context, selected().id) },
      ],
    },
    filter,
    refresh,
    refreshLive,
    ticks: true,
    helpNotes: [
      'columns',
      '  PHOTO, SINCE: the photo the viewer reports on screen (its file name), and for how long (counts up live)',
      '  DRIFT: ok when the viewer has applied the newest write to its keys; behind while a newer write waits (it is busy, or its link to etcd is slow)',
      '  LAST SEEN: now while online; else when its presence lapsed · DISK: free space where it caches photos',
    ],
    target: () => list.selected()?.id ?? null,
    dispose: stopHearing,
  };
}
