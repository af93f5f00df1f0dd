import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emptyLibrary, migrateLibrary, SCHEMA_VERSION, type Library, type PhotoRecord } from '../data/library/librarySchema.ts';
import { displayablePhotos, isReady, preparingPhotos, readinessCounts } from '../data/library/photoReadiness.ts';

function photo(name: string, state?: PhotoRecord['state']): PhotoRecord {
  return {
    name, sha256: name, format: 'jpeg', width: 4000, height: 3000, orientation: 1, takenAt: null, takenAtOffset: null, takenAtSource: null,
    shape: 'H', camera: null, gps: null, title: null, keywords: [], bytes: 1, importedAt: '2026-01-01T00:00:00.000Z', sources: [], sourceStamps: {},
    storage: 'copy', ...(state ? { state } : {}), ...(state === 'failed' ? { failure: 'truncated' } : {}),
  };
}

function libraryOf(...photos: PhotoRecord[]): Library {
  const library = emptyLibrary();
  for (const p of photos) library.photos[p.name] = p;
  return library;
}

test('readiness: only photos without a state are ready; lists keep their order and drop preparing and failed ones', () => {
  const library = libraryOf(photo('a.jpg'), photo('b.jpg', 'preparing'), photo('c.jpg', 'failed'), photo('d.jpg'));
  assert.ok(isReady(library.photos['a.jpg']!));
  assert.not.ok(isReady(library.photos['b.jpg']!));
  assert.not.ok(isReady(library.photos['c.jpg']!));
  assert.equal(displayablePhotos(library, ['d.jpg', 'c.jpg', 'b.jpg', 'a.jpg', 'gone.jpg']), ['d.jpg', 'a.jpg', 'gone.jpg']);
  assert.equal(readinessCounts(library), { ready: 2, preparing: 1, failed: 1 });
  assert.equal(readinessCounts(library, ['b.jpg', 'c.jpg', 'gone.jpg']), { ready: 0, preparing: 1, failed: 1 });
  assert.equal(preparingPhotos(library), ['b.jpg']);
});

test('a library from schema 3 reads as the current schema with every photo ready; a newer one is refused', () => {
  const old = { version: 3, photos: { 'a.jpg': photo('a.jpg') }, albums: [], displays: [] };
  const library = migrateLibrary(old, 'library.json');
  assert.is(library.version, SCHEMA_VERSION);
  assert.is(SCHEMA_VERSION, 4);
  assert.equal(readinessCounts(library), { ready: 1, preparing: 0, failed: 0 });
  assert.throws(() => migrateLibrary({ ...old, version: SCHEMA_VERSION + 1 }, 'library.json'), /newer than this photoframe/);
});

test.run();
