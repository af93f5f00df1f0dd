import blessed from 'blessed';
import type { ConsoleSnapshot } from './consoleData.ts';

const HELP = [
  '{bold}photoframe console{/bold}',
  '',
  '  tab / h l      switch between Displays and Albums',
  '  j k / ↑ ↓      move',
  '  g G            first / last',
  '  r              reload',
  '  ?              this help',
  '  q / Ctrl-C     quit',
  '',
  'Changes are made with the CLI for now: photoframe display set <display> album=<album>',
].join('\n');

/** The first console screen: displays and albums side by side, a status line, help on `?`. */
export class ConsoleScreen {
  private readonly screen: blessed.Widgets.Screen;
  private readonly displays: blessed.Widgets.ListTableElement;
  private readonly albums: blessed.Widgets.ListTableElement;
  private readonly status: blessed.Widgets.BoxElement;
  private readonly help: blessed.Widgets.BoxElement;
  private focused: 'displays' | 'albums' = 'displays';

  constructor(
    private readonly etcdLabel: string,
    handlers: { onQuit: () => void; onReload: () => void },
  ) {
    this.screen = blessed.screen({ smartCSR: true, title: 'photoframe', fullUnicode: true });
    const table = (label: string, left: string | number, width: string | number) =>
      blessed.listtable({
        parent: this.screen,
        label: ` ${label} `,
        top: 0,
        left,
        width,
        bottom: 1,
        border: { type: 'line' },
        keys: true,
        vi: true,
        tags: true,
        align: 'left',
        noCellBorders: true,
        style: {
          border: { fg: 'grey' },
          header: { fg: 'cyan', bold: true },
          cell: { selected: { bg: 'blue', fg: 'white' } },
        },
      });
    this.displays = table('Displays', 0, '62%');
    this.albums = table('Albums', '62%', '38%');
    this.status = blessed.box({ parent: this.screen, bottom: 0, left: 0, right: 0, height: 1, tags: true, style: { bg: 'blue', fg: 'white' } });
    this.help = blessed.box({
      parent: this.screen,
      top: 'center',
      left: 'center',
      width: 76,
      height: 14,
      border: { type: 'line' },
      tags: true,
      hidden: true,
      content: HELP,
      style: { border: { fg: 'yellow' } },
    });

    this.screen.key(['q', 'C-c'], handlers.onQuit);
    this.screen.key(['r'], handlers.onReload);
    this.screen.key(['?'], () => this.toggleHelp());
    this.screen.key(['escape'], () => this.toggleHelp(false));
    this.screen.key(['tab', 'h', 'l', 'left', 'right'], () => this.focus(this.focused === 'displays' ? 'albums' : 'displays'));
    for (const list of [this.displays, this.albums]) {
      list.key(['g'], () => this.select(list, 1));
      list.key(['S-g'], () => this.select(list, Number.MAX_SAFE_INTEGER));
    }
    this.focus('displays');
  }

  update(snapshot: ConsoleSnapshot, message = ''): void {
    const displayRows = snapshot.displays.map((d) => [
      d.name,
      d.online ? '{green-fg}online{/green-fg}' : '{grey-fg}offline{/grey-fg}',
      d.album ?? '-',
      d.id,
    ]);
    this.setRows(this.displays, ['NAME', 'STATE', 'ALBUM', 'ID'], displayRows, 'no displays yet: start `photoframe viewer`');
    this.setRows(
      this.albums,
      ['ALBUM', 'PHOTOS'],
      snapshot.albums.map((a) => [a.name, String(a.photos)]),
      'no albums: photoframe import DIR --album NAME',
    );
    const online = snapshot.displays.filter((d) => d.online).length;
    this.status.setContent(
      ` etcd ${this.etcdLabel} · ${snapshot.displays.length} displays (${online} online) · ${snapshot.albums.length} albums · ${snapshot.photoCount} photos${message ? ` · ${message}` : ''} · ? help · q quit`,
    );
    this.screen.render();
  }

  showError(message: string): void {
    this.status.setContent(` {red-fg}${blessed.escape(message)}{/red-fg} · q quit`);
    this.screen.render();
  }

  destroy(): void {
    this.screen.destroy();
  }

  private setRows(list: blessed.Widgets.ListTableElement, header: string[], rows: string[][], empty: string): void {
    const selected = (list as unknown as { selected: number }).selected ?? 1;
    const escaped = rows.map((row) => row.map((cell, i) => (header[i] === 'STATE' ? cell : blessed.escape(cell))));
    list.setData([header, ...(escaped.length ? escaped : [[empty, ...header.slice(1).map(() => '')]])]);
    list.select(Math.min(Math.max(selected, 1), Math.max(1, rows.length)));
  }

  private select(list: blessed.Widgets.ListTableElement, index: number): void {
    const rows = (list as unknown as { rows?: unknown[] }).rows?.length ?? 2;
    list.select(Math.min(index, rows - 1));
    this.screen.render();
  }

  private focus(which: 'displays' | 'albums'): void {
    this.focused = which;
    const [active, other] = which === 'displays' ? [this.displays, this.albums] : [this.albums, this.displays];
    active.style.border = { fg: 'cyan' };
    other.style.border = { fg: 'grey' };
    active.focus();
    this.screen.render();
  }

  private toggleHelp(show = this.help.hidden): void {
    if (show) this.help.show();
    else this.help.hide();
    this.screen.render();
  }
}
