import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emptyLibrary, type Library, type PhotoRecord } from '../data/library/librarySchema.ts';
import { progressAt } from '../data/photos/importProgress.ts';
import { elapsedText, etaText, foregroundJson, foregroundText, preparationJson, preparationText, twoPhaseText } from '../data/photos/phaseProgressText.ts';
import { failureEventLines, FAILURE_EVENTS_AT_ONCE, finishedRun, newlyFailed, nextQueueRun, PreparationWatch } from '../console/state/preparationWatch.ts';

function photo(name: string, state?: PhotoRecord['state'], failure?: string): PhotoRecord {
  return {
    name, sha256: name, format: 'jpeg', width: 4000, height: 3000, orientation: 1, takenAt: null, takenAtOffset: null, takenAtSource: null,
    shape: 'H', camera: null, gps: null, title: null, keywords: [], bytes: 1, importedAt: '2026-01-01T00:00:00.000Z', sources: [], sourceStamps: {},
    storage: 'copy', ...(state ? { state } : {}), ...(failure ? { failure } : {}),
  };
}

function libraryOf(photos: PhotoRecord[]): Library {
  const library = emptyLibrary();
  for (const p of photos) library.photos[p.name] = p;
  return library;
}

const counts = { imported: 50_000, duplicates: 0, unchanged: 0, skipped: 0 };

test("the issue's line: both phases, counts with separators, an elapsed time exact and an ETA coarse", () => {
  const foreground = progressAt({ ...counts, total: 50_000, done: 50_000 }, 250_000);
  const background = { total: 50_000, done: 31_200, ready: 31_200, failed: 0, elapsedMs: 300_000, rate: 104, etaMs: 11.4 * 60_000 };
  assert.is(twoPhaseText(foreground, background), 'imported 50,000 in 4 min 10 s; preparing 31,200 of 50,000, ETA 12 min');
  assert.is(twoPhaseText(foreground, null), 'imported 50,000 in 4 min 10 s');
  assert.is(twoPhaseText(foreground, 'preparing them in the background'), 'imported 50,000 in 4 min 10 s; preparing them in the background');
});

test('foreground text: scanning, importing with its ETA, done with how many were new', () => {
  assert.is(foregroundText({ phase: 'scanning', total: 1200, done: 0, imported: 0, duplicates: 0, unchanged: 0, skipped: 0, elapsedMs: 10, rate: 0, etaMs: null }), 'scanning: 1,200 files found');
  assert.is(foregroundText(progressAt({ ...counts, total: 50_000, done: 0, imported: 0 }, 0)), 'importing 0 of 50,000');
  assert.is(foregroundText(progressAt({ ...counts, total: 50_000, done: 12_400, imported: 12_400 }, 62_000)), 'importing 12,400 of 50,000, ETA 3 min 10 s');
  assert.is(foregroundText(progressAt({ ...counts, total: 100, done: 100, imported: 60 }, 2_000)), 'imported 100 (60 new) in 2.0 s');
});

test('preparation text: running with failures counted, finished, and nothing to do', () => {
  assert.is(preparationText({ total: 10, done: 4, ready: 3, failed: 1, elapsedMs: 4000, rate: 1, etaMs: null }), 'preparing 4 of 10, 1 failed');
  assert.is(preparationText({ total: 10, done: 4, ready: 4, failed: 0, elapsedMs: 4000, rate: 1, etaMs: 6000 }), 'preparing 4 of 10, ETA 10 s');
  assert.is(preparationText({ total: 1_000, done: 1_000, ready: 998, failed: 2, elapsedMs: 75_000, rate: 13, etaMs: 0 }), 'prepared 1,000 in 1 min 15 s, 2 failed');
  assert.is(preparationText({ total: 0, done: 0, ready: 0, failed: 0, elapsedMs: 0, rate: 0, etaMs: null }), 'nothing to prepare');
  // After every check, the rendition pass reports apart: readiness is done, the displays' renditions come.
  assert.is(preparationText({ total: 240, done: 240, ready: 240, failed: 0, elapsedMs: 12_000, rate: 20, etaMs: 0, rendered: 35 }), 'prepared 240 in 12 s; rendering: 35 renditions made');
});

