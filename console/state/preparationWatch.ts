/**
 * The background preparation queue as the console sees it: only through the
 * library it already holds (photos `preparing`, ready, `failed`), never by
 * asking the runner, which may be another process (`photoframe serve`, or the
 * `prepare` an import started). From successive counts and a clock it says
 * how far this run of the queue is, how fast it goes and when it ends, and
 * which photos failed since the last look, so each failure is told once.
 */
import type { Library, PhotoRecord } from '../../data/library/librarySchema.ts';
import { readinessCounts, type ReadinessCounts } from '../../data/library/photoReadiness.ts';
import type { PreparationStanding } from '../../data/photos/phaseProgressText.ts';

/** Where a run of the queue stands; null when nothing is preparing. */
export interface QueueRun {
  startedAt: number;
  /** Photos done (ready or failed) when this run was first seen, from which `done` counts. */
  doneAtStart: number;
  failedAtStart: number;
  standing: PreparationStanding;
}

/**
 * Pure: the next standing of the queue from the library's counts at `now`.
 * A run begins when photos are seen preparing and ends when none are; photos
 * an import adds meanwhile join the run's total. Its rate is what this console
 * saw, from the first look, not since the runner began.
 */
export function nextQueueRun(previous: QueueRun | null, counts: ReadinessCounts, now: number): QueueRun | null {
  if (counts.preparing === 0) return null;
  const finished = counts.ready + counts.failed;
  const run = previous ?? { startedAt: now, doneAtStart: finished, failedAtStart: counts.failed, standing: null as unknown as PreparationStanding };
  // Photos removed while preparing lower the library's counts; what this run did never goes backwards.
  const done = Math.max(previous?.standing.done ?? 0, finished - run.doneAtStart);
  const total = Math.max(previous?.standing.total ?? 0, done + counts.preparing);
  const elapsedMs = now - run.startedAt;
  const rate = done > 0 && elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  return {
    ...run,
    standing: {
      total,
      done,
      ready: done - Math.max(0, counts.failed - run.failedAtStart),
      failed: Math.max(0, counts.failed - run.failedAtStart),
      elapsedMs,
      rate,
      etaMs: rate > 0 ? (counts.preparing / rate) * 1000 : null,
    },
  };
}

/** Pure: how a run ended, once none is preparing (the last standing with everything done and the failures counted). */
export function finishedRun(run: QueueRun, counts: ReadinessCounts, now: number): PreparationStanding {
  const failed = Math.max(0, counts.failed - run.failedAtStart);
  const total = run.standing.total;
  const elapsedMs = now - run.startedAt;
  return { total, done: total, ready: Math.max(0, total - failed), failed, elapsedMs, rate: elapsedMs > 0 ? total / (elapsedMs / 1000) : 0, etaMs: 0 };
}

/**
 * Pure: photos failed in `after` that were not failed in `before`, in the
 * library's order. The same photos object (a change to albums or displays
 * only) has nothing new.
 */
export function newlyFailed(before: Library, after: Library): PhotoRecord[] {
  if (before.photos === after.photos) return [];
  const out: PhotoRecord[] = [];
  for (const [name, photo] of Object.entries(after.photos)) {
    if (photo.state === 'failed' && before.photos[name]?.state !== 'failed') out.push(photo);
  }
  return out;
}

/** At most this many failures get a line of their own in the events; the rest are counted in one more. */
export const FAILURE_EVENTS_AT_ONCE = 20;

/** The events lines for newly failed photos: one each, then one that counts the rest. */
export function failureEventLines(failed: readonly PhotoRecord[], label: (photo: PhotoRecord) => string): string[] {
  const lines = failed.slice(0, FAILURE_EVENTS_AT_ONCE).map((photo) => `${label(photo)} failed its check: ${photo.failure ?? 'no reason recorded'}; kept off the displays`);
  if (failed.length > FAILURE_EVENTS_AT_ONCE) lines.push(`${failed.length - FAILURE_EVENTS_AT_ONCE} more photos failed their check (Photos view, STATE column)`);
  return lines;
}

const countsCache = new WeakMap<Library['photos'], ReadinessCounts>();

/** The library's readiness counts, counted once per photos object: 100,000 photos are not walked on every render. */
export function libraryReadiness(library: Library): ReadinessCounts {
  let counts = countsCache.get(library.photos);
  if (!counts) countsCache.set(library.photos, (counts = readinessCounts(library)));
  return counts;
}

/**
 * The console process's watch of the queue: fed every library the hub
 * publishes, it keeps the run's standing for the status line and returns the
 * photos that failed since the last library, for the events pane.
 */
export class PreparationWatch {
  private run: QueueRun | null;
  private library: Library;

  constructor(library: Library, private readonly clock: () => number = Date.now) {
    this.library = library;
    this.run = nextQueueRun(null, libraryReadiness(library), clock());
  }

  observe(library: Library): PhotoRecord[] {
    const failed = newlyFailed(this.library, library);
    this.library = library;
    this.run = nextQueueRun(this.run, libraryReadiness(library), this.clock());
    return failed;
  }

  /** Where the run stands now (its elapsed time and ETA as of this moment), or null when nothing is preparing. */
  standing(): PreparationStanding | null {
    if (!this.run) return null;
    // The counts are those of the last library seen; only the clock moved since.
    const { standing, startedAt } = this.run;
    const elapsedMs = this.clock() - startedAt;
    const left = standing.total - standing.done;
    const etaMs = standing.rate > 0 ? Math.max(0, (left / standing.rate) * 1000 - (elapsedMs - standing.elapsedMs)) : null;
    return { ...standing, elapsedMs, etaMs };
  }
}
