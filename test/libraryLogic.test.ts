import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveRange } from '../console/imageServer/byteRange.ts';
import { WorkQueue, QueueFullError } from '../console/imageServer/workQueue.ts';
import { formatOfHeader } from '../data/photos/fileHeader.ts';
import { commitDue } from '../data/photos/importPhotos.ts';
import { progressAt, progressBar, scanningProgress } from '../data/photos/importProgress.ts';
import { oneLine, textOfPathBytes } from '../data/photos/pathText.ts';
import { SIZE_LADDER, snapToLadder } from '../data/renditions/sizeLadder.ts';

test('sizes snap up to a ladder rung of the same orientation, never past the rung that holds the whole photo', () => {
  const big = { width: 6000, height: 4000 };
  assert.equal(snapToLadder({ width: 200, height: 200 }, big), { width: 640, height: 360 });
  assert.equal(snapToLadder({ width: 1920, height: 1080 }, big), { width: 1920, height: 1080 });
  assert.equal(snapToLadder({ width: 1921, height: 1000 }, big), { width: 2560, height: 1440 });
  assert.equal(snapToLadder({ width: 1080, height: 1920 }, big), { width: 1080, height: 1920 });
  assert.equal(snapToLadder({ width: 8192, height: 8192 }, big), { width: 3840, height: 2160 });
  assert.equal(snapToLadder({ width: 3840, height: 2160 }, { width: 800, height: 600 }), { width: 1280, height: 720 });
  for (let w = 1; w <= 8192; w += 97) {
    for (let h = 1; h <= 8192; h += 89) assert.ok(SIZE_LADDER.some((rung) => rung.width === snapToLadder({ width: w, height: h }, big).width));
  }
});

test('byte ranges: first-last, open-ended, suffix, unsatisfiable, and malformed answered whole', () => {
  assert.equal(resolveRange('bytes=0-99', 1000), { kind: 'partial', start: 0, end: 99 });
  assert.equal(resolveRange('bytes=900-', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.equal(resolveRange('bytes=-100', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.equal(resolveRange('bytes=990-5000', 1000), { kind: 'partial', start: 990, end: 999 });
  assert.equal(resolveRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.equal(resolveRange('bytes=0-1,5-9', 1000), { kind: 'whole' });
  assert.equal(resolveRange(undefined, 1000), { kind: 'whole' });
});

test('file signatures: each format, an iPhone HEIC by its compatible brands, and a video named .jpg', () => {
  const ftyp = (major: string, ...compatible: string[]) => {
    const box = Buffer.alloc(16 + 4 * compatible.length);
    box.writeUInt32BE(box.length, 0);
    box.write(`ftyp${major}`, 4, 'latin1');
    compatible.forEach((brand, i) => box.write(brand, 16 + 4 * i, 'latin1'));
    return box;
  };
  assert.is(formatOfHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe1])), 'jpeg');
  assert.is(formatOfHeader(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1')), 'png');
  assert.is(formatOfHeader(Buffer.from('GIF89a', 'latin1')), 'gif');
  assert.is(formatOfHeader(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1')), 'webp');
  assert.is(formatOfHeader(Buffer.from('II*\0', 'latin1')), 'tiff');
  assert.is(formatOfHeader(ftyp('mif1', 'mif1', 'heic')), 'heif');
  assert.is(formatOfHeader(ftyp('avif', 'mif1', 'avif')), 'avif');
  assert.is(formatOfHeader(ftyp('isom', 'isom', 'mp41')), null);
  assert.is(formatOfHeader(Buffer.alloc(32)), null);
});

test('path bytes become text: UTF-8 kept, stray bytes escaped; report text never spans lines', () => {
  assert.is(textOfPathBytes(Buffer.from('/photos/été.jpg')), '/photos/été.jpg');
  assert.is(textOfPathBytes(Buffer.from([0x2f, 0x63, 0x61, 0x66, 0xe9, 0x2e, 0x6a, 0x70, 0x67])), '/caf\\xE9.jpg');
  assert.is(textOfPathBytes(Buffer.from([0x61, 0xc3, 0xa9, 0xff, 0xe2, 0x82])), 'aé\\xFF\\xE2\\x82');
  assert.is(oneLine('a\nb\rc\td\u2028e\u0007'), 'a\\nb\\rc\\td\\u2028e\\x07');
});

test('progress: rate, ETA and a bar from counts and elapsed time', () => {
  const counts = { total: 1000, done: 250, imported: 200, duplicates: 10, unchanged: 30, skipped: 10 };
  const progress = progressAt(counts, 10_000);
  assert.is(progress.rate, 25);
  assert.is(progress.etaMs, 30_000);
  assert.is(progressBar(progress, 10), '[###.......] 250/1000  25%  25.0/s  ETA 0:30');
  assert.is(progressAt({ ...counts, done: 0 }, 0).etaMs, null);
  assert.is(progressBar(scanningProgress(12_345, 800)), 'scanning: 12345 files found');
});

test('import commits come after a batch or a second, and keep writing under a tenth of the time', () => {
  assert.ok(commitDue(1, { startedAt: 0, tookMs: 0 }, 1000), 'the first photo is recorded at once: the queue can start');
  assert.not.ok(commitDue(0, { startedAt: 0, tookMs: 0 }, 1000));
  assert.not.ok(commitDue(10, { startedAt: 5000, tookMs: 5 }, 5500), 'half a second after the last write: not yet');
  assert.ok(commitDue(10, { startedAt: 5000, tookMs: 5 }, 6000), 'a second after it');
  assert.ok(commitDue(250, { startedAt: 5000, tookMs: 5 }, 5100), 'a batch is due at once');
  assert.not.ok(commitDue(250, { startedAt: 0, tookMs: 3000 }, 20_000), 'a 3 s write waits 30 s');
  assert.ok(commitDue(250, { startedAt: 0, tookMs: 3000 }, 30_000));
});

test('the work queue runs at most its concurrency and refuses beyond its backlog', async () => {
  const queue = new WorkQueue(2, 1);
  let running = 0;
  let most = 0;
  const releases: (() => void)[] = [];
  const job = () =>
    queue.run(async () => {
      most = Math.max(most, ++running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
    });
  const jobs = [job(), job(), job()];
  await new Promise((resolve) => setImmediate(resolve));
  let refused: unknown = null;
  await job().catch((error: unknown) => (refused = error));
  assert.ok(refused instanceof QueueFullError);
  while (releases.length > 0 || running > 0) {
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(jobs);
  assert.is(most, 2);
});

test.run();
