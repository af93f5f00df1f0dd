import type { GlobalConfig } from '../../../common/config.ts';
import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { reasonOf, UserError } from '../../../common/userError.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import type { ImportProgress } from '../../../data/photos/importProgress.ts';
import { progressBar } from '../../../data/photos/importProgress.ts';
import { foregroundJson, foregroundText } from '../../../data/photos/phaseProgressText.ts';
import { importPhotos, type ImportReport } from '../../../data/photos/importPhotos.ts';
import type { Library } from '../../../data/library/librarySchema.ts';
import { readinessCounts } from '../../../data/library/photoReadiness.ts';
import { oneLine } from '../../../data/photos/pathText.ts';
import { stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';
import { albumIsShown, publishShownAlbums } from '../../displays/albumPublisher.ts';
import { preparationRunning } from '../../../data/preparation/preparationRunner.ts';
import { startDetachedPrepare } from '../../preparation/preparationHooks.ts';
import type { ChildProcess } from 'node:child_process';
import { EXIT_SOME_FAILED, prepareOrWait, preparingCount } from './prepareCommand.ts';

/** Exit code when the import finished but some files were skipped, so scripts can tell. */
export const EXIT_SOME_SKIPPED = 2;
/** Exit code when the photos were imported but the displays showing the album could not be updated. */
export const EXIT_DISPLAYS_NOT_UPDATED = 3;

// A terminal redraws its bar at most this often; JSON lines come at the same pace.
const PROGRESS_INTERVAL_MS = 200;

export async function runImport({ config, values, positionals }: CommandContext): Promise<number | void> {
  if (positionals.length === 0) throw new UserError('import needs at least one folder or file: photoframe import DIR... [--album NAME]');
  const paths = homePaths(config.home);
  const json = values.json === true;
  const showProgress = json ? jsonProgress : process.stderr.isTTY ? terminalProgress : null;
  let lastShown = 0;
  // The foreground's last word, which the preparation's line (with --wait) carries on.
  let foreground: ImportProgress | undefined;
  const store = new LibraryStore(paths.store);
  // The queue starts with the first photo recorded, so checks run beside the import (niced below it), not after it.
  const early = new EarlyPreparation(config);
  const report = await importPhotos(store, paths, {
    onRecorded: () => early.start(),
    sources: positionals,
    album: stringOption(values, 'album'),
    maxFileBytes: sizeOption(values, 'max-file-size'),
    maxPixels: megapixelOption(values, 'max-pixels'),
    followLinksOutside: values['follow-links-outside'] === true,
    inPlace: values['in-place'] === true,
    onProgress: showProgress
      ? (progress) => {
          foreground = progress;
          const now = Date.now();
          const last = progress.phase === 'importing' && progress.done === progress.total;
          if (!last && now - lastShown < PROGRESS_INTERVAL_MS) return;
          lastShown = now;
          showProgress(progress);
        }
      : undefined,
  });
  const wait = values.wait === true;
  // With --wait the preparation's line takes over this one (and ends it).
  if (showProgress === terminalProgress && !wait) process.stderr.write('\n');
  // With --wait the photos are ready before the displays are told (batches publish as they go, too); without, they
  // are told at once, and get the photos as the queue makes them ready.
  const waited = wait ? await prepareAfterImport(config, store, report, { json, wait: true, foreground, early }) : null;
  // Ready is not done: the runner started here goes on to the renditions, and --wait means nothing is left running.
  if (wait) await early.exited();
  // The report comes out whatever happens to the displays: what was imported must never be hidden.
  let updated: string[] = [];
  let publishError: unknown = null;
  try {
    updated = [...new Set([...(waited?.updated ?? []), ...(await publishAfterImport(config, store, report.album?.name))])];
  } catch (error) {
    publishError = error;
  }
  // Names may hold newlines or stray bytes: every report line stays one line.
  for (const skipped of report.skipped) process.stderr.write(`${oneLine(`skipped ${skipped.path}: ${skipped.reason}`)}\n`);
  const preparation = waited ?? (await prepareAfterImport(config, store, report, { json, wait: false, early }));
  if (json) {
    process.stdout.write(`${JSON.stringify({ type: 'report', ...report, displaysUpdated: updated, preparation })}\n`);
  } else {
    const parts = [`imported ${report.imported.length} photo${report.imported.length === 1 ? '' : 's'}`];
    if (report.duplicates.length) parts.push(`${report.duplicates.length} already in the library`);
    if (report.unchanged.length) parts.push(`${report.unchanged.length} unchanged since the last import`);
    if (report.skipped.length) parts.push(`${report.skipped.length} skipped`);
    const into = report.album ? ` into album "${report.album.name}" (+${report.album.added})` : '';
    const shown = updated.length ? `; updated ${updated.length} display${updated.length === 1 ? '' : 's'} showing ${report.album ? 'it' : 'its albums'}` : '';
    process.stdout.write(`${parts.join(', ')}${into}${shown}\n`);
    const { temporaryFiles, orphanPhotos } = report.cleanup;
    if (temporaryFiles || orphanPhotos) {
      process.stdout.write(`cleared what an interrupted import left: ${temporaryFiles} temporary file(s), ${orphanPhotos} unrecorded photo(s)\n`);
    }
    if (preparation.line) process.stdout.write(`${preparation.line}\n`);
  }
  if (publishError !== null) {
    if (!(publishError instanceof UserError)) throw publishError;
    process.stderr.write(`photoframe: ${publishError.message}\n`);
    return EXIT_DISPLAYS_NOT_UPDATED;
  }
  if (report.skipped.length > 0) return EXIT_SOME_SKIPPED;
  return preparation.failed.length > 0 ? EXIT_SOME_FAILED : 0;
}

interface PreparationAfterImport {
  /** How the photos get prepared: here (--wait), by a process already running the queue, or by one started now. */
  by: 'this import' | 'running process' | 'started' | 'nothing to prepare';
  pid: number | null;
  /** Still preparing when the import returned (0 with --wait). */
  preparing: number;
  failed: { name: string; failure: string }[];
  line: string | null;
  /** With --wait: the displays the preparation's batches gave new photos. */
  updated: string[];
}

/**
 * The import recorded its photos as preparing; their thumbnails, checks and
 * renditions come from the preparation queue. With --wait it runs here (or,
 * when serve runs it, the import waits for it) and failures are reported;
 * otherwise a running queue picks them up, or a detached, niced `photoframe
 * prepare` is started for them.
 */
async function prepareAfterImport(
  config: GlobalConfig,
  store: LibraryStore,
  report: ImportReport,
  options: { json: boolean; wait: boolean; foreground?: ImportProgress; early: EarlyPreparation },
): Promise<PreparationAfterImport> {
  const names = [...report.imported.map((photo) => photo.name), ...report.duplicates.map((d) => d.name), ...report.unchanged.map((u) => u.name)];
  if (options.wait) {
    const outcome = await prepareOrWait(config, store, { json: options.json, wait: true, names, ...(options.foreground ? { foreground: options.foreground } : {}) });
    const failed = outcome.kind === 'ran' ? outcome.report.failed.filter((f) => names.includes(f.name)) : [];
    const library = await store.read();
    const failedNow = outcome.kind === 'ran' ? failed : failedAmong(library, names);
    for (const f of failedNow) process.stderr.write(`${oneLine(`photo ${f.name} failed its check and is kept out of every display's list: ${f.failure}`)}\n`);
    const counts = readinessCounts(library, names);
    return {
      by: outcome.kind === 'ran' ? 'this import' : 'running process',
      pid: null,
      preparing: counts.preparing,
      failed: failedNow,
      updated: outcome.kind === 'ran' ? outcome.updated : [],
      line: `prepared: ${counts.ready} ready${counts.failed ? `, ${counts.failed} failed their check` : ''}`,
    };
  }
  const preparing = await preparingCount(store);
  if (preparing === 0) return { by: 'nothing to prepare', pid: null, preparing: 0, failed: [], line: null, updated: [] };
  const paths = homePaths(config.home);
  const ours = await options.early.livePid();
  if (ours !== null) {
    return { by: 'started', pid: ours, preparing, failed: [], updated: [], line: startedLine(preparing, ours) };
  }
  if (await preparationRunning(paths)) {
    return { by: 'running process', pid: null, preparing, failed: [], updated: [], line: `preparing ${preparing} photo(s) in the running photoframe serve (or prepare); they reach the displays as they become ready` };
  }
  const pid = startDetachedPrepare(config)?.pid ?? null;
  return { by: 'started', pid, preparing, failed: [], updated: [], line: startedLine(preparing, pid) };
}

function startedLine(preparing: number, pid: number | null): string {
  return `preparing ${preparing} photo(s) in the background (photoframe prepare, pid ${pid ?? '?'}); they reach the displays as they become ready`;
}

/**
 * The queue started while the import runs: at its first recorded photo, a
 * detached, niced `photoframe prepare` (unless serve or another prepare runs
 * the queue), which stays until the import has ended and its photos are
 * prepared. With --wait the import then follows it to its exit.
 */
class EarlyPreparation {
  private child: ChildProcess | null = null;
  private starting: Promise<void> = Promise.resolve();
  private gone: Promise<void> = Promise.resolve();
  private asked = false;

  constructor(private readonly config: GlobalConfig) {}

  start(): void {
    if (this.asked) return;
    this.asked = true;
    this.starting = (async () => {
      try {
        if (await preparationRunning(homePaths(this.config.home))) return;
        const child = startDetachedPrepare(this.config);
        if (!child || child.exitCode !== null) return;
        this.child = child;
        // A failed spawn (a process limit, say) reports 'error' and maybe no 'exit': either ends the wait.
        this.gone = new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.once('error', () => resolve());
        });
      } catch (error) {
        // The photos stay preparing; the import's end starts a runner again, or says why not.
        process.stderr.write(`warning: cannot start photoframe prepare during the import: ${reasonOf(error)}\n`);
      }
    })();
  }

  /** The runner this import started, while it is alive (it may not have taken the queue's lock yet). */
  async livePid(): Promise<number | null> {
    await this.starting;
    const child = this.child;
    return child?.pid !== undefined && child.exitCode === null && child.signalCode === null ? child.pid : null;
  }

  /** Resolves once the runner this import started has ended (at once if it started none). */
  async exited(): Promise<void> {
    // Unref'd so a plain import returns at once; waiting for it must keep this process up (ref'd in the same
    // turn as the start under way resolves: nothing lets the process end in between).
    await this.starting;
    this.child?.ref();
    await this.gone;
  }
}

