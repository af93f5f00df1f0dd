import { homePaths } from '../../../common/homePaths.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { readinessCounts } from '../../../data/library/photoReadiness.ts';
import { PreparationBusyError, preparationRunning, preparePending, type PreparationReport } from '../../../data/preparation/preparationRunner.ts';
import type { PreparationProgress } from '../../../data/preparation/preparationProgress.ts';
import { oneLine } from '../../../data/photos/pathText.ts';
import { clock, type ImportProgress } from '../../../data/photos/importProgress.ts';
import { preparationJson, preparationText, twoPhaseText } from '../../../data/photos/phaseProgressText.ts';
import { finishedRun, nextQueueRun, type QueueRun } from '../../state/preparationWatch.ts';
import type { GlobalConfig } from '../../../common/config.ts';
import type { CommandContext } from '../command.ts';
import { displaySizes, etcdForPreparation, publishOnReady, waitUntilPrepared } from '../../preparation/preparationHooks.ts';

/** Exit code when some photos failed their check (they are marked, and kept out of every list). */
export const EXIT_SOME_FAILED = 2;

const PROGRESS_INTERVAL_MS = 200;

export async function runPrepare({ config, values }: CommandContext): Promise<number | void> {
  const json = values.json === true;
  const store = new LibraryStore(homePaths(config.home).store);
  const outcome = await prepareOrWait(config, store, { json, wait: values.wait === true });
  if (outcome.kind === 'busy') {
    say(json, outcome.waited ? 'the other process finished preparing' : 'another photoframe process (serve or prepare) is preparing these photos; --wait waits for it', { type: 'report', busy: true, waited: outcome.waited });
    return;
  }
  const { report } = outcome;
  for (const failed of report.failed) process.stderr.write(`${oneLine(`photo ${failed.name} failed its check: ${failed.failure}`)}\n`);
  say(json, `prepared ${report.ready.length + report.failed.length} photo(s) in ${clock(report.elapsedMs)}: ${report.ready.length} ready, ${report.failed.length} failed; ${report.rendered} display rendition(s) made`, { type: 'report', ...report });
  return report.failed.length > 0 ? EXIT_SOME_FAILED : 0;
}

/** `updated`: the displays whose lists the run's batches published. */
export type PrepareOutcome = { kind: 'ran'; report: PreparationReport; updated: string[] } | { kind: 'busy'; waited: boolean };

/**
 * Runs the queue here, with the displays' sizes and live publishing when
 * etcd is reachable; when another process runs it, waits for it with
 * `wait` (for `names` only, when given), else says so.
 */
export async function prepareOrWait(
  config: GlobalConfig,
  store: LibraryStore,
  options: { json: boolean; wait: boolean; names?: readonly string[]; foreground?: ImportProgress },
): Promise<PrepareOutcome> {
  const paths = homePaths(config.home);
  const warn = (line: string) => process.stderr.write(`warning: ${line}\n`);
  // After an import the line carries both phases: `imported 50,000 in 4 min 10 s; preparing 31,200 of 50,000, ETA 12 min`.
  const terminalProgress = (progress: PreparationProgress) =>
    process.stderr.write(`\r${options.foreground ? twoPhaseText(options.foreground, progress) : preparationText(progress)}\x1b[K`);
  const show = options.json ? jsonProgress : process.stderr.isTTY ? terminalProgress : null;
  // A runner already at work (serve) publishes and sizes for itself: no need of etcd here, nor a warning when it is away.
  if (await preparationRunning(paths)) return waitForOther(config, store, options, show);
  const client = await etcdForPreparation(config, await store.read(), warn);
  let lastShown = 0;
  const updated = new Set<string>();
  try {
    const sizes = client ? await displaySizes(client).catch(() => undefined) : undefined;
    try {
      const report = await preparePending(store, paths, {
        ...(sizes ? { sizes } : {}),
        ...(client ? { onBatch: publishOnReady(client, updated) } : {}),
        onProgress: show
          ? (progress) => {
              const now = Date.now();
              // The check pass's last count always shows; the rendition pass after it, like the checks, at intervals.
              const checksDone = progress.done === progress.total && !progress.rendered;
              if (!checksDone && now - lastShown < PROGRESS_INTERVAL_MS) return;
              lastShown = now;
              show(progress);
            }
          : undefined,
      });
      if (show === terminalProgress) process.stderr.write('\n');
      return { kind: 'ran', report, updated: [...updated] };
    } catch (error) {
      if (!(error instanceof PreparationBusyError)) throw error;
      return waitForOther(config, store, options, show);
    }
  } finally {
    client?.close();
  }
}

/**
 * Waits for the process that runs the queue, showing its progress as the
 * library tells it (the console's reading of the queue: counts and a clock).
 */
async function waitForOther(
  config: GlobalConfig,
  store: LibraryStore,
  options: { json: boolean; wait: boolean; names?: readonly string[]; foreground?: ImportProgress },
  show: ((progress: PreparationProgress) => void) | null,
): Promise<PrepareOutcome> {
  if (!options.wait) return { kind: 'busy', waited: false };
  const paths = homePaths(config.home);
  let run: QueueRun | null = null;
  let lastShown = 0;
  const how = await waitUntilPrepared(
    store,
    options.names,
    (counts) => {
      const now = Date.now();
      const previous = run;
      run = nextQueueRun(run, counts, now);
      // The end is always shown: `prepared 240 in 1 min 5 s`.
      if (show && !run && previous) return show(finishedRun(previous, counts, now));
      if (!show || !run || now - lastShown < PROGRESS_INTERVAL_MS) return;
      lastShown = now;
      show(run.standing);
    },
    () => preparationRunning(paths),
  );
  if (show && !options.json) process.stderr.write('\n');
  // The other runner died with work left: the queue is ours now.
  if (how === 'runner gone') return prepareOrWait(config, store, options);
  return { kind: 'busy', waited: true };
}

function say(json: boolean, text: string, value: Record<string, unknown>): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

/** `{"type":"progress","phase":"preparing",…}`: the import's own progress lines, in their second phase. */
function jsonProgress(progress: PreparationProgress): void {
  process.stdout.write(`${JSON.stringify(preparationJson(progress))}\n`);
}

/** How many photos are still preparing, for the import's closing line. */
export async function preparingCount(store: LibraryStore, names?: readonly string[]): Promise<number> {
  return readinessCounts(await store.read(), names).preparing;
}
