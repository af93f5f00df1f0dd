import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emptyLibrary, migrateLibrary, SCHEMA_VERSION, type Library, type PhotoRecord } from '../data/library/librarySchema.ts';
import { displayablePhotos, isReady, preparingPhotos, readinessCounts } from '../data/library/photoReadiness.ts';
import { DEFAULT_DISPLAY_SIZE, planPreparation, rungsFor, sizesInUse, touchesShownAlbum } from '../data/preparation/preparationPlan.ts';
import { preparationProgressAt } from '../data/preparation/preparationProgress.ts';
import { WorkQueue } from '../console/imageServer/workQueue.ts';

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

test('the plan: photos of shown albums first, then in import order; each with the rungs the image server would snap to', () => {
  const library = libraryOf(
    { ...photo('old.jpg', 'preparing'), importedAt: '2026-01-01T00:00:01.000Z' },
    { ...photo('new.jpg', 'preparing'), importedAt: '2026-01-01T00:00:03.000Z' },
    { ...photo('shown.jpg', 'preparing'), importedAt: '2026-01-01T00:00:05.000Z' },
    photo('done.jpg'),
    photo('bad.jpg', 'failed'),
  );
  library.albums.push({ id: 'a1', name: 'Shown', photos: ['shown.jpg', 'done.jpg'], createdAt: '2026-01-01T00:00:00.000Z' });
  library.displays.push({ id: 'd1', name: 'Kitchen', albumId: 'a1', hostname: null, addedAt: '2026-01-01T00:00:00.000Z' });
  const plan = planPreparation(library, [{ width: 1920, height: 1080 }, { width: 1280, height: 720 }, { width: 1920, height: 1080 }]);
  assert.equal(plan.map((job) => job.name), ['shown.jpg', 'old.jpg', 'new.jpg']);
  assert.equal(plan[0]!.rungs, [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }], 'each rung once, smallest first');
  assert.ok(touchesShownAlbum(library, ['shown.jpg']));
  assert.not.ok(touchesShownAlbum(library, ['old.jpg']));
  // A small photo snaps to the rung that holds it whole; a portrait screen to a portrait rung.
  assert.equal(rungsFor({ width: 600, height: 400 }, [{ width: 3840, height: 2160 }]), [{ width: 1280, height: 720 }]);
  assert.equal(rungsFor({ width: 4000, height: 3000 }, [{ width: 1080, height: 1920 }]), [{ width: 1080, height: 1920 }]);
  assert.equal(rungsFor({ width: 20000, height: 20000 }, [DEFAULT_DISPLAY_SIZE]), [], 'too large for the image server to render: no renditions');
  assert.equal(sizesInUse([null, undefined, { width: 1280, height: 720 }, { width: 1280, height: 720 }]), [{ width: 1280, height: 720 }]);
  assert.equal(sizesInUse([null]), [DEFAULT_DISPLAY_SIZE], 'no display told its size: 1080p');
});

test('preparation progress: rate and ETA from counts and elapsed time', () => {
  assert.equal(preparationProgressAt({ total: 100, done: 0, ready: 0, failed: 0 }, 0), { total: 100, done: 0, ready: 0, failed: 0, elapsedMs: 0, rate: 0, etaMs: null });
  const half = preparationProgressAt({ total: 100, done: 50, ready: 48, failed: 2 }, 10_000);
  assert.is(half.rate, 5);
  assert.is(half.etaMs, 10_000);
});

test('the work queue\'s background lane: it runs only in free slots, and a display request waits behind at most one background job per slot', async () => {
  const queue = new WorkQueue(2, 8);
  const order: string[] = [];
  const gates = new Map<string, () => void>();
  const job = (name: string) => () => {
    order.push(`start ${name}`);
    return new Promise<void>((resolve) => gates.set(name, () => (order.push(`end ${name}`), resolve())));
  };
  const background = ['b1', 'b2', 'b3', 'b4'].map((name) => queue.runBackground(job(name)));
  await Promise.resolve();
  assert.equal(order, ['start b1', 'start b2'], 'the backlog takes the free slots, no more');
  const display = queue.run(job('display'));
  gates.get('b1')!();
  await background[0];
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(order.slice(-2), ['end b1', 'start display'], 'the freed slot goes to the display request, not to b3');
  gates.get('display')!();
  await display;
  for (const name of ['b2', 'b3', 'b4']) {
    await new Promise((resolve) => setImmediate(resolve));
    gates.get(name)?.();
  }
  await new Promise((resolve) => setImmediate(resolve));
  gates.get('b4')?.();
  await Promise.all(background);
  assert.equal(queue.load, { running: 0, waiting: 0, waitingBackground: 0 });
});

test.run();
