import { homePaths } from '../../../common/homePaths.ts';
import type { GlobalConfig } from '../../../common/config.ts';
import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { reasonOf, UserError } from '../../../common/userError.ts';
import { findAlbum } from '../../../data/library/albums.ts';
import { displaysShowing, publishAlbum } from '../../displays/albumPublisher.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { importWithProgress, progressBar } from '../../library/importWithProgress.ts';
import { stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

/** Exit code when the import finished but some files were skipped, so scripts can tell. */
export const EXIT_SOME_SKIPPED = 2;

export async function runImport({ config, values, positionals }: CommandContext): Promise<number | void> {
  if (positionals.length === 0) throw new UserError('import needs at least one folder or file: photoframe import DIR... [--album NAME]');
  const paths = homePaths(config.home);
  const store = new LibraryStore(paths.store);
  // Progress goes to stderr so stdout stays the report: a redrawn bar on a terminal, plain lines otherwise.
  const onTerminal = process.stderr.isTTY === true;
  const report = await importWithProgress(store, paths, { sources: positionals, album: stringOption(values, 'album') }, (progress) => {
    if (onTerminal) process.stderr.write(`\rimporting ${progressBar(progress)}${progress.done === progress.total ? '\n' : ''}`);
    else if (progress.done > 0) process.stderr.write(`imported ${progress.done}/${progress.total}\n`);
  });
  const published = report.album ? await publishImportedAlbum(config, store, report.album.name) : null;
  for (const skipped of report.skipped) process.stderr.write(`skipped ${skipped.path}: ${skipped.reason}\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...report, displaysUpdated: published ?? [] }, null, 2)}\n`);
  } else {
    const parts = [`imported ${report.imported.length} photo${report.imported.length === 1 ? '' : 's'}`];
    if (report.duplicates.length) parts.push(`${report.duplicates.length} already in the library`);
    if (report.skipped.length) parts.push(`${report.skipped.length} skipped`);
    const into = report.album ? ` into album "${report.album.name}" (+${report.album.added})` : '';
    const shown = published?.length ? `; updated ${published.length} display${published.length === 1 ? '' : 's'} showing it` : '';
    process.stdout.write(`${parts.join(', ')}${into}${shown}\n`);
  }
  return report.skipped.length > 0 ? EXIT_SOME_SKIPPED : 0;
}

/**
 * Displays showing the album get its new list at once. Only when some display
 * shows it is etcd contacted, so importing works without etcd; if etcd is
 * unreachable then, the photos stay imported and the error says how to publish.
 */
async function publishImportedAlbum(config: GlobalConfig, store: LibraryStore, albumName: string): Promise<string[]> {
  const library = await store.read();
  const album = findAlbum(library, albumName);
  if (!album || displaysShowing(library, album.id).length === 0) return [];
  let client;
  try {
    client = await connectEtcd(config.etcdEndpoints);
  } catch (error) {
    throw new UserError(`imported, but cannot update the displays showing "${albumName}": ${reasonOf(error)}; run the import again once etcd is up`);
  }
  try {
    return await publishAlbum(client, library, album);
  } finally {
    client.close();
  }
}
