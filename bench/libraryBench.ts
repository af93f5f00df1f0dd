/**
 * Library at scale (issue 7): import throughput against vipsthumbnail, a
 * 24-megapixel rendition against Pillow and vipsthumbnail, the store with
 * 100,000 photos against bare JSON, and peak memory of an import by size.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { homePaths } from '../common/homePaths.ts';
import { emptyLibrary, type Library, type PhotoRecord } from '../data/library/librarySchema.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { makeDisplayRendition } from '../data/renditions/renditions.ts';
import { medianMs, timeMs, type Sample } from './benchHarness.ts';
import { writeJpegVariants } from './jpegVariants.ts';
import { benchPhoto } from './photoFixtures.ts';

const run = promisify(execFile);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const cores = availableParallelism();

export async function libraryBenchmarks(scratch: string): Promise<Sample[]> {
  return [...(await importThroughput(scratch)), ...(await rendition24mp(scratch)), ...(await storeAt100k(scratch)), ...(await importPeakRss(scratch))];
}

/** Spreads files over `cores` vipsthumbnail processes at once: the same parallelism as our import. */
async function vipsthumbnailAll(files: string[], outDir: string, size: string): Promise<number> {
  await mkdir(outDir, { recursive: true });
  const shares = Array.from({ length: cores }, (_, i) => files.filter((_, j) => j % cores === i)).filter((share) => share.length > 0);
  return timeMs(() => Promise.all(shares.map((share) => run('vipsthumbnail', ['-s', size, '-o', `${outDir}/%s.jpg[Q=80]`, ...share]))));
}

async function importThroughput(scratch: string): Promise<Sample[]> {
  const count = 32;
  const dir = join(scratch, 'import-12mp');
  const bases = await Promise.all([0, 1, 2, 3].map(async (seed) => {
    const path = join(scratch, `base-12mp-${seed}.jpg`);
    await benchPhoto(path, 4000, 3000, seed);
    return path;
  }));
  await mkdir(dir, { recursive: true });
  const files = Array.from({ length: count }, (_, i) => join(dir, `IMG_${String(i).padStart(4, '0')}.jpg`));
  for (const [b, base] of bases.entries()) await writeJpegVariants(base, files.filter((_, i) => i % bases.length === b));

  const paths = homePaths(await mkdtemp(join(scratch, 'home-')));
  const ours = await timeMs(() => importPhotos(new LibraryStore(paths.store), paths, { sources: [dir] }));
  const reference = await vipsthumbnailAll(files, join(scratch, 'vips-thumbs'), '320');
  const oursRate = count / (ours / 1000);
  const vipsRate = count / (reference / 1000);
  return [
    {
      name: `import ${count} × 12 MP JPEG (thumbnail, metadata, copy, store)`,
      unit: 'photos/s',
      ours: oursRate,
      reference: vipsRate,
      referenceName: `vipsthumbnail -s 320, ${cores} processes (thumbnails only)`,
      lowerIsBetter: false,
    },
    {
      name: 'projected import of 50,000 such photos',
      unit: 'min',
      ours: 50_000 / oursRate / 60,
      reference: 50_000 / vipsRate / 60,
      referenceName: 'vipsthumbnail at its rate above (target: ours ≤ 20 min)',
      lowerIsBetter: true,
    },
  ];
}

async function rendition24mp(scratch: string): Promise<Sample[]> {
  const source = join(scratch, 'photo-24mp.jpg');
  await benchPhoto(source, 6000, 4000, 42);
  const out = (name: string) => join(scratch, `rendition-${name}.jpg`);
  const runs = 5;

  const ours = await medianMs(() => makeDisplayRendition(source, 1920, 1080), runs, 1);
  const oursMemory = JSON.parse((await run(process.execPath, ['--import', 'tsx', here('./renditionOnce.ts'), source, '1920', '1080', out('ours')])).stdout) as {
    maxRssKb: number;
    baselineKb: number;
  };
  const pil = JSON.parse((await run('/usr/bin/python3', [here('./renditionPil.py'), source, out('pil'), '1920', '1080', String(runs)])).stdout) as { ms: number; maxRssKb: number };
  const vips = await medianMs(() => run('vipsthumbnail', ['-s', '1920x1080', '-o', `${out('vips')}[Q=88]`, source]), runs, 1);
  const vipsMemory = Number((await run('/usr/bin/time', ['-f', '%M', 'vipsthumbnail', '-s', '1920x1080', '-o', `${out('vips')}[Q=88]`, source])).stderr.trim().split('\n').pop());
  const name = 'rendition 24 MP JPEG → 1920×1080';
  const mb = (kb: number) => kb / 1024;
  return [
    { name: `${name}, time`, unit: 'ms', ours, reference: pil.ms, referenceName: 'Python Pillow thumbnail() (draft mode)', lowerIsBetter: true },
    { name: `${name}, time`, unit: 'ms', ours, reference: vips, referenceName: 'vipsthumbnail (includes its process start)', lowerIsBetter: true },
    {
      name: `${name}, peak RSS above runtime`,
      unit: 'MB',
      ours: mb(oursMemory.maxRssKb - oursMemory.baselineKb),
      reference: mb(pil.maxRssKb),
      referenceName: `Pillow's whole process (ours in all: ${mb(oursMemory.maxRssKb).toFixed(0)} MB with Node)`,
      lowerIsBetter: true,
    },
    {
      name: `${name}, peak RSS above runtime`,
      unit: 'MB',
      ours: mb(oursMemory.maxRssKb - oursMemory.baselineKb),
      reference: mb(vipsMemory),
      referenceName: "vipsthumbnail's whole process",
      lowerIsBetter: true,
    },
  ];
}

