import { once } from 'node:events';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { solidJpeg, tempDir } from './helpers/fixtures.ts';
import { bombPng, bytesReadByThisProcess, makeFifo, sparseFile } from './helpers/hostileFiles.ts';
import { runCli } from './helpers/runCli.ts';

// Each test is a row of issue 7's table of hostile folders.

async function freshHome() {
  const home = await tempDir('photoframe-home-');
  const paths = homePaths(home);
  return { home, paths, store: new LibraryStore(paths.store) };
}

async function threePhotos(dir: string): Promise<string[]> {
  return Promise.all([
    solidJpeg(join(dir, 'one.jpg'), 120, 80, [200, 10, 10]),
    solidJpeg(join(dir, 'two.jpg'), 120, 80, [10, 200, 10]),
    solidJpeg(join(dir, 'three.jpg'), 120, 80, [10, 10, 200]),
  ]);
}

test('two links back to their own folder: the import ends, each photo once with one source', async () => {
  const { home, store } = await freshHome();
  const source = await tempDir();
  const photos = await threePhotos(source);
  await symlink('.', join(source, 'a'));
  await symlink('.', join(source, 'b'));
  // Through the CLI: the old walk never ended, and runCli gives up after a minute.
  const result = await runCli(['import', '--wait', source, '--home', home]);
  assert.is(result.code, 0, result.stderr);
  const library = await store.read();
  assert.equal(Object.values(library.photos).map((p) => p.sources).flat().sort(), [...photos].sort());
});

test('an `up -> ..` link: followed inside the imported folder, reported outside it; every photo read once', async () => {
  const { paths, store } = await freshHome();
  const root = await tempDir();
  const photos = await threePhotos(join(root, 'album'));
  await solidJpeg(join(root, 'outside.jpg'), 60, 60, [90, 90, 90]);
  await symlink('..', join(root, 'album', 'up'));

  const report = await importPhotos(store, paths, { sources: [join(root, 'album')] });
  assert.equal(report.imported.map((p) => p.sources).flat().sort(), [...photos].sort());
  assert.equal(report.duplicates, []);
  const link = report.skipped.find((s) => s.path === join(root, 'album', 'up'));
  assert.match(link?.reason ?? '', /is a link to .*outside the imported folders/);

  // Importing the parent as well: the link now leads to a folder already walked.
  const again = await importPhotos(store, paths, { sources: [root] });
  assert.equal(again.imported.map((p) => p.sources[0]), [join(root, 'outside.jpg')]);
  assert.is(again.unchanged.length, 3);
  assert.equal(again.skipped, []);
  const library = await store.read();
  for (const photo of Object.values(library.photos)) assert.is(photo.sources.length, 1, photo.sources.join());

  // Asked to, the walk follows the link out, and still meets each real folder once.
  const elsewhere = await freshHome();
  const followed = await importPhotos(elsewhere.store, elsewhere.paths, { sources: [join(root, 'album')], followLinksOutside: true });
  assert.is(followed.imported.length, 4);
  assert.equal(followed.skipped, []);
});

