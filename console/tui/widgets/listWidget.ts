import blessed from 'blessed';
import { cellText, fit, layoutColumns, type Cell, type CellTone, type Column } from './columns.ts';

const TONE_TAG: Record<CellTone, string> = { good: 'green-fg', muted: 'grey-fg', bad: 'red-fg', warn: 'yellow-fg', accent: 'cyan-fg' };

export interface ListOptions<T> {
  /** Given explicitly: blessed otherwise picks its "global" screen whenever only one exists. */
  screen: blessed.Widgets.Screen;
  parent: blessed.Widgets.Node;
  label: string;
  columns: Column[];
  cells(row: T): Cell[];
  /** Shown when there are no rows; a function when it depends on why (an empty library, a filter). */
  empty: string | (() => string);
  position: { top: number | string; left: number | string; width: number | string; height: number | string };
}

/**
 * A table that draws only the rows in view, so a list of 100,000 photos costs
 * what a list of 30 does (blessed's own list makes a widget per row). The
 * selection is an index into the rows; mouse wheel and click move it.
 */
export class ListWidget<T> {
  readonly box: blessed.Widgets.BoxElement;
  private rows: readonly T[] = [];
  private index = 0;
  private top = 0;
  onSelect: (row: T | undefined) => void = () => {};
  onActivate: (row: T) => void = () => {};

  constructor(private readonly options: ListOptions<T>) {
    this.box = blessed.box({
      screen: options.screen,
      parent: options.parent,
      ...options.position,
      label: ` ${options.label} `,
      border: { type: 'line' },
      tags: true,
      wrap: false,
      style: { border: { fg: 'grey' } },
    });
    this.box.on('wheeldown', () => this.move(3));
    this.box.on('wheelup', () => this.move(-3));
    this.box.on('click', (mouse: { y: number }) => {
      const line = mouse.y - (this.box.atop as number) - 2;
      if (line < 0) return;
      const target = this.top + line;
      if (target >= this.rows.length) return;
      if (target === this.index) this.onActivate(this.rows[target]!);
      else this.select(target);
    });
  }

  setLabel(label: string): void {
    this.box.setLabel(` ${label} `);
  }

  setRows(rows: readonly T[], keepBy?: (row: T) => string): void {
    const previous = keepBy && this.rows[this.index] !== undefined ? keepBy(this.rows[this.index]!) : undefined;
    this.rows = rows;
    if (previous !== undefined && keepBy) {
      const again = rows.findIndex((row) => keepBy(row) === previous);
      if (again >= 0) this.index = again;
    }
    this.index = Math.max(0, Math.min(this.index, rows.length - 1));
    this.draw();
  }

  get length(): number {
    return this.rows.length;
  }

  selected(): T | undefined {
    return this.rows[this.index];
  }

  selectedIndex(): number {
    return this.index;
  }

  /** Selects the first row that matches; returns whether one did. */
  selectWhere(match: (row: T) => boolean): boolean {
    const index = this.rows.findIndex(match);
    if (index >= 0) this.select(index);
    return index >= 0;
  }

  move(delta: number): void {
    this.select(this.index + delta);
  }

  page(direction: 1 | -1): void {
    this.move(direction * Math.max(1, this.visibleRows() - 1));
  }

  select(index: number): void {
    const clamped = Math.max(0, Math.min(index, this.rows.length - 1));
    const changed = clamped !== this.index;
    this.index = clamped;
    this.draw();
    if (changed) this.onSelect(this.selected());
  }

  setFocused(focused: boolean): void {
    this.box.style.border = { fg: focused ? 'cyan' : 'grey' };
  }

  /** Whether any row on screen (as last drawn) passes `test`: a change elsewhere need not draw anything. */
  showsAny(test: (row: T) => boolean): boolean {
    const end = Math.min(this.rows.length, this.top + this.visibleRows());
    for (let i = this.top; i < end; i++) if (test(this.rows[i]!)) return true;
    return false;
  }

  /** Rows built into text by draws so far (only those in view are), for tests. */
  rowsBuilt = 0;

  private visibleRows(): number {
    return Math.max(1, (this.box.height as number) - 3);
  }

  /** Rebuilds the visible text; cheap enough to run on every change. */
  draw(): void {
    const width = Math.max(10, (this.box.width as number) - 2);
    const layout = layoutColumns(this.options.columns, width);
    const visible = this.visibleRows();
    if (this.index < this.top) this.top = this.index;
    if (this.index >= this.top + visible) this.top = this.index - visible + 1;
    this.top = Math.max(0, Math.min(this.top, Math.max(0, this.rows.length - visible)));
    const header = layout.map(({ index, width: w }) => fit(this.options.columns[index]!.title, w)).join(' ');
    const lines = [`{cyan-fg}{bold}${blessed.escape(header)}{/bold}{/cyan-fg}`];
    const empty = typeof this.options.empty === 'function' ? this.options.empty() : this.options.empty;
    if (this.rows.length === 0) lines.push(`{grey-fg}${blessed.escape(fit(empty, width))}{/grey-fg}`);
    for (let i = this.top; i < Math.min(this.rows.length, this.top + visible); i++) {
      const cells = this.options.cells(this.rows[i]!);
      this.rowsBuilt++;
      const text = layout
        .map(({ index, width: w }) => {
          const cell = cells[index] ?? '';
          const body = blessed.escape(fit(cellText(cell), w));
          return typeof cell === 'string' || i === this.index ? body : `{${TONE_TAG[cell.tone]}}${body}{/${TONE_TAG[cell.tone]}}`;
        })
        .join(' ');
      lines.push(i === this.index ? `{inverse}${text}{/inverse}` : text);
    }
    this.box.setContent(lines.join('\n'));
  }
}
