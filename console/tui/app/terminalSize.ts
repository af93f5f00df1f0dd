/**
 * Terminal sizes come from the SSH client, so they are untrusted: blessed
 * allocates a cell per column×row, and a 30000×30000 window-change would
 * take the whole serving process (every other session with it) out of memory.
 */
export const MAX_COLUMNS = 1000;
export const MAX_ROWS = 500;

/** A requested size made safe: capped at the maximum; 0, negative or nonsense keeps the current size. */
export function clampTerminalSize(requested: { columns: number; rows: number }, current: { columns: number; rows: number }): { columns: number; rows: number } {
  return { columns: clampOne(requested.columns, current.columns, MAX_COLUMNS), rows: clampOne(requested.rows, current.rows, MAX_ROWS) };
}

function clampOne(requested: number, current: number, max: number): number {
  if (!Number.isFinite(requested) || requested < 1) return current;
  return Math.min(Math.floor(requested), max);
}
