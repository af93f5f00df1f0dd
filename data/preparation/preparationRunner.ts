import { availableParallelism } from 'node:os';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { removeStaleTempDirs, removeStaleTempFiles } from '../../common/staleTempFiles.ts';
import type { HomePaths } from '../../common/homePaths.ts';
import { createLogger } from '../../common/log.ts';
import { isFileLocked, LockBusyError, withFileLock } from '../library/fileLock.ts';
import type { Library } from '../library/librarySchema.ts';
import { photosFileOf, type LibraryStore } from '../library/libraryStore.ts';
import type { Size } from '../renditions/sizeLadder.ts';
import { importRunning } from '../photos/importPhotos.ts';
import { planPreparation, planRenditions, touchesShownAlbum } from './preparationPlan.ts';
import { preparationProgressAt, type PreparationCounts, type PreparationProgress } from './preparationProgress.ts';
import { checkPhoto, renderPhoto, type PreparationOutcome } from './preparePhoto.ts';

const log = createLogger('preparation');

/** Another process (a `serve`, a `prepare`) runs this library's preparation queue. */
export class PreparationBusyError extends Error {
  override name = 'PreparationBusyError';
}

/** Long enough that a busy machine never hands the queue to a second runner; a runner killed -9 is replaced after it. */
const PREPARE_LOCK_STALE_MS = 30_000;

/**
 * Each job ends in fsyncs (a thumbnail's, a rendition's), which wait long
 * while an import fills the disk beside the queue: with one job per core the
 * cores sat idle 2 s of every 20 on 240 photos imported with the queue
 * running, with two per core 0.6 s.
 */
const JOBS_IN_FLIGHT_PER_CORE = 2;

/** How long a runner waiting for a running import's photos goes without looking again (see libraryChangedOrImportEnded). */
const IMPORT_RECHECK_MS = 2_000;

/** Outcomes are recorded at least this far apart, so a display gets new photos within seconds yet the store is not rewritten per photo. */
const MIN_COMMIT_INTERVAL_MS = 1_000;

export function prepareLockPath(paths: HomePaths): string {
  return join(paths.home, 'prepare');
}

/** Whether some process runs this library's queue now. */
export function preparationRunning(paths: HomePaths): Promise<boolean> {
  return isFileLocked(prepareLockPath(paths), PREPARE_LOCK_STALE_MS);
}

export interface PreparationBatch {
  /** The library as just written, under its lock (publish from it, as publishShownAlbums wants). */
  library: Library;
  ready: string[];
  failed: { name: string; failure: string }[];
  /** Whether a newly ready photo is in an album some display or group shows: its list must be published again. */
  shownReady: boolean;
}

export interface PrepareOptions {
  /** Photos prepared at once; twice the cores by default (see JOBS_IN_FLIGHT_PER_CORE). */
  concurrency?: number;
  /** The screen sizes of the displays in use (or how to learn them, asked at each pass); 1080p when none is known. */
  sizes?: readonly Size[] | (() => Promise<readonly Size[]>);
  onProgress?: (progress: PreparationProgress) => void;
  /**
   * Called under the library lock after each batch of outcomes is recorded.
   * data/ knows nothing of etcd: the console passes a function that
   * publishes the shown albums when `shownReady`. A throw is logged, and the
   * batch stays recorded.
   */
  onBatch?: (batch: PreparationBatch) => Promise<void>;
  /** Each photo's work goes through this (the image server's background lane, behind display requests). */
  schedule?: <T>(job: () => Promise<T>) => Promise<T>;
  signal?: AbortSignal;
  /** How long a silent queue lock counts as abandoned; tests shorten it to take over from a killed runner. */
  lockStaleMs?: number;
}

export interface PreparationReport {
  ready: string[];
  /** Reported once: the photos are marked failed, and never retried by the queue. */
  failed: { name: string; failure: string }[];
  /** Output files written (renditions and thumbnails); those already there are not made again. */
  made: number;
  /** Of those, display renditions (the rendition pass). */
  rendered: number;
  elapsedMs: number;
}

