import { access, copyFile, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { displayablePhotos, readinessCounts } from '../data/library/photoReadiness.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { preparePending } from '../data/preparation/preparationRunner.ts';
import { renditionPath, thumbnailPath } from '../data/renditions/renditions.ts';
import { RenditionCache } from '../console/imageServer/renditionCache.ts';
import { shownRenditions } from '../console/preparation/shownRenditions.ts';
import { LibraryHub } from '../console/state/libraryHub.ts';
import { writeFileAtomic } from '../common/atomicFile.ts';
import { withFileLock } from '../data/library/fileLock.ts';
import { photoLikeJpeg, tempDir, truncatedJpeg } from './helpers/fixtures.ts';

const exists = (path: string) => access(path).then(() => true, () => false);

/** A home with these photos imported into album 'Hall', shown on a display (its screen unknown: 1080p). */
async function shownHome(count: number, shown = true) {
  const home = await tempDir('photoframe-passes-');
  const paths = homePaths(home);
  const store = new LibraryStore(paths.store);
  const source = await tempDir();
  for (let i = 0; i < count; i++) await photoLikeJpeg(join(source, `p${i}.jpg`), 2400, 1600, 70 + i);
  await importPhotos(store, paths, { sources: [source], album: 'Hall' });
  if (shown) {
    await store.update((library) => {
      library.displays.push({ id: 'hall', name: 'hall', albumId: library.albums[0]!.id, hostname: null, addedAt: new Date().toISOString() });
    });
  }
  return { paths, store, names: Object.keys((await store.read()).photos).sort() };
}

test('a photo is ready, and in its display\'s list, before its rendition is made: the check pass goes first', async () => {
  const { paths, store, names } = await shownHome(3);
  const seen: { ready: string[]; listed: string[]; renditions: boolean[] }[] = [];
  const report = await preparePending(store, paths, {
    concurrency: 1,
    sizes: [{ width: 1920, height: 1080 }],
    onBatch: async ({ library, ready }) => {
      const album = library.albums[0]!;
      seen.push({
        ready,
        listed: displayablePhotos(library, album.photos),
        renditions: await Promise.all(ready.map((name) => exists(renditionPath(paths.renditions, name, 1920, 1080)))),
      });
    },
  });
  const readied = seen.flatMap((batch) => batch.ready).sort();
  assert.equal(readied, names, 'every photo became ready');
  for (const batch of seen) {
    assert.equal(batch.renditions, batch.ready.map(() => false), 'no rendition yet when a photo became ready');
    for (const name of batch.ready) assert.ok(batch.listed.includes(name), 'a ready photo is in the list at once');
  }
  // Then the rendition pass made them all, where the image server serves them.
  for (const name of names) assert.ok((await stat(renditionPath(paths.renditions, name, 1920, 1080))).size > 0);
  assert.is(report.rendered, names.length);
});

test('a rendition pass after a restart makes only the missing renditions, and only for shown photos', async () => {
  const { paths, store, names } = await shownHome(4);
  const first = await preparePending(store, paths, { sizes: [{ width: 1920, height: 1080 }] });
  assert.is(first.rendered, 4);
  assert.is(first.made, 8, 'a thumbnail and a rendition each');
  const gone = names.slice(0, 2);
  for (const name of gone) await unlink(renditionPath(paths.renditions, name, 1920, 1080));
  const kept = new Map<string, number>();
  for (const name of names.slice(2)) kept.set(name, (await stat(renditionPath(paths.renditions, name, 1920, 1080))).ino);

  const again = await preparePending(store, paths, { sizes: [{ width: 1920, height: 1080 }] });
  assert.equal(again.ready, [], 'nothing was preparing');
  assert.is(again.rendered, 2, 'the two missing renditions');
  assert.is(again.made, 2, 'and nothing else');
  for (const name of gone) assert.ok(await exists(renditionPath(paths.renditions, name, 1920, 1080)));
  for (const [name, ino] of kept) assert.is((await stat(renditionPath(paths.renditions, name, 1920, 1080))).ino, ino, 'not made again');
  assert.equal((await readdir(join(paths.renditions, '1920x1080'))).length, 4);

  // A photo no display shows gets its check and thumbnail, not a rendition.
  const hidden = await shownHome(1, false);
  const report = await preparePending(hidden.store, hidden.paths, { sizes: [{ width: 1920, height: 1080 }] });
  assert.is(report.ready.length, 1);
  assert.is(report.rendered, 0);
  assert.is(await exists(join(hidden.paths.renditions, '1920x1080')), false);
});

test('the check pass still fails a truncated photo: the thumbnail\'s shrink-on-load decode reads every scan', async () => {
  const home = await tempDir('photoframe-passes-bad-');
  const paths = homePaths(home);
  const store = new LibraryStore(paths.store);
  const source = await tempDir();
  await truncatedJpeg(join(source, 'cut.jpg'));
  await importPhotos(store, paths, { sources: [source] });
  const report = await preparePending(store, paths, {});
  assert.is(report.failed.length, 1);
  assert.is(readinessCounts(await store.read()).failed, 1);
  assert.is(await exists(thumbnailPath(paths.thumbnails, report.failed[0]!.name)), false);
});

test('prepared renditions of shown photos survive a restart of a cache with a small bound; on-demand ones stay bounded', async () => {
  const dir = await tempDir();
  const path = (name: string) => join(dir, '1920x1080', `${name}.jpg`);
  const shown = new Set(['shown-a', 'shown-b', 'shown-c']);
  const kept = (stem: string) => shown.has(stem);
  const first = new RenditionCache(dir, 2_000, kept);
  // What the preparation queue wrote, then two on-demand renditions of photos no display shows.
  for (const name of [...shown, 'other-1', 'other-2', 'other-3']) await (await first.open(path(name), async () => Buffer.alloc(1_000, name))).close();
  assert.is(first.totalBytes, 2_000, 'only on-demand renditions count against the bound');

  const restarted = new RenditionCache(dir, 1_000, kept);
  await (await restarted.open(path('shown-a'), async () => {
    assert.unreachable('a prepared rendition is served from cache');
    return Buffer.alloc(0);
  })).close();
  for (const name of shown) assert.ok(await exists(path(name)), `${name} survived the restart`);
  assert.equal(await Promise.all(['other-1', 'other-2', 'other-3'].map((name) => exists(path(name)))), [false, false, true], 'the oldest on-demand ones went');
  assert.is(restarted.totalBytes, 1_000);
});

test('serve keeps what the rendition pass prepared for shown photos, with a 1-byte cache bound, and evicts the rest', async () => {
  const { paths, store, names } = await shownHome(2);
  await preparePending(store, paths, { sizes: [{ width: 1920, height: 1080 }] });
  // An on-demand rendition of a photo no display shows (the image server made it on a request).
  const other = join(paths.renditions, '1920x1080', 'not-shown.jpg');
  await writeFileAtomic(other, Buffer.alloc(1_000, 1));
  const hub = await LibraryHub.forStore(paths.store);
  const release = hub.retain();
  try {
    // serve's start: the cache as the image server makes it, asking the library which photos are shown.
    const cache = new RenditionCache(paths.renditions, 1, shownRenditions(hub));
    const served = await cache.open(renditionPath(paths.renditions, names[0]!, 1920, 1080), async () => {
      assert.unreachable('the prepared rendition is served, not made again');
      return Buffer.alloc(0);
    });
    await served.close();
    for (const name of names) assert.ok(await exists(renditionPath(paths.renditions, name, 1920, 1080)), 'prepared renditions stay');
    assert.is(await exists(other), false, 'the on-demand one is evicted by the bound');
  } finally {
    release();
  }
});

test('a runner started during an import stays until it ends, checking each photo as it is recorded', async () => {
  // Two photos imported elsewhere: their files and records are what an import here would record, one at a time.
  const elsewhere = await shownHome(2, false);
  const recorded = await elsewhere.store.read();
  const home = await tempDir('photoframe-beside-');
  const paths = homePaths(home);
  const store = new LibraryStore(paths.store);
  const record = async (name: string) => {
    await mkdir(paths.photos, { recursive: true });
    await copyFile(join(elsewhere.paths.photos, name), join(paths.photos, name));
    await store.update((library) => void (library.photos[name] = { ...recorded.photos[name]!, state: 'preparing' }));
  };
  const [first, second] = elsewhere.names as [string, string];
  // The import's own lock, held as a running import holds it.
  await withFileLock(join(home, 'import'), async () => {
    await record(first);
    const batches: string[][] = [];
    let batchSeen: () => void = () => {};
    const runner = preparePending(store, paths, {
      onBatch: async (batch) => {
        batches.push(batch.ready);
        batchSeen();
      },
    });
    let settled = false;
    void runner.finally(() => (settled = true));
    const nextBatch = () => new Promise<void>((resolve) => (batchSeen = resolve));
    await nextBatch();
    assert.equal(batches, [[first]]);
    assert.not.ok(settled, 'with nothing left to check, the runner waits for the running import');
    await record(second);
    await nextBatch();
    assert.equal(batches, [[first], [second]], 'the photo recorded later is checked by the same runner');
    assert.not.ok(settled);
    // Wrapped: a promise returned as it is would be awaited under the lock.
    return { runner };
  }).then(async ({ runner }) => {
    // The import ended (its lock released): so does the runner, everything ready.
    const report = await runner;
    assert.equal(report.ready.sort(), [first, second].sort());
    assert.equal(readinessCounts(await store.read()).ready, 2);
  });
});

test.run();
