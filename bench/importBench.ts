/**
 * Import at disk speed (issue 16): the foreground import of photo-like 12 MP
 * JPEGs against the floor (`cp` plus `sha256sum` of the same files at the
 * same parallelism) and against `vipsthumbnail -s 320`; the foreground plus
 * the background preparation until every photo is ready, the queue run as
 * `photoframe import` runs it (its own niced `photoframe prepare`, started at
 * the first photo recorded, checking beside the import); the projection to
 * 50,000 photos; and a display's first request for a photo imported earlier
 * against a rendition already cached, through the real image server.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { homePaths } from '../common/homePaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { readinessCounts } from '../data/library/photoReadiness.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { preparePending } from '../data/preparation/preparationRunner.ts';
import { ensureAlbum } from '../data/library/albums.ts';
import { PREPARE_NICENESS, waitUntilPrepared } from '../console/preparation/preparationHooks.ts';
import { renditionPath } from '../data/renditions/renditions.ts';
import { snapToLadder } from '../data/renditions/sizeLadder.ts';
import { createImageServer } from '../console/imageServer/imageServer.ts';
import { interleavedMedians, percentile, printTable, timeMs, type Sample } from './benchHarness.ts';
import { writeJpegVariants } from './jpegVariants.ts';
import { benchPhoto } from './photoFixtures.ts';

const run = promisify(execFile);
const cores = availableParallelism();

/** The one display of the bench: a 1080p screen, so each photo gets one rendition beside its thumbnail. */
const SCREEN = { width: 1920, height: 1080 };

/** As many as the CLI figure: enough that a second's load spike is a few percent, not the result. */
export const IMPORT_BENCH_PHOTOS = 240;

/** `files` dealt round-robin into `cores` shares, none empty: the same parallelism as the import's. */
function shares(files: readonly string[]): string[][] {
  return Array.from({ length: cores }, (_, i) => files.filter((_, j) => j % cores === i)).filter((share) => share.length > 0);
}

/**
 * Between measurements, untimed: what one left in the page cache to write
 * back must not be written during the next (our import fsyncs, and would pay
 * for the floor's copies).
 */
async function settle(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await run('sync', []);
}

/**
 * The floor: each share hashed by one `sha256sum` and copied by one `cp`, the
 * shares at once. `durable`: and the copies fsynced (`sync FILE...`), as the
 * import must before it records them.
 */
async function floorMs(files: readonly string[], outDir: string, durable = false): Promise<number> {
  await mkdir(outDir, { recursive: true });
  const ms = await timeMs(() =>
    Promise.all(shares(files).map(async (share) => {
      await run('sha256sum', share, { maxBuffer: 1 << 24 });
      await run('cp', [...share, outDir]);
      if (durable) await run('sync', share.map((file) => join(outDir, basename(file))));
    })),
  );
  await settle(outDir);
  return ms;
}

/** `vipsthumbnail -s 320`, one process per share, the shares at once. */
async function vipsthumbnailMs(files: readonly string[], outDir: string): Promise<number> {
  await mkdir(outDir, { recursive: true });
  const ms = await timeMs(() => Promise.all(shares(files).map((share) => run('vipsthumbnail', ['-s', '320', '-o', `${outDir}/%s.jpg[Q=80]`, ...share]))));
  await settle(outDir);
  return ms;
}

/**
 * The queue's outputs made by vipsthumbnail instead: a 1080p rendition of
 * each photo (Q 88, as ours), then a 320-pixel thumbnail of that rendition,
 * one process per share: the same work, done by the tool a user would pick.
 */
async function vipsSameOutputsMs(files: readonly string[], outDir: string): Promise<number> {
  await mkdir(join(outDir, 'thumbs'), { recursive: true });
  const ms = await timeMs(() =>
    Promise.all(shares(files).map(async (share) => {
      await run('vipsthumbnail', ['-s', `${SCREEN.width}x${SCREEN.height}`, '-o', `${outDir}/%s.jpg[Q=88]`, ...share]);
      const renditions = share.map((file) => join(outDir, `${basename(file, '.jpg')}.jpg`));
      await run('vipsthumbnail', ['-s', '320', '-o', `${outDir}/thumbs/%s.jpg[Q=80]`, ...renditions]);
    })),
  );
  await settle(outDir);
  return ms;
}