/**
 * Runs the library's preparation queue to its end: every photo recorded
 * `preparing` (including those an import adds meanwhile, for as long as an
 * import runs) is prepared and marked ready or failed. One runner per home, under `<home>/prepare`; when
 * another holds it, PreparationBusyError at once.
 */
export async function preparePending(store: LibraryStore, paths: HomePaths, options: PrepareOptions = {}): Promise<PreparationReport> {
  return holdPrepareLock(paths, options.lockStaleMs, (lost) => runQueue(store, paths, options, lost));
}

async function holdPrepareLock<T>(paths: HomePaths, staleMs: number | undefined, fn: (lost: AbortSignal) => Promise<T>): Promise<T> {
  let entered = false;
  try {
    return await withFileLock(
      prepareLockPath(paths),
      async (lost) => {
        entered = true;
        // Once per lock, not per run: serve's runner runs the queue at every library change.
        await removeLeftovers(paths);
        return fn(lost);
      },
      staleMs ?? PREPARE_LOCK_STALE_MS,
      false,
    );
  } catch (error) {
    if (error instanceof LockBusyError && !entered) throw new PreparationBusyError(`another photoframe process (serve or prepare) is preparing the photos of ${paths.home}`);
    throw error;
  }
}

/**
 * The queue, kept by a long-running process (`serve`): holds the lock from
 * `open` to `close`, and runs the queue whenever `kick` says the library may
 * have gained preparing photos.
 */
export class PreparationRunner {
  private kicked = false;
  private running: Promise<void> | null = null;
  private readonly stopped = new AbortController();
  private released: () => void = () => {};
  private held: Promise<void> = Promise.resolve();
  private lost: AbortSignal = new AbortController().signal;
  private totals: PreparationReport = { ready: [], failed: [], made: 0, rendered: 0, elapsedMs: 0 };

  private constructor(
    private readonly store: LibraryStore,
    private readonly paths: HomePaths,
    private readonly options: PrepareOptions,
  ) {}

  /** Takes the queue's lock (PreparationBusyError when another process has it) and runs what is waiting. */
  static async open(store: LibraryStore, paths: HomePaths, options: PrepareOptions = {}): Promise<PreparationRunner> {
    const runner = new PreparationRunner(store, paths, options);
    await new Promise<void>((entered, refused) => {
      runner.held = holdPrepareLock(paths, options.lockStaleMs, (lost) => {
        runner.lost = lost;
        entered();
        return new Promise<void>((release) => (runner.released = release));
      }).catch((error: unknown) => refused(error));
    });
    runner.kick();
    return runner;
  }

  /** The library changed: run the queue (again, once the current run ends, if one is running). */
  kick(): void {
    this.kicked = true;
    if (this.running) return;
    this.running = (async () => {
      while (this.kicked && !this.stopped.signal.aborted) {
        this.kicked = false;
        try {
          const report = await runQueue(this.store, this.paths, { ...this.options, signal: this.stopped.signal }, this.lost);
          this.totals.ready.push(...report.ready);
          this.totals.failed.push(...report.failed);
          this.totals.made += report.made;
          this.totals.rendered += report.rendered;
        } catch (error) {
          if (this.stopped.signal.aborted) break;
          // The photos stay preparing; the next change to the library tries again.
          log.error(`preparation stopped: ${(error as Error).message.split('\n')[0]}`);
        }
      }
      this.running = null;
    })();
  }

