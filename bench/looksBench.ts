/**
 * How the display looks, measured: the GPU crossfade's frame rate against a
 * bare window presenting the same textures unblended, memory through 500
 * crossfades against a bare window, the blurred fill against contain, and
 * offline reverse geocoding against the import it is part of.
 */
import { buildSync } from 'esbuild';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { homePaths } from '../common/homePaths.ts';
import { DEFAULT_SETTINGS } from '../common/protocol/codecs/settingsCodec.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { ReverseGeocoder } from '../data/places/reverseGeocoder.ts';
import { makeDisplayRendition } from '../data/renditions/renditions.ts';
import { prepareFrame, type Frame } from '../viewer/framePreparer.ts';
import { startXvfb } from '../viewer/xvfbDisplay.ts';
import { percentile, printTable, timeMs, type Sample } from './benchHarness.ts';
import { benchPhoto } from './photoFixtures.ts';
import { deployedViewer } from '../test/helpers/deployedViewer.ts';
import { bareWindowRss } from './viewerBench.ts';

const MiB = 1024 * 1024;
const run = promisify(execFile);

interface MemoryRun {
  renderer: string;
  rss: number[];
  after: number;
}

interface Rate {
  fps: number;
  p99: number;
}

/**
 * The bench script bundled like the viewer (no tsx loader thread in the process whose memory is measured)
 * and run with the viewer's Node flags and environment from its systemd unit.
 */
