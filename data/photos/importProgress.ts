/** Where an import stands, for a progress bar or a JSON line; computed, never measured here. */
export interface ImportProgress {
  /** Scanning: walking the folders, `total` is the files found so far. Importing: `done` of `total`. */
  phase: 'scanning' | 'importing';
  total: number;
  done: number;
  imported: number;
  duplicates: number;
  unchanged: number;
  skipped: number;
  elapsedMs: number;
  /** Photos per second so far; 0 until the first file is done. */
  rate: number;
  /** Estimated time to finish, null until there is a rate to go by. */
  etaMs: number | null;
}

export type ProgressCounts = Omit<ImportProgress, 'phase' | 'elapsedMs' | 'rate' | 'etaMs'>;

/** Pure: the rate and ETA from counts and the elapsed time. */
export function progressAt(counts: ProgressCounts, elapsedMs: number): ImportProgress {
  const rate = counts.done > 0 && elapsedMs > 0 ? counts.done / (elapsedMs / 1000) : 0;
  const etaMs = rate > 0 ? ((counts.total - counts.done) / rate) * 1000 : null;
  return { phase: 'importing', ...counts, elapsedMs, rate, etaMs };
}

/** While the walk is still finding files: no rate, no ETA yet. */
export function scanningProgress(found: number, elapsedMs: number): ImportProgress {
  return { phase: 'scanning', total: found, done: 0, imported: 0, duplicates: 0, unchanged: 0, skipped: 0, elapsedMs, rate: 0, etaMs: null };
}

/** `[#####.....] 512/1000  51%  38.2/s  ETA 0:13` — one line for a terminal. */
export function progressBar(progress: ImportProgress, width = 30): string {
  if (progress.phase === 'scanning') return `scanning: ${progress.total} files found`;
  const fraction = progress.total > 0 ? progress.done / progress.total : 1;
  const filled = Math.round(fraction * width);
  const eta = progress.etaMs === null ? '--:--' : clock(progress.etaMs);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progress.done}/${progress.total} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${progress.rate.toFixed(1)}/s  ETA ${eta}`;
}

export function clock(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}