function syntheticPhoto(i: number): PhotoRecord {
  const name = `${i.toString(16).padStart(24, '0')}.jpg`;
  const day = String((i % 28) + 1).padStart(2, '0');
  return {
    name,
    sha256: `${name.slice(0, 24)}${'ab'.repeat(20)}`,
    format: 'jpeg',
    width: i % 3 === 0 ? 3000 : 4000,
    height: i % 3 === 0 ? 4000 : 3000,
    orientation: 1,
    shape: i % 3 === 0 ? 'V' : 'H',
    takenAt: `20${10 + (i % 15)}-0${(i % 9) + 1}-${day}T12:${String(i % 60).padStart(2, '0')}:00`,
    takenAtOffset: '+01:00',
    takenAtSource: 'exif',
    camera: i % 2 ? 'Apple iPhone 13' : 'Canon EOS R6',
    gps: i % 4 ? { latitude: 48.85 + (i % 100) / 1000, longitude: 2.35 } : null,
    title: i % 10 ? null : `Holiday ${i}`,
    keywords: i % 5 ? [] : ['family', 'sea'],
    bytes: 4_000_000 + i,
    importedAt: '2026-11-22T10:00:00.000Z',
    sources: [`/home/user/Pictures/${2010 + (i % 15)}/IMG_${i}.jpg`],
    sourceStamps: { [`/home/user/Pictures/${2010 + (i % 15)}/IMG_${i}.jpg`]: `${4_000_000 + i}:1700000000000` },
    storage: 'copy',
  };
}

export async function storeAt100k(scratch: string): Promise<Sample[]> {
  const count = 100_000;
  const library: Library = emptyLibrary();
  for (let i = 0; i < count; i++) library.photos[syntheticPhoto(i).name] = syntheticPhoto(i);
  library.albums.push({ id: 'a1', name: 'Everything', photos: Object.keys(library.photos), createdAt: '2026-11-22T10:00:00.000Z' });
  const path = join(scratch, 'library-100k.json');
  const store = new LibraryStore(path);
  await store.update((draft) => Object.assign(draft, library));
  const plainPath = join(scratch, 'plain-100k.json');
  const text = JSON.stringify(library);
  await writeFile(plainPath, text);
  const sizeMb = (await readFile(path)).length / 1024 ** 2;
  const runs = 3;
  const loaded = await store.read();
  const filter = (lib: Library) => Object.values(lib.photos).filter((p) => p.shape === 'V' && p.takenAt!.startsWith('2019') && p.keywords.includes('family')).length;
  return [
    {
      name: `store load, 100,000 photos (${sizeMb.toFixed(0)} MB)`,
      unit: 'ms',
      ours: await medianMs(() => new LibraryStore(path).read(), runs, 1),
      reference: await medianMs(async () => JSON.parse(await readFile(plainPath, 'utf8')), runs, 1),
      referenceName: 'readFile + JSON.parse (target ≤ 1.5×)',
      lowerIsBetter: true,
    },
    {
      name: 'store update (lock, read, change, durable write), 100,000 photos',
      unit: 'ms',
      ours: await medianMs(() => store.update((draft) => void (draft.albums[0]!.name = `Everything ${Date.now()}`)), runs, 1),
      reference: await medianMs(async () => {
        const data = JSON.parse(await readFile(plainPath, 'utf8')) as Library;
        data.albums[0]!.name = `Everything ${Date.now()}`;
        await writeFile(plainPath, JSON.stringify(data));
      }, runs, 1),
      referenceName: 'readFile + JSON.parse + JSON.stringify + writeFile',
      lowerIsBetter: true,
    },
    {
      name: 'store filter (vertical, 2019, "family"), 100,000 photos',
      unit: 'ms',
      ours: await medianMs(async () => filter(loaded), 5, 1),
      reference: await medianMs(async () => filter(JSON.parse(text) as Library), 5, 1),
      referenceName: 'the same filter including JSON.parse',
      lowerIsBetter: true,
    },
  ];
}

async function importPeakRss(scratch: string): Promise<Sample[]> {
  const base = join(scratch, 'base-rss.jpg');
  await benchPhoto(base, 1600, 1200, 7);
  const peak = async (count: number) => {
    const dir = join(scratch, `rss-${count}`);
    await mkdir(dir, { recursive: true });
    await writeJpegVariants(base, Array.from({ length: count }, (_, i) => join(dir, `p${i}.jpg`)));
    const home = await mkdtemp(join(scratch, 'home-rss-'));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', here('./importRss.ts'), dir, home], { maxBuffer: 1 << 20 });
    return (JSON.parse(stdout) as { maxRssKb: number }).maxRssKb / 1024;
  };
  const small = await peak(100);
  const large = await peak(1000);
  return [
    {
      name: 'peak RSS, import of 1,000 photos (2 MP)',
      unit: 'MB',
      ours: large,
      reference: small,
      referenceName: 'the same import of 100 photos (flat: ratio ≈ 1)',
      lowerIsBetter: true,
    },
  ];
}