  /** Resolves when nothing is running (for tests and for `import --wait` inside one process). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  get report(): PreparationReport {
    return this.totals;
  }

  async close(): Promise<void> {
    this.stopped.abort();
    await this.idle();
    this.released();
    await this.held;
  }
}

/**
 * Passes over the library until it holds no photo preparing that this run
 * has not tried and no import is running: each pass plans from the file as
 * it is, so photos imported meanwhile are picked up (an import records them
 * every second) and photos removed meanwhile are skipped.
 *
 * Two passes, checks first: the check pass (full decode + thumbnail) makes
 * photos ready; only when no photo waits for its check does the rendition
 * pass make the display renditions of shown photos that lack them (found
 * from the files, so a restart makes only what is missing). A library write
 * during the rendition pass (an import adding photos) ends it, and the checks
 * of the new photos go first.
 */
async function runQueue(store: LibraryStore, paths: HomePaths, options: PrepareOptions, lost: AbortSignal): Promise<PreparationReport> {
  const started = Date.now();
  const report: PreparationReport = { ready: [], failed: [], made: 0, rendered: 0, elapsedMs: 0 };
  const counts: PreparationCounts = { total: 0, done: 0, ready: 0, failed: 0 };
  const tried = new Set<string>();
  const rendered = new Set<string>();
  const concurrency = Math.max(1, options.concurrency ?? JOBS_IN_FLIGHT_PER_CORE * availableParallelism());
  const schedule = options.schedule ?? (<T>(job: () => Promise<T>) => job());
  // During the rendition pass the readiness figures stand still, their time included.
  let checksEndedAt: number | null = null;
  const progress = () => options.onProgress?.(preparationProgressAt(counts, (checksEndedAt ?? Date.now()) - started));

  let pending: PreparationOutcome[] = [];
  let lastCommit = { endedAt: 0, tookMs: 0 };
  let committing: Promise<void> = Promise.resolve();
  const commit = (): Promise<void> => {
    committing = committing.then(async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      const startedAt = Date.now();
      lost.throwIfAborted();
      await recordOutcomes(store, batch, options.onBatch);
      lastCommit = { endedAt: Date.now(), tookMs: Date.now() - startedAt };
      for (const outcome of batch) {
        if (outcome.kind === 'ready') report.ready.push(outcome.name);
        else {
          report.failed.push({ name: outcome.name, failure: outcome.failure });
          log.warn(`photo ${outcome.name} failed its check and is kept out of every display's list: ${outcome.failure}`);
        }
      }
    });
    return committing;
  };
  // Writing a 50,000-photo library takes seconds: never more than a tenth of the time goes to it.
  const commitDue = () => pending.length > 0 && Date.now() - lastCommit.endedAt >= Math.max(MIN_COMMIT_INTERVAL_MS, 10 * lastCommit.tookMs);

  for (;;) {
    if (options.signal?.aborted) break;
    const stamp = await libraryStamp(store);
    const library = await store.read();
    const sizes = typeof options.sizes === 'function' ? await options.sizes().catch(() => []) : (options.sizes ?? []);
    const checks = planPreparation(library, sizes).filter((job) => !tried.has(job.name));
    if (checks.length > 0) {
      checksEndedAt = null;
      counts.total += checks.length;
      progress();
      let next = 0;
      const worker = async () => {
        while (next < checks.length && !options.signal?.aborted) {
          const job = checks[next++]!;
          tried.add(job.name);
          lost.throwIfAborted();
          const outcome = await schedule(() => checkPhoto(paths, job));
          report.made += outcome.made;
          counts.done++;
          counts[outcome.kind]++;
          pending.push(outcome);
          if (commitDue()) void commit();
          progress();
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, checks.length) }, worker));
      await commit();
      continue;
    }

    const renditions = planRenditions(library, sizes).filter((job) => !rendered.has(job.name));
    if (renditions.length === 0) {
      // An import running now records its photos as it goes: stay for them, so they are checked while it runs.
      if (options.signal?.aborted || !(await importRunning(paths))) break;
      await libraryChangedOrImportEnded(store, paths, stamp, options.signal);
      continue;
    }
    checksEndedAt ??= Date.now();
    let next = 0;
    let interrupted = false;
    const worker = async () => {
      while (next < renditions.length && !options.signal?.aborted && !interrupted) {
        // Photos an import added wait for their checks behind at most one rendition per worker.
        if ((await libraryStamp(store)) !== stamp) {
          interrupted = true;
          break;
        }
        // Another worker may have taken the last job while this one looked at the library.
        const job = renditions[next++];
        if (!job) break;
        rendered.add(job.name);
        lost.throwIfAborted();
        const outcome = await schedule(() => renderPhoto(paths, job.name, job.rungs));
        if (outcome.failure) log.warn(`photo ${job.name} passed its check but its display rendition failed; the image server will try on request: ${outcome.failure}`);
        report.made += outcome.made;
        report.rendered += outcome.made;
        if (outcome.made > 0) {
          counts.rendered = report.rendered;
          progress();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, renditions.length) }, worker));
  }
  await commit();
  report.elapsedMs = Date.now() - started;
  return report;
}

