import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { tempDir } from './helpers/fixtures.ts';

const IMPORT_MAIN = fileURLToPath(new URL('./helpers/importMain.ts', import.meta.url));

/** Small distinct JPEGs: what matters here is how many files are written, not their size. */
async function distinctJpegs(dir: string, count: number, offset = 0): Promise<void> {
  for (let i = 0; i < count; i++) {
    const n = i + offset;
    await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: n % 256, g: (n * 7) % 256, b: Math.floor(n / 256) * 40 } } })
      .jpeg()
      .toFile(join(dir, `p${String(n).padStart(3, '0')}.jpg`));
  }
}

test('an import suspended past the lock stale time keeps its photos; it stops cleanly when it resumes', async () => {
  const home = await tempDir('photoframe-home-');
  const paths = homePaths(home);
  const store = new LibraryStore(paths.store);
  const first = await tempDir();
  const second = await tempDir();
  await distinctJpegs(first, 240);
  await distinctJpegs(second, 1, 1000);
  const lockStaleMs = 2_000;

  const child = spawn(process.execPath, ['--import', 'tsx', IMPORT_MAIN, JSON.stringify({ home, sources: [first], concurrency: 1, lockStaleMs })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let stopped: (() => void) | null = null;
  const stoppedAfter200 = new Promise<void>((resolve) => (stopped = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    const imported = /"imported":(\d+)/.exec(line);
    if (stopped && imported && Number(imported[1]) >= 200) {
      child.kill('SIGSTOP');
      stopped();
      stopped = null;
    }
  });
  const exited = once(child, 'exit');
  await stoppedAfter200;
  try {
    const writtenByFirst = (await readdir(paths.photos)).filter((name) => !name.startsWith('.'));
    assert.ok(writtenByFirst.length >= 200, `the first import wrote ${writtenByFirst.length} photos before it was stopped`);

    // Waits out the stale time, takes the lock over and clears up: it must not take the stopped import's photos for orphans.
    const report = await importPhotos(store, paths, { sources: [second], lockStaleMs });
    assert.is(report.imported.length, 1);
    assert.is(report.cleanup.orphanPhotos, 0);
    const afterSecond = await readdir(paths.photos);
    for (const name of writtenByFirst) assert.ok(afterSecond.includes(name), `${name} kept`);
  } finally {
    child.kill('SIGCONT');
  }
  await exited;
  const outcome = lines.at(-1)!;
  assert.match(outcome, /^failed LockLostError: /, `the resumed import stops with a typed error, not a crash: ${outcome}`);

  // Once it is gone, a rerun adopts what it wrote: every file on disk has a record and no journal is left.
  const rerun = await importPhotos(store, paths, { sources: [first] });
  assert.is(rerun.skipped.length, 0);
  const library = await store.read();
  assert.is(Object.keys(library.photos).length, 241);
  assert.equal((await readdir(paths.photos)).sort(), Object.keys(library.photos).sort());
  assert.equal((await readdir(home)).filter((name) => name.startsWith('import.') && name.endsWith('.json')), []);
});

test.run();
