/**
 * Child process for the import benchmark, run under /usr/bin/time for its
 * peak RSS: imports a folder into a fresh home and nothing else.
 * argv: SOURCE HOME
 */
import { homePaths } from '../common/homePaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';

const [source, home] = process.argv.slice(2) as [string, string];
const paths = homePaths(home);
const report = await importPhotos(new LibraryStore(paths.store), paths, { sources: [source] });
process.stdout.write(`${JSON.stringify({ imported: report.imported.length })}\n`);