test('times: elapsed exact to the second, ETA rounded up and never zero while work is left', () => {
  assert.equal([0, 450, 9_949, 45_000, 60_000, 250_000, 3_600_000, 3_900_000].map(elapsedText), ['0.0 s', '0.5 s', '9.9 s', '45 s', '1 min', '4 min 10 s', '1 h', '1 h 5 min']);
  assert.equal([1, 4_000, 59_000, 61_000, 599_000, 600_001, 3_599_000, 3_600_001, 5_400_000].map(etaText), ['5 s', '5 s', '60 s', '1 min 10 s', '10 min', '11 min', '1 h', '1 h 1 min', '1 h 30 min']);
});

test('JSON lines: the same type for both phases, told apart by phase; rates to two decimals, times whole', () => {
  const foreground = foregroundJson(progressAt({ ...counts, total: 3, done: 1, imported: 1 }, 1500));
  assert.equal(foreground, { type: 'progress', phase: 'importing', total: 3, done: 1, imported: 1, duplicates: 0, unchanged: 0, skipped: 0, elapsedMs: 1500, rate: 0.67, etaMs: 3000 });
  const background = preparationJson({ total: 3, done: 2, ready: 1, failed: 1, elapsedMs: 1234.5, rate: 1.6204, etaMs: 617.3 });
  assert.equal(background, { type: 'progress', phase: 'preparing', total: 3, done: 2, ready: 1, failed: 1, elapsedMs: 1235, rate: 1.62, etaMs: 617 });
  assert.equal(JSON.parse(JSON.stringify(background)), background);
});

test("the console's queue: a run starts when photos prepare, counts what it saw done, grows with a later import, ends at none", () => {
  let run = nextQueueRun(null, { ready: 5, preparing: 10, failed: 0 }, 1000);
  assert.equal(run!.standing, { total: 10, done: 0, ready: 0, failed: 0, elapsedMs: 0, rate: 0, etaMs: null });
  run = nextQueueRun(run, { ready: 9, preparing: 5, failed: 1 }, 6000);
  assert.equal(run!.standing, { total: 10, done: 5, ready: 4, failed: 1, elapsedMs: 5000, rate: 1, etaMs: 5000 });
  // An import adds 20 while 2 more finish: the total grows by what arrived.
  run = nextQueueRun(run, { ready: 11, preparing: 23, failed: 1 }, 8000);
  assert.equal([run!.standing.done, run!.standing.total], [7, 30]);
  // Photos deleted while preparing: done never goes backwards.
  run = nextQueueRun(run, { ready: 5, preparing: 20, failed: 1 }, 9000);
  assert.equal([run!.standing.done, run!.standing.total], [7, 30]);
  assert.is(nextQueueRun(run, { ready: 40, preparing: 0, failed: 1 }, 10_000), null);
  // Its end, as a waiting import shows it: everything done, the failures of this run counted.
  assert.equal(finishedRun(run!, { ready: 40, preparing: 0, failed: 2 }, 16_000), { total: 30, done: 30, ready: 28, failed: 2, elapsedMs: 15_000, rate: 2, etaMs: 0 });
});

test('failures: each photo newly failed once, albums-only changes cost nothing, many failures summed up', () => {
  const before = libraryOf([photo('a.jpg', 'preparing'), photo('b.jpg', 'preparing'), photo('c.jpg', 'failed', 'old')]);
  const after = libraryOf([photo('a.jpg'), photo('b.jpg', 'failed', 'VipsJpeg: premature end of JPEG file'), photo('c.jpg', 'failed', 'old')]);
  assert.equal(newlyFailed(before, after).map((p) => p.name), ['b.jpg']);
  assert.equal(newlyFailed(after, { ...after, albums: [] }), []);
  assert.equal(failureEventLines(newlyFailed(before, after), (p) => p.name), ['b.jpg failed its check: VipsJpeg: premature end of JPEG file; kept off the displays']);
  const many = Array.from({ length: FAILURE_EVENTS_AT_ONCE + 3 }, (_, i) => photo(`${i}.jpg`, 'failed', 'corrupt'));
  const lines = failureEventLines(many, (p) => p.name);
  assert.is(lines.length, FAILURE_EVENTS_AT_ONCE + 1);
  assert.is(lines.at(-1), '3 more photos failed their check (Photos view, STATE column)');

  let now = 0;
  const watch = new PreparationWatch(before, () => now);
  assert.equal(watch.standing(), { total: 3 - 1, done: 0, ready: 0, failed: 0, elapsedMs: 0, rate: 0, etaMs: null });
  now = 2000;
  assert.equal(watch.observe(after).map((p) => p.name), ['b.jpg']);
  assert.is(watch.standing(), null);
  assert.equal(watch.observe(after), []);
});

test.run();
