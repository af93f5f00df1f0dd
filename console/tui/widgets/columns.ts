/** Column layout and cell text for the console's tables: pure, so it is tested without a screen. */
export type CellTone = 'good' | 'muted' | 'bad' | 'warn' | 'accent';
export type Cell = string | { text: string; tone: CellTone };

export interface Column {
  title: string;
  /** Fixed width, or `flex` to share what is left. */
  width: number | 'flex';
  /** Dropped first when the terminal is narrow. */
  optional?: boolean;
  /** Among optional columns, lower is dropped sooner; without it, the rightmost goes first. */
  drop?: number;
  /** A flex column's least width before optional columns give way (8 unless said). */
  min?: number;
}

export const cellText = (cell: Cell): string => (typeof cell === 'string' ? cell : cell.text);

/** Which columns are shown and how wide, for a given inner width; flex columns get at least 8 (or their `min`) while optional columns can give way. */
export function layoutColumns(columns: readonly Column[], width: number): { index: number; width: number }[] {
  let shown = columns.map((column, index) => ({ column, index }));
  const needed = (list: typeof shown) =>
    list.reduce((sum, { column }) => sum + (column.width === 'flex' ? (column.min ?? 8) : column.width) + 1, 0);
  // Rightmost first, unless a column says when it goes.
  const order = (entry: (typeof shown)[number]) => entry.column.drop ?? -entry.index / 1000 + 1000;
  while (needed(shown) > width) {
    const candidates = shown.filter(({ column }) => column.optional);
    if (candidates.length === 0) break;
    const drop = candidates.reduce((first, entry) => (order(entry) < order(first) ? entry : first));
    shown = shown.filter((entry) => entry !== drop);
  }
  const fixed = shown.reduce((sum, { column }) => sum + (column.width === 'flex' ? 0 : column.width) + 1, 0);
  const flexCount = shown.filter(({ column }) => column.width === 'flex').length;
  const flexWidth = flexCount ? Math.max(8, Math.floor((width - fixed - flexCount) / flexCount)) : 0;
  return shown.map(({ column, index }) => ({ index, width: column.width === 'flex' ? flexWidth : column.width }));
}

/** Cuts or pads text to exactly `width` characters, marking a cut with `…`. */
export function fit(text: string, width: number): string {
  const flat = text.replace(/[\r\n\t]/g, ' ');
  if (flat.length <= width) return flat.padEnd(width);
  return width <= 1 ? flat.slice(0, width) : `${flat.slice(0, width - 1)}…`;
}