/** A display showing the album "Bench" (the rendition pass prepares shown photos). */
async function showOnDisplay(store: LibraryStore): Promise<void> {
  await store.update((library) => {
    library.displays.push({ id: 'bench', name: 'bench', albumId: ensureAlbum(library, 'Bench').id, hostname: null, addedAt: new Date().toISOString() });
  });
}

/**
 * `photoframe prepare` for `home`, started as the import starts it (niced,
 * see preparationHooks.ts). No etcd runs: it prepares for 1080p screens, the
 * bench's one size.
 */
function startPrepare(home: string): ChildProcess {
  const cli = fileURLToPath(new URL('../bin/photoframe.mjs', import.meta.url));
  return spawn('nice', ['-n', String(PREPARE_NICENESS), process.execPath, cli, 'prepare'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PHOTOFRAME_HOME: home, PHOTOFRAME_ETCD: 'http://127.0.0.1:9', PHOTOFRAME_LOG: 'error' },
  });
}

/** The 12 MP inputs: four encoded photos, the rest byte-different copies of them (see jpegVariants.ts). */
export async function twelveMegapixelFolder(scratch: string, count: number): Promise<string[]> {
  const dir = join(scratch, 'import-12mp');
  await mkdir(dir, { recursive: true });
  const bases = await Promise.all([0, 1, 2, 3].map(async (seed) => {
    const path = join(scratch, `base-12mp-${seed}.jpg`);
    await benchPhoto(path, 4000, 3000, seed);
    return path;
  }));
  const files = Array.from({ length: count }, (_, i) => join(dir, `IMG_${String(i).padStart(4, '0')}.jpg`));
  for (const [b, base] of bases.entries()) await writeJpegVariants(base, files.filter((_, i) => i % bases.length === b));
  return files;
}

export async function importSamples(scratch: string, count = IMPORT_BENCH_PHOTOS): Promise<Sample[]> {
  const files = await twelveMegapixelFolder(scratch, count);
  const dir = join(scratch, 'import-12mp');
  // One round of ours gives three times: the foreground alone, then until every photo is ready, then rendered too.
  const foreground: number[] = [];
  const toReady: number[] = [];
  const toRendered: number[] = [];
  const ours = async () => {
    const home = await mkdtemp(join(scratch, 'home-'));
    const paths = homePaths(home);
    const store = new LibraryStore(paths.store);
    // Shown on a display, as a first day's import is: the rendition pass makes renditions for shown photos only.
    await showOnDisplay(store);
    let runner: ChildProcess | null = null;
    const start = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - start) / 1e6;
    // As `photoframe import` does: the queue's own niced process starts at the first photo recorded and checks beside the import.
    await importPhotos(store, paths, { sources: [dir], album: 'Bench', onRecorded: () => void (runner ??= startPrepare(home)) });
    foreground.push(since());
    if (runner === null) throw new Error('bench import: nothing was recorded');
    const exited = once(runner, 'exit');
    let said = '';
    (runner as ChildProcess).stderr!.on('data', (part: Buffer) => (said += part.toString()));
    await waitUntilPrepared(store);
    toReady.push(since());
    const [code] = (await exited) as [number | null];
    toRendered.push(since());
    const counts = readinessCounts(await store.read());
    await settle(home);
    if (code !== 0) throw new Error(`bench import: photoframe prepare exited with ${code}: ${said}`);
    // A figure for photos that are not all ready would measure something else.
    if (counts.ready !== count) throw new Error(`bench import: ${counts.ready} of ${count} photos ready (${counts.preparing} preparing, ${counts.failed} failed)`);
    return 0;
  };
  await run('sync', []);
  const [, floor, durableFloor, vips, vipsSame] = (await interleavedMedians(3, [
    ours,
    () => floorMs(files, join(scratch, 'floor-copy')),
    () => floorMs(files, join(scratch, 'floor-durable'), true),
    () => vipsthumbnailMs(files, join(scratch, 'vips-thumbs')),
    () => vipsSameOutputsMs(files, join(scratch, 'vips-same')),
  ])) as [number, number, number, number, number];
  const fg = percentile(foreground, 50);
  const all = percentile(toReady, 50);
  const rendered = percentile(toRendered, 50);
  const rate = (ms: number) => count / (ms / 1000);
  const name = `import ${count} × 12 MP JPEG, foreground (metadata, hash, copy, record)`;
  return [
    { name, unit: 'photos/s', ours: rate(fg), reference: rate(floor), referenceName: `the floor: sha256sum + cp, ${cores} processes (target ≥ 0.7×)`, lowerIsBetter: false },
    { name, unit: 'photos/s', ours: rate(fg), reference: rate(durableFloor), referenceName: `the floor made durable: + sync of the copies (fsync), ${cores} processes`, lowerIsBetter: false },
    { name, unit: 'photos/s', ours: rate(fg), reference: rate(vips), referenceName: `vipsthumbnail -s 320, ${cores} processes (target ≥ 1.7×)`, lowerIsBetter: false },
    {
      name: `import ${count} × 12 MP JPEG, foreground + background until all ready (check pass: full decode, thumbnail)`,
      unit: 'photos/s',
      ours: rate(all),
      reference: rate(vips),
      referenceName: `vipsthumbnail -s 320, ${cores} processes (target ≥ 0.9×)`,
      lowerIsBetter: false,
    },
    {
      name: `import ${count} × 12 MP JPEG, foreground + background until all rendered too (check, thumbnail, then 1080p renditions)`,
      unit: 'photos/s',
      ours: rate(rendered),
      reference: rate(vipsSame),
      referenceName: `vipsthumbnail making the same outputs (1080p Q88, then 320 of it), ${cores} processes, no copy or hash`,
      lowerIsBetter: false,
    },
    {
      name: 'projected foreground import of 50,000 such photos',
      unit: 'min',
      ours: 50_000 / rate(fg) / 60,
      reference: 50_000 / rate(floor) / 60,
      referenceName: 'the floor at its rate above (target: ours ≤ 12 min)',
      lowerIsBetter: true,
    },
    ...(await firstRequestSamples(scratch, files.slice(0, 13))),
  ];
}