test('files of a gigabyte named .jpg are rejected by header or size without being read', async () => {
  const { paths, store } = await freshHome();
  const source = await tempDir();
  const gigabyte = 1024 ** 3;
  await sparseFile(join(source, 'video.jpg'), gigabyte);
  await sparseFile(join(source, 'huge.jpg'), gigabyte, Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
  await solidJpeg(join(source, 'real.jpg'), 100, 100, [1, 100, 200]);

  const before = await bytesReadByThisProcess();
  const report = await importPhotos(store, paths, { sources: [source], maxFileBytes: 256 * 1024 ** 2 });
  const read = (await bytesReadByThisProcess()) - before;
  assert.ok(read < 64 * 1024 ** 2, `read ${read} bytes for two 1 GB files`);
  assert.is(report.imported.length, 1);
  const reasons = new Map(report.skipped.map((s) => [s.path, s.reason]));
  assert.match(reasons.get(join(source, 'huge.jpg')) ?? '', /file is 1024 MB, above the 256 MB cap/);
  assert.match(reasons.get(join(source, 'video.jpg')) ?? '', /above the 256 MB cap/);
  // Under the cap, the header decides.
  const small = await tempDir();
  await sparseFile(join(small, 'movie.jpg'), 10 * 1024 ** 2, Buffer.from('....ftypisom', 'latin1'));
  const second = await importPhotos(store, paths, { sources: [small] });
  assert.match(second.skipped[0]?.reason ?? '', /first bytes match no JPEG/);
});

test('a photo whose name is not UTF-8 is imported and reported with its bytes escaped', async () => {
  const { paths, store } = await freshHome();
  const source = await tempDir();
  const latin1Name = Buffer.concat([Buffer.from(`${source}/caf`), Buffer.from([0xe9]), Buffer.from('.jpg')]);
  const content = await solidJpeg(join(source, 'tmp.jpg'), 90, 60, [30, 60, 90]).then((p) => import('node:fs/promises').then((fs) => fs.readFile(p)));
  await import('node:fs/promises').then((fs) => fs.rm(join(source, 'tmp.jpg')));
  await writeFile(latin1Name, content);

  const report = await importPhotos(store, paths, { sources: [source] });
  assert.equal(report.skipped, []);
  assert.is(report.imported.length, 1);
  assert.equal(report.imported[0]!.sources, [`${source}/caf\\xE9.jpg`]);
  const again = await importPhotos(store, paths, { sources: [source] });
  assert.is(again.unchanged.length, 1, 'the escaped name is stable, so a rerun knows the file');
});

test('FIFOs and sockets are reported and skipped, never opened', async () => {
  const { paths, store } = await freshHome();
  const source = await tempDir();
  await solidJpeg(join(source, 'photo.jpg'), 50, 50, [5, 5, 5]);
  makeFifo(join(source, 'pipe.jpg'));
  const socketServer = createServer().listen(join(source, 'socket.jpg'));
  await once(socketServer, 'listening');
  try {
    const report = await importPhotos(store, paths, { sources: [source] });
    assert.is(report.imported.length, 1);
    assert.equal(report.skipped, [
      { path: join(source, 'pipe.jpg'), reason: 'is a FIFO (named pipe), not a photo; skipped' },
      { path: join(source, 'socket.jpg'), reason: 'is a socket, not a photo; skipped' },
    ]);
  } finally {
    socketServer.close();
  }
});

test('a name containing a newline stays on one report line', async () => {
  const { home } = await freshHome();
  const source = await tempDir();
  await writeFile(join(source, 'evil\nskipped forged: ok.jpg'), 'not a photo');
  const result = await runCli(['import', '--wait', source, '--home', home]);
  assert.is(result.code, 2);
  const lines = result.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^skipped .*evil\\nskipped forged: ok\.jpg: not an image/);
});

test('a PNG declaring 16000×16000 is refused at import with the pixel limit as reason, before decoding', async () => {
  const { paths, store } = await freshHome();
  const source = await tempDir();
  await mkdir(source, { recursive: true });
  await writeFile(join(source, 'bomb.png'), await bombPng(16000));
  const report = await importPhotos(store, paths, { sources: [source] });
  assert.is(report.imported.length, 0);
  assert.match(report.skipped[0]?.reason ?? '', /declares 16000×16000 pixels \(256 MP\), above the 200 MP import limit/);
  assert.equal(await readdir(paths.thumbnails).catch(() => []), []);
});

test('files swapped between the walk and the read (a link leading out, a FIFO) are reported and skipped; the import ends', async () => {
  const { paths, store } = await freshHome();
  const source = await tempDir();
  const outside = await solidJpeg(join(await tempDir(), 'secret.jpg'), 90, 60, [250, 250, 0]);
  await solidJpeg(join(source, 'a.jpg'), 120, 80, [200, 10, 10]);
  await solidJpeg(join(source, 'b.jpg'), 120, 80, [10, 200, 10]);
  await solidJpeg(join(source, 'c.jpg'), 120, 80, [10, 10, 200]);
  const { rmSync, symlinkSync } = await import('node:fs');
  // The walk reports each file as it finds it: swap it right then, before the import opens it.
  const swaps = new Map<number, () => void>([
    [1, () => (rmSync(join(source, 'a.jpg')), symlinkSync(outside, join(source, 'a.jpg')))],
    [2, () => (rmSync(join(source, 'b.jpg')), makeFifo(join(source, 'b.jpg')))],
  ]);
  for (const inPlace of [false, true]) {
    const report = await importPhotos(store, paths, {
      sources: [source],
      inPlace,
      onProgress: (progress) => {
        if (progress.phase === 'scanning') swaps.get(progress.total)?.();
      },
    });
    assert.equal(report.imported.map((photo) => photo.sources[0]), inPlace ? [] : [join(source, 'c.jpg')]);
    assert.equal(
      report.skipped.map((skip) => skip.path),
      [join(source, 'a.jpg'), join(source, 'b.jpg')],
    );
    assert.match(report.skipped[0]!.reason, /replaced by a link/);
    assert.match(report.skipped[1]!.reason, /not a regular file/);
    // Back to plain files for the second round.
    for (const name of ['a.jpg', 'b.jpg']) rmSync(join(source, name));
    await solidJpeg(join(source, 'a.jpg'), 120, 80, [200, 10, 10]);
    await solidJpeg(join(source, 'b.jpg'), 120, 80, [10, 200, 10]);
  }
  const library = await store.read();
  assert.is(Object.keys(library.photos).length, 1, 'nothing from outside the folder was imported');
});

test.run();
