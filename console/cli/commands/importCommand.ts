import type { GlobalConfig } from '../../../common/config.ts';
import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { reasonOf, UserError } from '../../../common/userError.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import type { ImportProgress } from '../../../data/photos/importProgress.ts';
import { progressBar } from '../../../data/photos/importProgress.ts';
import { importPhotos } from '../../../data/photos/importPhotos.ts';
import { oneLine } from '../../../data/photos/pathText.ts';
import { stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';
import { albumIsShown, publishShownAlbums } from '../../displays/albumPublisher.ts';

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
  const store = new LibraryStore(paths.store);
  const report = await importPhotos(store, paths, {
    sources: positionals,
    album: stringOption(values, 'album'),
    maxFileBytes: sizeOption(values, 'max-file-size'),
    maxPixels: megapixelOption(values, 'max-pixels'),
    followLinksOutside: values['follow-links-outside'] === true,
    inPlace: values['in-place'] === true,
    onProgress: showProgress
      ? (progress) => {
          const now = Date.now();
          const last = progress.phase === 'importing' && progress.done === progress.total;
          if (!last && now - lastShown < PROGRESS_INTERVAL_MS) return;
          lastShown = now;
          showProgress(progress);
        }
      : undefined,
  });
  if (showProgress === terminalProgress) process.stderr.write('\n');
  // The report comes out whatever happens to the displays: what was imported must never be hidden.
  let updated: string[] = [];
  let publishError: unknown = null;
  try {
    updated = await publishAfterImport(config, store, report.album?.name);
  } catch (error) {
    publishError = error;
  }
  // Names may hold newlines or stray bytes: every report line stays one line.
  for (const skipped of report.skipped) process.stderr.write(`${oneLine(`skipped ${skipped.path}: ${skipped.reason}`)}\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify({ type: 'report', ...report, displaysUpdated: updated })}\n`);
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
  }
  if (publishError !== null) {
    if (!(publishError instanceof UserError)) throw publishError;
    process.stderr.write(`photoframe: ${publishError.message}\n`);
    return EXIT_DISPLAYS_NOT_UPDATED;
  }
  return report.skipped.length > 0 ? EXIT_SOME_SKIPPED : 0;
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
  // Clear to the end of the line: the scanning line is longer than the bar that follows it.
  process.stderr.write(`\r${progressBar(progress)}\x1b[K`);
}

function jsonProgress(progress: ImportProgress): void {
  process.stdout.write(`${JSON.stringify({ type: 'progress', ...progress, rate: Number(progress.rate.toFixed(2)), etaMs: progress.etaMs === null ? null : Math.round(progress.etaMs) })}\n`);
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
