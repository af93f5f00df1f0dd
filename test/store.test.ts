import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from 'node:assert/strict';
import { addPhotosToAlbum, ensureAlbum } from '../data/library/albums.ts';
import { SCHEMA_VERSION } from '../data/library/librarySchema.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { tempDir } from './helpers/fixtures.ts';

test('a new store reads as an empty library of the current schema version', async () => {
  const store = new LibraryStore(join(await tempDir(), 'library.json'));
  assert.equal(await store.read(), { version: SCHEMA_VERSION, photos: {}, albums: [], displays: [] });
});

test('what one store writes another reads back, and no temp file is left behind', async () => {
  const dir = await tempDir();
  const path = join(dir, 'library.json');
  await new LibraryStore(path).update((library) => {
    const album = ensureAlbum(library, 'Family');
    addPhotosToAlbum(album, ['aa.jpg', 'bb.jpg', 'aa.jpg']);
  });
  const library = await new LibraryStore(path).read();
  assert.is(library.albums.length, 1);
  assert.equal(library.albums[0]!.photos, ['aa.jpg', 'bb.jpg']);
  assert.equal((await readdir(dir)).sort(), ['library.json']);
  assert.is(JSON.parse(await readFile(path, 'utf8')).version, SCHEMA_VERSION);
});

test('a change that throws writes nothing', async () => {
  const path = join(await tempDir(), 'library.json');
  const store = new LibraryStore(path);
  await store.update((library) => void ensureAlbum(library, 'Kept'));
  const before = await readFile(path, 'utf8');
  await rejects(store.update((library) => {
    ensureAlbum(library, 'Lost');
    throw new Error('changed my mind');
  }));
  assert.is(await readFile(path, 'utf8'), before);
});

test('concurrent updates from separate stores are serialised, none lost', async () => {
  const path = join(await tempDir(), 'library.json');
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      new LibraryStore(path).update((library) => void ensureAlbum(library, `album-${i}`)),
    ),
  );
  assert.is((await new LibraryStore(path).read()).albums.length, 20);
});

test('updates from several processes at once are serialised, none lost', async () => {
  const path = join(await tempDir(), 'library.json');
  const storeModule = fileURLToPath(new URL('../data/library/libraryStore.ts', import.meta.url));
  const worker = (n: number) => `
    import { LibraryStore } from ${JSON.stringify(storeModule)};
    const store = new LibraryStore(${JSON.stringify(path)});
    for (let i = 0; i < 10; i++) {
      await store.update((library) => { library.albums.push({ id: 'w${n}-' + i, name: 'w${n}-' + i, photos: [], createdAt: '' }); });
    }`;
  const run = (n: number) =>
    new Promise<number>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', worker(n)], (error) => resolve(error ? 1 : 0));
    });
  assert.equal(await Promise.all([0, 1, 2, 3].map(run)), [0, 0, 0, 0]);
  assert.is((await new LibraryStore(path).read()).albums.length, 40);
});

test('a lock left behind by a crashed process is taken over once stale', async () => {
  const path = join(await tempDir(), 'library.json');
  await mkdir(`${path}.lock`);
  const longAgo = new Date(Date.now() - 60_000);
  await utimes(`${path}.lock`, longAgo, longAgo);
  await new LibraryStore(path).update((library) => void ensureAlbum(library, 'after the crash'));
  assert.is((await new LibraryStore(path).read()).albums[0]!.name, 'after the crash');
});

test('a store in a folder that does not exist yet creates it on first write', async () => {
  const path = join(await tempDir(), 'new', 'home', 'library.json');
  await new LibraryStore(path).update((library) => void ensureAlbum(library, 'first'));
  assert.is((await new LibraryStore(path).read()).albums.length, 1);
});

test('a corrupt library file is reported, not replaced', async () => {
  const path = join(await tempDir(), 'library.json');
  await writeFile(path, '{"version": 1, "photos": {');
  const store = new LibraryStore(path);
  await rejects(store.read(), /library .* is not valid JSON/);
  await rejects(store.update(() => {}), /not valid JSON/);
  assert.is(await readFile(path, 'utf8'), '{"version": 1, "photos": {');
});

test('a library from a newer release is refused', async () => {
  const path = join(await tempDir(), 'library.json');
  await writeFile(path, JSON.stringify({ version: SCHEMA_VERSION + 1, photos: {}, albums: [], displays: [] }));
  await rejects(new LibraryStore(path).read(), /newer than this photoframe/);
});

test.run();