/**
 * Resolves when the library has changed since `since` or no import is
 * running any more. Told by a watch on the home folder (its every change is
 * looked at with two stats, never a read of the library) and, at the latest,
 * every IMPORT_RECHECK_MS: an import killed -9 leaves its lock to go stale
 * without a word, and a watch may be refused (inotify's limits).
 */
async function libraryChangedOrImportEnded(store: LibraryStore, paths: HomePaths, since: string, signal: AbortSignal | undefined): Promise<void> {
  const settled = async () => signal?.aborted || (await libraryStamp(store)) !== since || !(await importRunning(paths));
  // Written (or ended) before the watch began: not missed.
  while (!(await settled())) await homeEvent(dirname(store.path), signal);
}

/** The next change in `dir`, IMPORT_RECHECK_MS at the latest, or the abort. */
function homeEvent(dir: string, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    let watcher: FSWatcher | null = null;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, IMPORT_RECHECK_MS);
    if (signal?.aborted) return done();
    signal?.addEventListener('abort', done, { once: true });
    try {
      watcher = watch(dir, done);
      watcher.on('error', done);
    } catch {
      // No watch to be had: the timer alone.
    }
  });
}

/** Changes with every write of the library (each renames new files into place): cheaper than reading it. */
async function libraryStamp(store: LibraryStore): Promise<string> {
  const of = async (path: string) => {
    const info = await stat(path).catch(() => null);
    return info ? `${info.ino}:${info.size}:${info.mtimeMs}` : '-';
  };
  return `${await of(store.path)}|${await of(photosFileOf(store.path))}`;
}

/**
 * What a runner killed mid-write left: temp files beside the thumbnails and
 * renditions, and HEIC scratch folders. Only those of dead processes (a live
 * image server may be writing its own).
 */
async function removeLeftovers(paths: HomePaths): Promise<void> {
  await removeStaleTempFiles(paths.thumbnails);
  for (const rung of await readdir(paths.renditions).catch(() => [] as string[])) await removeStaleTempFiles(join(paths.renditions, rung));
  await removeStaleTempDirs(paths.tmp);
}

/** Marks a batch ready or failed under the library lock; a photo removed or already marked meanwhile is left alone. */
async function recordOutcomes(store: LibraryStore, batch: readonly PreparationOutcome[], onBatch: PrepareOptions['onBatch']): Promise<void> {
  await store.update(async (library) => {
    const ready: string[] = [];
    const failed: { name: string; failure: string }[] = [];
    for (const outcome of batch) {
      const photo = library.photos[outcome.name];
      if (!photo || photo.state !== 'preparing') continue;
      if (outcome.kind === 'ready') {
        delete photo.state;
        delete photo.failure;
        if (outcome.upright) Object.assign(photo, outcome.upright);
        ready.push(outcome.name);
      } else {
        photo.state = 'failed';
        photo.failure = outcome.failure;
        failed.push({ name: outcome.name, failure: outcome.failure });
      }
    }
    if (!onBatch || (ready.length === 0 && failed.length === 0)) return;
    try {
      await onBatch({ library, ready, failed, shownReady: touchesShownAlbum(library, ready) });
    } catch (error) {
      log.warn(`photos are ready, but the displays showing them were not updated: ${(error as Error).message.split('\n')[0]}`);
    }
  });
}
