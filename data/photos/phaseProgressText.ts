/**
 * What an import says about its two phases, as text for a terminal or the
 * console's status line and as JSON lines for scripts: the foreground (every
 * file recorded) and the background preparation (each photo decode-checked
 * and thumbnailed, which makes it ready; then, after every check, the
 * renditions of shown photos, counted apart as "rendering"). Pure: counts and times in,
 * words out; nothing here measures or prints.
 *
 *   imported 50,000 in 4 min 10 s; preparing 31,200 of 50,000, ETA 12 min
 */
import type { PreparationProgress } from '../preparation/preparationProgress.ts';
import type { ImportProgress } from './importProgress.ts';

/** Where the background preparation stands (data/preparation's progress, or the console's view of the queue). */
export type PreparationStanding = PreparationProgress;

/** 50000 → `50,000`: counts this large are read, not deciphered. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** An elapsed time, as exact as a person reads it: `0.4 s`, `45 s`, `4 min 10 s`, `1 h 5 min`. */
export function elapsedText(ms: number): string {
  // A small import takes under a second: `0 s` would read as nothing done.
  if (ms < 9_950) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return s > 0 ? `${m} min ${s} s` : `${m} min`;
}

/**
 * A time still to go. An estimate is coarser than what it estimates: tens of
 * seconds under ten minutes, whole minutes above, always rounded up, so a
 * countdown never says `0 s` while work is left.
 */
export function etaText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${Math.min(60, Math.ceil(seconds / 5) * 5)} s`;
  if (seconds < 600) {
    const tens = Math.ceil(seconds / 10) * 10;
    const m = Math.floor(tens / 60);
    const s = tens % 60;
    return s > 0 ? `${m} min ${s} s` : `${m} min`;
  }
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m > 0 ? `${h} h ${m} min` : `${h} h`;
}

/** The foreground: `scanning: 1,200 files found`, `importing 12,400 of 50,000, ETA 3 min`, `imported 50,000 in 4 min 10 s`. */
export function foregroundText(progress: ImportProgress): string {
  if (progress.phase === 'scanning') return `scanning: ${plural(progress.total, 'file')} found`;
  if (progress.done >= progress.total) {
    const added = progress.imported === progress.total ? '' : ` (${count(progress.imported)} new)`;
    return `imported ${count(progress.total)}${added} in ${elapsedText(progress.elapsedMs)}`;
  }
  return `importing ${count(progress.done)} of ${count(progress.total)}${progress.etaMs === null ? '' : `, ETA ${etaText(progress.etaMs)}`}`;
}

/** The background: `preparing 31,200 of 50,000, ETA 12 min`, then `prepared 50,000 in 20 min`; failures counted in both. */
export function preparationText(standing: PreparationStanding): string {
  const failed = standing.failed > 0 ? `, ${count(standing.failed)} failed` : '';
  if (standing.done >= standing.total) {
    // The rendition pass comes after every check: readiness is done, the displays' renditions are still being made.
    const rendering = standing.rendered ? `; rendering: ${plural(standing.rendered, 'rendition')} made` : '';
    return standing.total === 0 ? 'nothing to prepare' : `prepared ${count(standing.total)} in ${elapsedText(standing.elapsedMs)}${failed}${rendering}`;
  }
  const eta = standing.etaMs === null ? '' : `, ETA ${etaText(standing.etaMs)}`;
  return `preparing ${count(standing.done)} of ${count(standing.total)}${eta}${failed}`;
}

/** Both phases on one line; the background part only once it has begun (or was handed off). */
export function twoPhaseText(foreground: ImportProgress, background: PreparationStanding | string | null): string {
  const first = foregroundText(foreground);
  if (background === null) return first;
  return `${first}; ${typeof background === 'string' ? background : preparationText(background)}`;
}

/**
 * The `--json` line for the background phase, beside the foreground's
 * `{"type":"progress","phase":"importing",…}` lines: same type, its own
 * phase, rates to two decimals and times in whole milliseconds.
 */
export function preparationJson(standing: PreparationStanding): Record<string, unknown> {
  return {
    type: 'progress',
    phase: 'preparing',
    total: standing.total,
    done: standing.done,
    ready: standing.ready,
    failed: standing.failed,
    elapsedMs: Math.round(standing.elapsedMs),
    rate: Number(standing.rate.toFixed(2)),
    etaMs: standing.etaMs === null ? null : Math.round(standing.etaMs),
    ...(standing.rendered ? { rendered: standing.rendered } : {}),
  };
}

/** The foreground's `--json` line (as the import has always written it). */
export function foregroundJson(progress: ImportProgress): Record<string, unknown> {
  return { type: 'progress', ...progress, elapsedMs: Math.round(progress.elapsedMs), rate: Number(progress.rate.toFixed(2)), etaMs: progress.etaMs === null ? null : Math.round(progress.etaMs) };
}
