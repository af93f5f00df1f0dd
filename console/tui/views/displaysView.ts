import blessed from 'blessed';
import { UserError } from '../../../common/userError.ts';
import { forgetDisplay, renameDisplay } from '../../../data/library/displays.ts';
import { rememberDisplay } from '../../../data/library/displays.ts';
import type { SessionContext } from '../app/consoleApp.ts';
import type { View } from '../app/view.ts';
import { ListWidget } from '../widgets/listWidget.ts';
import { DISPLAY_COLUMNS, displayCells, displayRows, type DisplayRow } from './displayRows.ts';

/** Every display, live from etcd: no refresh key, the shared feed redraws it. */
export function displaysView(context: SessionContext): View {
  const element = blessed.box({ parent: context.body, top: 0, left: 0, width: '100%', height: '100%' });
  const list = new ListWidget<DisplayRow>({
    parent: element,
    label: 'Displays',
    columns: DISPLAY_COLUMNS,
    cells: (row) => displayCells(row),
    empty: 'no displays yet: start `photoframe viewer` on a display and it announces itself',
    position: { top: 0, left: 0, width: '100%', height: '100%' },
  });
  list.setFocused(true);
  let filterText = '';
  const selected = () => {
    const row = list.selected();
    if (!row) throw new UserError('no display selected');
    return row;
  };
  const refresh = () => {
    const rows = displayRows(context.services.hub.library, context.services.etcd);
    const needle = filterText.toLowerCase();
    list.setRows(needle ? rows.filter((r) => `${r.name} ${r.id} ${r.album ?? ''}`.toLowerCase().includes(needle)) : rows, (r) => r.id);
    list.setLabel(`Displays (${rows.length})${filterText ? ` /${filterText}` : ''}`);
  };
  const rename = async () => {
    const row = selected();
    const name = await context.prompt(`rename display "${row.name}" to: `, row.name);
    if (name === null || name === row.name) return;
    await context.run(() =>
      context.services.hub.update(context.who, `renamed display ${row.name} to ${name}`, (library) => {
        // A display only announced so far joins the library when it is first named.
        if (!row.managed) rememberDisplay(library, { id: row.id, hostname: row.hostname });
        renameDisplay(library, row.id, name);
        return `display renamed to "${name}"`;
      }),
    );
  };
  const forget = async () => {
    const row = selected();
    if (!row.managed) throw new UserError(`display "${row.name}" is not in the library; there is nothing to forget`);
    if (!(await context.confirm(`Forget display "${row.name}" (${row.id})? It reappears if it announces itself again.`, 'Forget'))) return;
    await context.run(() =>
      context.services.hub.update(context.who, `forgot display ${row.name}`, (library) => {
        forgetDisplay(library, row.id);
        return `display "${row.name}" forgotten`;
      }),
    );
  };
  return {
    title: 'Displays',
    element,
    list,
    keys: {
      title: 'displays',
      bindings: [
        { keys: ['r'], hint: 'rename', description: 'rename the display', run: rename },
        { keys: ['x', 'delete'], hint: 'forget', description: 'forget the display (asks first)', run: forget },
      ],
    },
    filter: {
      get text() {
        return filterText;
      },
      apply(text) {
        filterText = text;
        refresh();
      },
    },
    refresh,
  };
}
