/**
 * Library at scale (issue 7): a 24-megapixel rendition against Pillow and vipsthumbnail, the store with
 * 100,000 photos against bare JSON, and peak memory of an import by size.
 * The import's throughput is bench/importBench.ts (issue 16).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { emptyLibrary, type Library, type PhotoRecord } from '../data/library/librarySchema.ts';
import { LibraryStore, photosFileOf } from '../data/library/libraryStore.ts';
import { makeDisplayRendition } from '../data/renditions/renditions.ts';
import { interleavedMedians, percentile, timeMs, type Sample } from './benchHarness.ts';
import { writeJpegVariants } from './jpegVariants.ts';
import { benchPhoto } from './photoFixtures.ts';

const run = promisify(execFile);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * Peak RSS of a command in MB, measured by /usr/bin/time. Not by the child
 * itself: Linux carries a forked process's peak over exec, so a child of this
 * large benchmark process would report our peak, not its own.
 */
async function peakRssMb(command: string, args: string[]): Promise<{ mb: number; stdout: string }> {
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'peak-rss-kb %M', command, ...args], { maxBuffer: 1 << 24 });
  const kb = Number(/peak-rss-kb (\d+)/.exec(stderr)?.[1]);
  if (!kb) throw new Error(`cannot read the peak RSS of ${command}: ${stderr.slice(-300)}`);
  return { mb: kb / 1024, stdout };
}

const timed = (fn: () => Promise<unknown>) => () => timeMs(fn);

export async function libraryBenchmarks(scratch: string): Promise<Sample[]> {
  return [...(await rendition24mp(scratch)), ...(await storeAt100k(scratch)), ...(await importPeakRss(scratch))];
}

async function rendition24mp(scratch: string): Promise<Sample[]> {
  const source = join(scratch, 'photo-24mp.jpg');
  await benchPhoto(source, 6000, 4000, 42);
  const out = (name: string) => join(scratch, `rendition-${name}.jpg`);
  const runs = 5;

  const pilArgs = (runs: number) => [here('./renditionPil.py'), source, out('pil'), '1920', '1080', String(runs)];
  const vipsArgs = ['-s', '1920x1080', '-o', `${out('vips')}[Q=88]`, source];
  const [ours, pil, vips] = await interleavedMedians(runs, [
    timed(() => makeDisplayRendition(source, 1920, 1080)),
    async () => (JSON.parse((await run('/usr/bin/python3', pilArgs(1))).stdout) as { ms: number }).ms,
    timed(() => run('vipsthumbnail', vipsArgs)),
  ]) as [number, number, number];
  const nodeArgs = (...extra: string[]) => ['--import', 'tsx', here('./renditionOnce.ts'), source, '1920', '1080', out('ours'), ...extra];
  const oursRss = (await peakRssMb(process.execPath, nodeArgs())).mb;
  const nodeBaseline = (await peakRssMb(process.execPath, nodeArgs('--baseline'))).mb;
  const pilRss = (await peakRssMb('/usr/bin/python3', pilArgs(1))).mb;
  const vipsRss = (await peakRssMb('vipsthumbnail', vipsArgs)).mb;
  const name = 'rendition 24 MP JPEG → 1920×1080';
  return [
    { name: `${name}, time`, unit: 'ms', ours, reference: pil, referenceName: 'Python Pillow thumbnail() (draft mode; target ≤ 0.5×)', lowerIsBetter: true },
    { name: `${name}, time`, unit: 'ms', ours, reference: vips, referenceName: 'vipsthumbnail, incl. its process start (target ≤ 1.2×)', lowerIsBetter: true },
    {
      name: `${name}, peak RSS`,
      unit: 'MB',
      ours: oursRss,
      reference: pilRss,
      referenceName: `Python Pillow, whole process (Node + tsx alone: ${nodeBaseline.toFixed(0)} MB)`,
      lowerIsBetter: true,
    },
    { name: `${name}, peak RSS`, unit: 'MB', ours: oursRss, reference: vipsRss, referenceName: 'vipsthumbnail, whole process', lowerIsBetter: true },
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
  const sizeMb = ((await readFile(path)).length + (await readFile(photosFileOf(path))).length) / 1024 ** 2;
  const loaded = await store.read();
  const filter = (lib: Library) => Object.values(lib.photos).filter((p) => p.shape === 'V' && p.takenAt!.startsWith('2019') && p.keywords.includes('family')).length;
  const [load, plainLoad, update, plainUpdate, filtered, plainFiltered] = await interleavedMedians(3, [
    timed(() => new LibraryStore(path).read()),
    timed(async () => JSON.parse(await readFile(plainPath, 'utf8'))),
    timed(() => store.update((draft) => void (draft.albums[0]!.name = `Everything ${Date.now()}`))),
    timed(async () => {
      const data = JSON.parse(await readFile(plainPath, 'utf8')) as Library;
      data.albums[0]!.name = `Everything ${Date.now()}`;
      await writeFile(plainPath, JSON.stringify(data));
    }),
    timed(async () => filter(loaded)),
    timed(async () => filter(JSON.parse(text) as Library)),
  ]) as [number, number, number, number, number, number];
  return [
    {
      name: `store load, 100,000 photos (${sizeMb.toFixed(0)} MB in two files)`,
      unit: 'ms',
      ours: load,
      reference: plainLoad,
      referenceName: 'readFile + JSON.parse of the same data (target ≤ 1.5×)',
      lowerIsBetter: true,
    },
    {
      name: 'store update of an album (lock, read, durable write), 100,000 photos',
      unit: 'ms',
      ours: update,
      reference: plainUpdate,
      referenceName: 'readFile + JSON.parse + JSON.stringify + writeFile, no fsync',
      lowerIsBetter: true,
    },
    {
      name: 'store filter (vertical, 2019, "family"), 100,000 photos',
      unit: 'ms',
      ours: filtered,
      reference: plainFiltered,
      referenceName: 'the same filter including JSON.parse',
      lowerIsBetter: true,
    },
  ];
}

async function importPeakRss(scratch: string): Promise<Sample[]> {
  const base = join(scratch, 'base-rss.jpg');
  await benchPhoto(base, 1200, 900, 7);
  const peak = async (count: number) => {
    const dir = join(scratch, `rss-${count}`);
    await mkdir(dir, { recursive: true });
    await writeJpegVariants(base, Array.from({ length: count }, (_, i) => join(dir, `p${i}.jpg`)));
    const home = await mkdtemp(join(scratch, 'home-rss-'));
    return (await peakRssMb(process.execPath, ['--import', 'tsx', here('./importRss.ts'), dir, home])).mb;
  };
  const small = await peak(100);
  const large = await peak(1000);
  return [
    {
      name: 'peak RSS, import of 1,000 photos (1 MP)',
      unit: 'MB',
      ours: large,
      reference: small,
      referenceName: 'the same import of 100 photos (flat: ratio ≈ 1)',
      lowerIsBetter: true,
    },
  ];
}