function failedAmong(library: Library, names: readonly string[]): { name: string; failure: string }[] {
  return names.flatMap((name) => {
    const photo = library.photos[name];
    return photo?.state === 'failed' ? [{ name, failure: photo.failure ?? 'failed its check' }] : [];
  });
}

/**
 * Displays showing any album the import may have changed (the album imported
 * into, smart albums whose rules now match more) get their new lists at once.
 * Only when some display shows an album is etcd contacted, so importing works
 * without etcd; if etcd is unreachable then, the photos stay imported and the
 * error says how to publish.
 */
async function publishAfterImport(config: GlobalConfig, store: LibraryStore, albumName: string | undefined): Promise<string[]> {
  const library = await store.read();
  if (!library.albums.some((album) => albumIsShown(library, album.id))) return [];
  let client;
  try {
    client = await connectEtcd(config.etcd);
  } catch (error) {
    throw new UserError(`imported, but cannot update the displays showing ${albumName === undefined ? 'its albums' : `"${albumName}"`}: ${reasonOf(error)}; run the import again once etcd is up`);
  }
  try {
    // Under the library lock, so a `display set` running meanwhile cannot publish an older list after this one.
    return await store.update((locked) => publishShownAlbums(client, locked));
  } finally {
    client.close();
  }
}

