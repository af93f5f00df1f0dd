/**
 * A child process running only an import, so a test can suspend it
 * (SIGSTOP) mid-run with options the CLI does not expose.
 * argv[2]: JSON { home, sources, concurrency, lockStaleMs }. Prints each
 * progress as JSON, then `done` or `failed <error name>: <message>`.
 */
import { homePaths } from '../../common/homePaths.ts';
import { LibraryStore } from '../../data/library/libraryStore.ts';
import { importPhotos } from '../../data/photos/importPhotos.ts';

const { home, sources, concurrency, lockStaleMs } = JSON.parse(process.argv[2]!) as {
  home: string;
  sources: string[];
  concurrency: number;
  lockStaleMs: number;
};
const paths = homePaths(home);
try {
  await importPhotos(new LibraryStore(paths.store), paths, {
    sources,
    concurrency,
    lockStaleMs,
    onProgress: (progress) => process.stdout.write(`${JSON.stringify(progress)}\n`),
  });
  process.stdout.write('done\n');
} catch (error) {
  process.stdout.write(`failed ${(error as Error).name}: ${(error as Error).message}\n`);
  process.exitCode = 3;
}