/**
 * A display asks for photos imported earlier (their preparation long done)
 * for the first time, through the real image server, against the same
 * requests once the server has served them, taken in turns. Both after one
 * request warmed the server up, so the difference is what a first request costs: it must
 * be served from the rendition the queue left, not made while the display
 * waits (checked: the file the queue wrote is the one still there).
 */
async function firstRequestSamples(scratch: string, photos: readonly string[]): Promise<Sample[]> {
  const home = await mkdtemp(join(scratch, 'home-first-'));
  const paths = homePaths(home);
  const store = new LibraryStore(paths.store);
  const report = await importPhotos(store, paths, { sources: photos, album: 'Bench' });
  await showOnDisplay(store);
  await preparePending(store, paths, { sizes: [SCREEN] });
  const records = report.imported;
  const preparedFile = (record: (typeof records)[number]) => {
    const rung = snapToLadder(SCREEN, { width: record.width, height: record.height });
    return renditionPath(paths.renditions, record.name, rung.width, rung.height);
  };
  // A hit refreshes the file's times (the cache's order); a rendition made again is a new file (atomic write).
  const inodes = await Promise.all(records.map(async (record) => (await stat(preparedFile(record)).catch(() => null))?.ino ?? null));
  const token = 'bench-token-0123456789abcdef';
  const server = createImageServer({ paths, token });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/images`;
  const request = async (name: string) => {
    const response = await fetch(`${base}/${name}?w=${SCREEN.width}&h=${SCREEN.height}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`bench first request: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  try {
    await request(records[0]!.name);
    // Each first request beside a repeat of one already served: load that comes and goes falls on both.
    const first: number[] = [];
    const again: number[] = [];
    for (const [i, record] of records.slice(1).entries()) {
      first.push(await timeMs(() => request(record.name)));
      again.push(await timeMs(() => request(records[i]!.name)));
    }
    const kept = await Promise.all(records.map(async (record, i) => inodes[i] !== null && (await stat(preparedFile(record)).catch(() => null))?.ino === inodes[i]));
    const fromQueue = kept.filter(Boolean).length;
    return [
      {
        name: `a display's first request for a photo imported earlier (1080p, median of ${first.length})`,
        unit: 'ms',
        ours: percentile(first, 50),
        reference: percentile(again, 50),
        referenceName: `the same requests once served, a cached rendition (target ≈ 1×; served from the queue's file: ${fromQueue} of ${records.length})`,
        lowerIsBetter: true,
      },
    ];
  } finally {
    server.close();
    await rm(home, { recursive: true, force: true });
  }
}

// `node --import tsx bench/importBench.ts [COUNT]` runs this part alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.PHOTOFRAME_LOG ??= 'error';
  const scratch = await mkdtemp(join(tmpdir(), 'photoframe-bench-import-'));
  try {
    printTable(await importSamples(scratch, process.argv[2] ? Number(process.argv[2]) : undefined));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
