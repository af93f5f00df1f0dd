import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import type { ImportProgress } from '../../../data/photos/importProgress.ts';
import { progressBar } from '../../../data/photos/importProgress.ts';
import { importPhotos } from '../../../data/photos/importPhotos.ts';
import { oneLine } from '../../../data/photos/pathText.ts';
import { stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

/** Exit code when the import finished but some files were skipped, so scripts can tell. */
export const EXIT_SOME_SKIPPED = 2;

// A terminal redraws its bar at most this often; JSON lines come at the same pace.
const PROGRESS_INTERVAL_MS = 200;

export async function runImport({ config, values, positionals }: CommandContext): Promise<number | void> {
  if (positionals.length === 0) throw new UserError('import needs at least one folder or file: photoframe import DIR... [--album NAME]');
  const paths = homePaths(config.home);
  const json = values.json === true;
  const showProgress = json ? jsonProgress : process.stderr.isTTY ? terminalProgress : null;
  let lastShown = 0;
  const report = await importPhotos(new LibraryStore(paths.store), paths, {
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
  // Names may hold newlines or stray bytes: every report line stays one line.
  for (const skipped of report.skipped) process.stderr.write(`${oneLine(`skipped ${skipped.path}: ${skipped.reason}`)}\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify({ type: 'report', ...report })}\n`);
  } else {
    const parts = [`imported ${report.imported.length} photo${report.imported.length === 1 ? '' : 's'}`];
    if (report.duplicates.length) parts.push(`${report.duplicates.length} already in the library`);
    if (report.unchanged.length) parts.push(`${report.unchanged.length} unchanged since the last import`);
    if (report.skipped.length) parts.push(`${report.skipped.length} skipped`);
    const into = report.album ? ` into album "${report.album.name}" (+${report.album.added})` : '';
    process.stdout.write(`${parts.join(', ')}${into}\n`);
    const { temporaryFiles, orphanPhotos } = report.cleanup;
    if (temporaryFiles || orphanPhotos) {
      process.stdout.write(`cleared what an interrupted import left: ${temporaryFiles} temporary file(s), ${orphanPhotos} unrecorded photo(s)\n`);
    }
  }
  return report.skipped.length > 0 ? EXIT_SOME_SKIPPED : 0;
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