function terminalProgress(progress: ImportProgress): void {
  // The bar while files are read; once all are recorded, what it took (`imported 50,000 in 4 min 10 s`), which the
  // preparation's line then carries on. Clear to the end of the line: the scanning line is longer than the bar.
  const done = progress.phase === 'importing' && progress.done === progress.total;
  process.stderr.write(`\r${done ? foregroundText(progress) : progressBar(progress)}\x1b[K`);
}

/** `{"type":"progress","phase":"importing",…}`, then, with --wait, the same type in phase `preparing`. */
function jsonProgress(progress: ImportProgress): void {
  process.stdout.write(`${JSON.stringify(foregroundJson(progress))}\n`);
}

/** `--max-file-size 300M` (bytes, or with K/M/G). */
function sizeOption(values: Record<string, unknown>, name: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const match = /^([0-9]+)([KMG]?)B?$/i.exec(text.trim());
  if (!match || Number(match[1]) === 0) throw new UserError(`--${name} "${text}" is not a size: use e.g. 300M or 2G`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(match[1]) * unit;
}

/** `--max-pixels 300` megapixels. */
function megapixelOption(values: Record<string, unknown>, name: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text.trim()) || Number(text) === 0) throw new UserError(`--${name} "${text}" is not a whole number of megapixels, e.g. 300`);
  return Number(text) * 1e6;
}
