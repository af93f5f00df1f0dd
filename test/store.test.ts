import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from 'node:assert/strict';
import { addPhotosToAlbum, ensureAlbum } from '../data/library/albums.ts';
import { SCHEMA_VERSION } from '../data/library/librarySchema.ts';
import { LibraryStore, photosFileOf } from '../data/library/libraryStore.ts';
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

test('a schema 1 library is migrated: photos move to their own file, new fields filled, nothing lost', async () => {
  const path = join(await tempDir(), 'library.json');
  const v1Photo = { name: 'aaaaaaaaaaaaaaaaaaaaaaaa.jpg', sha256: 'aa', format: 'jpeg', width: 400, height: 400, orientation: 1, takenAt: null, bytes: 10, importedAt: '2024-01-01T00:00:00Z', sources: ['/p/a.jpg'] };
  await writeFile(path, JSON.stringify({ version: 1, photos: { [v1Photo.name]: v1Photo }, albums: [{ id: 'x', name: 'Old', photos: [v1Photo.name], createdAt: '' }], displays: [] }));
  const store = new LibraryStore(path);
  const read = await store.read();
  assert.equal(read.photos[v1Photo.name]!.sourceStamps, {});
  assert.is(read.photos[v1Photo.name]!.shape, 'S');
  await store.update((library) => void ensureAlbum(library, 'New'));
  const main = JSON.parse(await readFile(path, 'utf8'));
  assert.is(main.version, SCHEMA_VERSION);
  assert.is(main.photos, undefined, 'photos no longer inside the library file');
  assert.equal(Object.keys(JSON.parse(await readFile(photosFileOf(path), 'utf8'))), [v1Photo.name]);
  const after = await new LibraryStore(path).read();
  assert.equal(after.albums.map((a) => a.name), ['Old', 'New']);
  assert.is(after.photos[v1Photo.name]!.sources[0], '/p/a.jpg');
});

test('an album change leaves the photos file alone; a photo change rewrites it', async () => {
  const path = join(await tempDir(), 'library.json');
  const store = new LibraryStore(path);
  await store.update((library) => {
    const name = 'bbbbbbbbbbbbbbbbbbbbbbbb.jpg';
    library.photos[name] = { name, sha256: 'bb', format: 'jpeg', width: 3, height: 2, orientation: 1, shape: 'H', takenAt: null, takenAtOffset: null, takenAtSource: null, camera: null, gps: null, title: null, keywords: [], bytes: 1, importedAt: '', sources: ['/b.jpg'], sourceStamps: {}, storage: 'copy' };
  });
  const before = await stat(photosFileOf(path));
  await store.update((library) => void ensureAlbum(library, 'Only an album'));
  assert.is((await stat(photosFileOf(path))).ino, before.ino, 'not rewritten');
  await store.update((library) => void library.photos['bbbbbbbbbbbbbbbbbbbbbbbb.jpg']!.sources.push('/c.jpg'));
  assert.is.not((await stat(photosFileOf(path))).ino, before.ino, 'rewritten');
  assert.equal((await new LibraryStore(path).read()).photos['bbbbbbbbbbbbbbbbbbbbbbbb.jpg']!.sources, ['/b.jpg', '/c.jpg']);
});

test('concurrent updates on one store are coalesced; one that throws loses only itself', async () => {
  const path = join(await tempDir(), 'library.json');
  const store = new LibraryStore(path);
  const outcomes = await Promise.allSettled(
    Array.from({ length: 30 }, (_, i) =>
      store.update((library) => {
        if (i === 7) throw new Error('number seven changed its mind');
        ensureAlbum(library, `album-${i}`);
        return i;
      }),
    ),
  );
  assert.is(outcomes.filter((o) => o.status === 'rejected').length, 1);
  assert.match(String((outcomes[7] as PromiseRejectedResult).reason), /number seven/);
  const names = (await new LibraryStore(path).read()).albums.map((a) => a.name);
  assert.is(names.length, 29);
  assert.not.ok(names.includes('album-7'));
});

test('a read is parsed again only when the files changed, whoever changed them', async () => {
  const path = join(await tempDir(), 'library.json');
  const store = new LibraryStore(path);
  await store.update((library) => void ensureAlbum(library, 'one'));
  const first = await store.read();
  assert.is(await store.read(), first, 'unchanged files: the same parse');
  await new LibraryStore(path).update((library) => void ensureAlbum(library, 'two'));
  const second = await store.read();
  assert.is.not(second, first);
  assert.equal(second.albums.map((a) => a.name), ['one', 'two']);
});

test.run();
