/**
 * The `?` help's two-column lists, laid out for the overlay's width: the
 * description column starts after the widest key (or usage) of its section,
 * and a long description wraps under itself, never into the key column.
 * Pure: entries and a width in, lines out.
 */
export type HelpEntry = [left: string, right: string];

const GAP = 2;
/** A key column wider than this would squeeze the descriptions; such an entry puts its description on the next line. */
const MAX_LEFT = 32;

export function helpColumns(entries: readonly HelpEntry[], width: number, indent = 2): string[] {
  const left = Math.min(MAX_LEFT, Math.max(0, ...entries.map(([key]) => key.length)));
  const column = indent + left + GAP;
  const room = Math.max(20, width - column);
  const lines: string[] = [];
  for (const [key, description] of entries) {
    const wrapped = wrapWords(description, room);
    if (key.length > left) {
      lines.push(`${' '.repeat(indent)}${key}`);
      for (const line of wrapped) lines.push(`${' '.repeat(column)}${line}`);
      continue;
    }
    wrapped.forEach((line, i) => lines.push(i === 0 ? `${' '.repeat(indent)}${key.padEnd(left + GAP)}${line}` : `${' '.repeat(column)}${line}`));
  }
  return lines;
}

/** Text broken at spaces into lines of at most `width` characters (a longer word is cut). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  lines.push(line);
  return lines;
}
