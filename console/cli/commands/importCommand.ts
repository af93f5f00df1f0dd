import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { importWithProgress, progressBar } from '../../library/importWithProgress.ts';
import { stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

/** Exit code when the import finished but some files were skipped, so scripts can tell. */
export const EXIT_SOME_SKIPPED = 2;

export async function runImport({ config, values, positionals }: CommandContext): Promise<number | void> {
  if (positionals.length === 0) throw new UserError('import needs at least one folder or file: photoframe import DIR... [--album NAME]');
  const paths = homePaths(config.home);
  // Progress goes to stderr so stdout stays the report: a redrawn bar on a terminal, plain lines otherwise.
  const onTerminal = process.stderr.isTTY === true;
  const report = await importWithProgress(new LibraryStore(paths.store), paths, { sources: positionals, album: stringOption(values, 'album') }, (progress) => {
    if (onTerminal) process.stderr.write(`\rimporting ${progressBar(progress)}${progress.done === progress.total ? '\n' : ''}`);
    else if (progress.done > 0) process.stderr.write(`imported ${progress.done}/${progress.total}\n`);
  });
  for (const skipped of report.skipped) process.stderr.write(`skipped ${skipped.path}: ${skipped.reason}\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const parts = [`imported ${report.imported.length} photo${report.imported.length === 1 ? '' : 's'}`];
    if (report.duplicates.length) parts.push(`${report.duplicates.length} already in the library`);
    if (report.skipped.length) parts.push(`${report.skipped.length} skipped`);
    const into = report.album ? ` into album "${report.album.name}" (+${report.album.added})` : '';
    process.stdout.write(`${parts.join(', ')}${into}\n`);
  }
  return report.skipped.length > 0 ? EXIT_SOME_SKIPPED : 0;
}