function bundledBenchScript(): string {
  const outfile = fileURLToPath(new URL(`../.state/bench-crossfade-${process.pid}/crossfade.mjs`, import.meta.url));
  buildSync({
    entryPoints: [fileURLToPath(new URL('./crossfadeBenchMain.ts', import.meta.url))],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  process.once('exit', () => rmSync(dirname(outfile), { recursive: true, force: true }));
  return outfile;
}

let bundled: string | null = null;

async function crossfadeRun<T>(display: string, mode: 'rate' | 'memory', software: boolean): Promise<T> {
  bundled ??= bundledBenchScript();
  const viewer = deployedViewer();
  const { stdout } = await run(process.execPath, [...viewer.nodeFlags, bundled, mode], {
    env: {
      ...process.env,
      ...viewer.env,
      DISPLAY: display,
      PHOTOFRAME_LOG: 'error',
      ...(software ? { SDL_RENDER_DRIVER: 'software', PHOTOFRAME_SOFTWARE_CROSSFADE: mode === 'memory' ? '1' : '0' } : {}),
    },
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

export async function crossfadeSamples(): Promise<Sample[]> {
  const xvfb = await startXvfb(1920, 1080);
  try {
    type RateRun = {
      renderer: string;
      blended: Rate;
      bare: Rate;
      fade: { fps: number; cpuShare: number; longestStallMs: number; longestPresentMs: number; longestUploadMs: number } | null;
    };
    const accelerated = await crossfadeRun<RateRun>(xvfb.display, 'rate', false);
    const software = await crossfadeRun<RateRun>(xvfb.display, 'rate', true);
    // As the issue asks, on SDL's software renderer (crossfades allowed there for this run), against a bare software window
    // run the same way; and on llvmpipe, where the textures are Mesa's.
    const memory = await crossfadeRun<MemoryRun>(xvfb.display, 'memory', true);
    const bare = await bareWindowRss(xvfb.display, false, true);
    const memoryGl = await crossfadeRun<MemoryRun>(xvfb.display, 'memory', false);
    const bareGl = await bareWindowRss(xvfb.display, true, true);
    const samples: Sample[] = [];
    for (const [label, result] of [
      [accelerated.renderer, accelerated],
      [software.renderer, software],
    ] as const) {
      const bareName = `bare window presenting the same two textures unblended, ${label}`;
      samples.push(
        { name: `crossfade step rate 1080p, ${label}`, unit: 'fps', ours: result.blended.fps, reference: result.bare.fps, referenceName: bareName, lowerIsBetter: false },
        { name: `crossfade step time p99 1080p, ${label}`, unit: 'ms', ours: result.blended.p99, reference: result.bare.p99, referenceName: bareName, lowerIsBetter: true },
      );
    }
    if (accelerated.fade) {
      samples.push(
        { name: `a 2 s crossfade through SdlScreen, steps drawn, ${accelerated.renderer}`, unit: 'fps', ours: accelerated.fade.fps, reference: 30, referenceName: 'target: 30 fps (steps are paced to 60)', lowerIsBetter: false },
        { name: `viewer CPU during that crossfade, ${accelerated.renderer}`, unit: '% core', ours: accelerated.fade.cpuShare * 100, reference: 100, referenceName: 'one core', lowerIsBetter: true },
        { name: `longest event-loop stall during that crossfade (upload included), ${accelerated.renderer}`, unit: 'ms', ours: accelerated.fade.longestStallMs, reference: 50, referenceName: 'target: 50 ms', lowerIsBetter: true },
        // Where a stall comes from: the incoming photo's upload (in ~1 MB bands before the fade) or one step's present.
        { name: `longest texture upload call during that crossfade, ${accelerated.renderer}`, unit: 'ms', ours: accelerated.fade.longestUploadMs, reference: accelerated.bare.p99, referenceName: 'p99 of a bare single-texture present', lowerIsBetter: true },
        { name: `longest present during that crossfade, ${accelerated.renderer}`, unit: 'ms', ours: accelerated.fade.longestPresentMs, reference: accelerated.bare.p99, referenceName: 'p99 of a bare single-texture present', lowerIsBetter: true },
      );
    }
    for (const [result, bareRss] of [
      [memory, bare],
      [memoryGl, bareGl],
    ] as const) {
      const at = (fades: number) => result.rss[fades / 50 - 1]!;
      const bareName = `bare ${result.renderer} window, one black frame, the viewer's node flags and env`;
      samples.push(
        { name: `RSS above the bare window after 250 crossfades 1080p, ${result.renderer}`, unit: 'MiB', ours: (at(250) - bareRss) / MiB, reference: 40, referenceName: `target: 40 MiB above the ${bareName} (${(bareRss / MiB).toFixed(0)} MiB)`, lowerIsBetter: true },
        { name: `RSS above the bare window after 500 crossfades 1080p, ${result.renderer}`, unit: 'MiB', ours: (at(500) - bareRss) / MiB, reference: 40, referenceName: `target: 40 MiB above the ${bareName}`, lowerIsBetter: true },
        { name: `RSS highest sampled through 500 crossfades, above the bare window, ${result.renderer}`, unit: 'MiB', ours: (Math.max(...result.rss) - bareRss) / MiB, reference: 40, referenceName: 'target: 40 MiB', lowerIsBetter: true },
        { name: `RSS added by the last 250 crossfades, ${result.renderer}`, unit: 'MiB', ours: (at(500) - at(250)) / MiB, reference: 2, referenceName: 'target: flat (< 2 MiB)', lowerIsBetter: true },
      );
    }
    return samples;
  } finally {
    await xvfb.stop();
  }
}

export async function fitSamples(scratch: string): Promise<Sample[]> {
  const photo = join(scratch, 'fit-photo.jpg');
  await benchPhoto(photo, 4000, 3000, 5);
  // What a 1080p viewer has cached: the 4:3 rendition fitted to 1920×1080, so contain leaves bars and blur fills them.
  const cached = join(scratch, 'fit-cached.jpg');
  await writeFile(cached, await makeDisplayRendition(photo, 1920, 1080));
  const screen = { width: 1920, height: 1080 };
  // As a viewer with the sdl_layers addon prepares a blur frame (the screen stretches its small fill), and as one
  // without it does (the fill enlarged into the bars on the CPU); both from the photo's one decode.
  const stretched = { stretchFill: true };
  const variants = {
    contain: () => prepareFrame(cached, screen, DEFAULT_SETTINGS),
    blur: () => prepareFrame(cached, screen, { ...DEFAULT_SETTINGS, fit: 'blur' }, null, stretched),
    blurComposed: () => prepareFrame(cached, screen, { ...DEFAULT_SETTINGS, fit: 'blur' }),
    cover: () => prepareFrame(cached, screen, { ...DEFAULT_SETTINGS, fit: 'cover' }),
    blurCaption: () => prepareFrame(cached, screen, { ...DEFAULT_SETTINGS, fit: 'blur' }, '14 July 2021 · Lyon, France', stretched),
  };
  // Interleaved, run by run, so a busy moment of the machine falls on all of them alike.
  const times: Record<keyof typeof variants, number[]> = { contain: [], blur: [], blurComposed: [], cover: [], blurCaption: [] };
  for (const prepare of Object.values(variants)) await prepare();
  for (let run = 0; run < 21; run++) for (const [name, prepare] of Object.entries(variants)) times[name as keyof typeof variants].push(await timeMs(prepare));
  const median = (name: keyof typeof variants) => percentile(times[name], 50);
  const bytes = (frame: Frame) => (frame.data.length + (frame.fill?.data.length ?? 0)) / MiB;
  const containBytes = bytes(await variants.contain());
  return [
    { name: 'prepare 1080p frame, fit=blur (fill stretched by the screen)', unit: 'ms', ours: median('blur'), reference: median('contain'), referenceName: 'the same frame with fit=contain (target: 1.3x)', lowerIsBetter: true },
    { name: 'prepare 1080p frame, fit=blur composed on the CPU (no addon)', unit: 'ms', ours: median('blurComposed'), reference: median('contain'), referenceName: 'the same frame with fit=contain', lowerIsBetter: true },
    { name: 'prepare 1080p frame, fit=cover', unit: 'ms', ours: median('cover'), reference: median('contain'), referenceName: 'the same frame with fit=contain', lowerIsBetter: true },
    { name: 'prepare 1080p frame, fit=blur + caption', unit: 'ms', ours: median('blurCaption'), reference: median('contain'), referenceName: 'the same frame with fit=contain, no caption', lowerIsBetter: true },
    { name: 'decoded frame held, fit=blur (photo + fill)', unit: 'MiB', ours: bytes(await variants.blur()), reference: containBytes, referenceName: 'the same frame with fit=contain', lowerIsBetter: true },
    { name: 'decoded frame held, fit=blur composed on the CPU', unit: 'MiB', ours: bytes(await variants.blurComposed()), reference: containBytes, referenceName: 'the same frame with fit=contain', lowerIsBetter: true },
  ];
}

export async function geocodingSamples(scratch: string): Promise<Sample[]> {
  // The import it is part of: 20 camera-sized photos, per photo.
  const source = join(scratch, 'geo-photos');
  await mkdir(source, { recursive: true });
  for (let i = 0; i < 20; i++) await benchPhoto(join(source, `p-${i}.jpg`), 4000, 3000, 100 + i);
  const paths = homePaths(await mkdtemp(join(scratch, 'geo-home-')));
  const importMs = (await timeMs(() => importPhotos(new LibraryStore(paths.store), paths, { sources: [source] }))) / 20;
  // Once per import process: the data set read and indexed.
  let geocoder: ReverseGeocoder | null = null;
  const loadMs = await timeMs(async () => void (geocoder = ReverseGeocoder.load()));
  // Positions as photos have them: near towns (within ~5 km of 1,000 spread over the world), and some at sea.
  const positions = Array.from({ length: 10_000 }, (_, i) => ({
    latitude: ((i * 37.1) % 120) - 50 + ((i * 0.013) % 0.05),
    longitude: ((i * 91.7) % 340) - 170 + ((i * 0.029) % 0.05),
  }));
  const lookupMs = (await timeMs(async () => {
    for (const position of positions) geocoder!.placeAt(position);
  })) / positions.length;
  return [
    { name: 'reverse geocoding at import, per photo', unit: 'ms', ours: lookupMs, reference: importMs, referenceName: 'the import per photo, 4000×3000 JPEGs (target: adds ≤ 1 ms)', lowerIsBetter: true },
    { name: 'reverse geocoding, data set load (once per import run)', unit: 'ms', ours: loadMs, reference: importMs * 20, referenceName: 'the import of 20 photos', lowerIsBetter: true },
  ];
}

export async function looksSamples(scratch: string): Promise<Sample[]> {
  return [...(await fitSamples(scratch)), ...(await geocodingSamples(scratch)), ...(await crossfadeSamples())];
}

// `node --import tsx bench/looksBench.ts` runs this part alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.PHOTOFRAME_LOG ??= 'error';
  const scratch = await mkdtemp(join(tmpdir(), 'photoframe-bench-looks-'));
  try {
    printTable(await looksSamples(scratch));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
