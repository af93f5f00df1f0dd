/** Where the preparation queue stands, for a progress line, a JSON line or the console; computed, never measured here. */
export interface PreparationProgress {
  /** Photos this run has to prepare (grows when an import adds more while it runs). */
  total: number;
  done: number;
  ready: number;
  failed: number;
  elapsedMs: number;
  /** Photos per second so far; 0 until the first is done. */
  rate: number;
  /** Estimated time to finish, null until there is a rate to go by. */
  etaMs: number | null;
  /**
   * Display renditions made so far by the rendition pass, which runs after
   * every check (the counts above are readiness: the check pass alone).
   */
  rendered?: number;
}

export type PreparationCounts = Pick<PreparationProgress, 'total' | 'done' | 'ready' | 'failed' | 'rendered'>;

/** Pure: the rate and ETA from counts and the elapsed time. */
export function preparationProgressAt(counts: PreparationCounts, elapsedMs: number): PreparationProgress {
  const rate = counts.done > 0 && elapsedMs > 0 ? counts.done / (elapsedMs / 1000) : 0;
  const etaMs = rate > 0 ? (Math.max(0, counts.total - counts.done) / rate) * 1000 : null;
  return { ...counts, elapsedMs, rate, etaMs };
}
