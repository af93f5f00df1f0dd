/**
 * The viewer as a Pi runs it (the bundled CLI with the systemd unit's Node
 * flags and environment, read from deploy/photoframe-viewer.service), in its
 * own process on a 1920×1080 Xvfb screen, driven through a real etcd, photos
 * already cached: memory against a bare SDL window, a burst against a single
 * write, idle CPU, and the latency from an etcd write to the photo drawn
 * against raw etcd3 put→watch.
 */
import { Etcd3 } from 'etcd3';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { startLocalEtcd, type LocalEtcd } from '../common/etcd/localEtcd.ts';
import { homePaths } from '../common/homePaths.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { startXvfb } from '../viewer/xvfbDisplay.ts';
import { deployedViewer } from '../test/helpers/deployedViewer.ts';
import type { LongRunning } from '../test/helpers/runCli.ts';
import { startViewerProcess } from '../test/helpers/viewerUnderTest.ts';
import { percentile, printTable, type Sample } from './benchHarness.ts';

const SCREEN = { width: 1920, height: 1080 };
const MiB = 1024 * 1024;
const PHOTOS = Array.from({ length: 8 }, (_, i) => `photo-${i}.jpg`);
const FINAL = 'final.jpg';
const CHANGES = Number(process.env.BENCH_VIEWER_CHANGES ?? 1000);
const LATENCY_ROUNDS = 200;
const PAUSE_MS = 100;
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const run = promisify(execFile);

/** Textured, noisy photos of the screen's size, tinted apart, written straight into a viewer's cache. */
async function seedCache(home: string): Promise<void> {
  const dir = join(homePaths(home).viewerCache, `${SCREEN.width}x${SCREEN.height}`);
  await mkdir(dir, { recursive: true });
  await Promise.all(
    [...PHOTOS, FINAL].map((name, i) =>
      sharp({ create: { ...SCREEN, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
        .blur(1.5)
        .tint({ r: (i * 97) % 256, g: (i * 57) % 256, b: (i * 151) % 256 })
        .jpeg({ quality: 88 })
        .toFile(join(dir, name)),
    ),
  );
}

async function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]) * 1024;
}

async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A bare window's RSS: run by plain node, or (`asViewer`) with the viewer's Node flags and environment. */
export async function bareWindowRss(display: string, accelerated: boolean, asViewer: boolean): Promise<number> {
  const script = fileURLToPath(new URL('./bareSdlWindow.mjs', import.meta.url));
  const runtime = asViewer ? deployedViewer() : { nodeFlags: [], env: {} };
  const { stdout } = await run(process.execPath, [...runtime.nodeFlags, script], {
    env: { ...process.env, ...runtime.env, DISPLAY: display, BENCH_ACCELERATED: accelerated ? '1' : '0', ...(accelerated ? {} : { SDL_RENDER_DRIVER: 'software' }) },
  });
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { rss: number }).rss;
}

interface BareWindow {
  plain: number;
  asViewer: number;
}

interface ViewerRun {
  rssFirst: number;
  rssHalf: number;
  rssAll: number;
  peakAfterBurst: number;
  writeToDrawn: number[];
  rawPutToWatch: number[];
  singleWriteMs: number;
  burstToFinalMs: number;
  idleCpu?: number;
  idleCpuEtcdDown?: number;
}

/** One viewer process through the whole programme; `software` picks SDL's software renderer. */
async function runViewerProgramme(scratch: string, display: string, software: boolean, idle: boolean): Promise<ViewerRun> {
  const home = await mkdtemp(join(scratch, 'viewer-'));
  await seedCache(home);
  let etcd: LocalEtcd | null = await startLocalEtcd({ dataDir: join(home, 'etcd') });
  const client = new Etcd3({ hosts: etcd.endpoint });
  const viewer: LongRunning = startViewerProcess({
    etcdEndpoint: etcd.endpoint,
    home,
    id: 'bench',
    display,
    env: software ? { SDL_RENDER_DRIVER: 'software' } : {},
  });
  const pid = viewer.child.pid!;
  const put = async (topic: Parameters<typeof displayKey>[1], value: string) => client.put(displayKey('bench', topic)).value(value);
  const drawn = (name?: string) => viewer.waitFor(new RegExp(`showing image name="${name ?? '[^"]+'}"`), 60_000, viewer.lines.length);
  try {
    await viewer.waitFor(/watching etcd/, 30_000);
    await put('settings', JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days' }));
    let shown = drawn(PHOTOS[0]);
    await put('images', JSON.stringify(PHOTOS));
    await shown;
    await sleep(1000);
    const rssFirst = await statusField(pid, 'VmRSS');

    // Changes one after another, each drawn and on screen a moment (as in a slideshow, if a fast one) before the next.
    const writeToDrawn: number[] = [];
    let rssHalf = 0;
    for (let i = 0; i < CHANGES; i++) {
      await sleep(PAUSE_MS);
      shown = drawn();
      const start = performance.now();
      await put('change_photo', '"next"');
      await shown;
      writeToDrawn.push(performance.now() - start);
      if (i === CHANGES / 2 - 1) rssHalf = await statusField(pid, 'VmRSS');
    }
    await sleep(1000);
    const rssAll = await statusField(pid, 'VmRSS');

    // The same put, seen by a bare etcd3 watcher in this process.
    const rawPutToWatch: number[] = [];
    const watcher = await client.watch().key('/bench-raw').create();
    for (let i = 0; i < LATENCY_ROUNDS; i++) {
      const seen = new Promise((resolve) => watcher.once('put', resolve));
      const start = performance.now();
      await client.put('/bench-raw').value(String(i));
      await seen;
      rawPutToWatch.push(performance.now() - start);
    }
    await watcher.cancel();

    // A single write to a new list, then a burst of 1,000 ending on the same kind of write.
    shown = drawn(FINAL);
    let start = performance.now();
    await put('images', JSON.stringify([FINAL]));
    await shown;
    const singleWriteMs = performance.now() - start;
    shown = drawn(PHOTOS[0]);
    await put('images', JSON.stringify(PHOTOS));
    await shown;
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) {
      writes.push(
        i % 2 === 0
          ? put('settings', JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days', brightness: 0.6 + (i % 80) / 100 }))
          : put('change_photo', '"next"'),
      );
      if (writes.length === 50) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    await put('settings', JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days' }));
    shown = drawn(FINAL);
    start = performance.now();
    await put('images', JSON.stringify([FINAL]));
    await shown;
    const burstToFinalMs = performance.now() - start;
    const peakAfterBurst = await statusField(pid, 'VmHWM');

    const result: ViewerRun = { rssFirst, rssHalf, rssAll, peakAfterBurst, writeToDrawn, rawPutToWatch, singleWriteMs, burstToFinalMs };
    if (idle) {
      await sleep(3000);
      let before = await cpuSeconds(pid);
      await sleep(IDLE_SECONDS * 1000);
      result.idleCpu = ((await cpuSeconds(pid)) - before) / IDLE_SECONDS;
      client.close();
      await etcd.stop();
      etcd = null;
      // Past the feed's 5 s grace, once the viewer has dropped its client.
      await sleep(8000);
      before = await cpuSeconds(pid);
      await sleep(IDLE_SECONDS * 1000);
      result.idleCpuEtcdDown = ((await cpuSeconds(pid)) - before) / IDLE_SECONDS;
    }
    return result;
  } finally {
    await viewer.stop();
    client.close();
    await etcd?.stop();
  }
}

export async function viewerSamples(scratch: string): Promise<Sample[]> {
  const xvfb = await startXvfb(SCREEN.width, SCREEN.height);
  try {
    // Each bare window twice: as a user would run it (plain node), and with the viewer's own Node flags and
    // environment, so the difference is only what the viewer's code and data add.
    const bare = async (accelerated: boolean): Promise<BareWindow> => ({
      plain: await bareWindowRss(xvfb.display, accelerated, false),
      asViewer: await bareWindowRss(xvfb.display, accelerated, true),
    });
    const bareSoftware = await bare(false);
    const bareAccelerated = await bare(true);
    const software = await runViewerProgramme(scratch, xvfb.display, true, true);
    const accelerated = await runViewerProgramme(scratch, xvfb.display, false, false);
    const samples: Sample[] = [];
    const memory = (label: string, runResult: ViewerRun, bareRss: BareWindow, renderer: string) => {
      const plainName = `bare ${renderer} SDL window, plain node, fresh process`;
      const asViewerName = `bare ${renderer} SDL window, the viewer's node flags and env`;
      const above = (when: string, rss: number) => [
        { name: `viewer RSS ${when}, ${label}`, unit: 'MiB', ours: rss / MiB, reference: bareRss.plain / MiB, referenceName: plainName, lowerIsBetter: true },
        { name: `viewer RSS above the bare window ${when}, ${label}`, unit: 'MiB', ours: (rss - bareRss.plain) / MiB, reference: 30, referenceName: `target: 30 MiB above the ${plainName}`, lowerIsBetter: true },
        { name: `viewer RSS above the bare window ${when} (same runtime), ${label}`, unit: 'MiB', ours: (rss - bareRss.asViewer) / MiB, reference: 30, referenceName: `target: 30 MiB above the ${asViewerName}`, lowerIsBetter: true },
      ];
      samples.push(
        ...above('after the first photo', runResult.rssFirst),
        ...above(`after ${CHANGES} changes`, runResult.rssAll),
        {
          name: `RSS added by the last ${CHANGES / 2} changes, ${label}`,
          unit: 'MiB',
          ours: (runResult.rssAll - runResult.rssHalf) / MiB,
          reference: 2,
          referenceName: `target: < 2 MiB (the first ${CHANGES / 2} added ${((runResult.rssHalf - runResult.rssFirst) / MiB).toFixed(1)})`,
          lowerIsBetter: true,
        },
        { name: `peak RSS through a 1,000-write burst, ${label}`, unit: 'MiB', ours: runResult.peakAfterBurst / MiB, reference: bareRss.plain / MiB, referenceName: plainName, lowerIsBetter: true },
        { name: `last write of a 1,000-write burst → final photo drawn, ${label}`, unit: 'ms', ours: runResult.burstToFinalMs, reference: runResult.singleWriteMs, referenceName: 'one single write → drawn', lowerIsBetter: true },
      );
      const firstRounds = runResult.writeToDrawn.slice(0, LATENCY_ROUNDS);
      for (const p of [50, 99]) {
        samples.push({
          name: `etcd write → photo drawn p${p} (cached 1080p, ${PAUSE_MS} ms apart), ${label}`,
          unit: 'ms',
          ours: percentile(firstRounds, p),
          reference: percentile(runResult.rawPutToWatch, p),
          referenceName: `raw etcd3 put → watch p${p}`,
          lowerIsBetter: true,
        });
      }
      samples.push({
        name: `etcd write → photo drawn p99, above raw etcd3 p99, ${label}`,
        unit: 'ms',
        ours: percentile(firstRounds, 99) - percentile(runResult.rawPutToWatch, 99),
        reference: 30,
        referenceName: 'target: 30 ms',
        lowerIsBetter: true,
      });
    };
    memory('SDL software renderer', software, bareSoftware, 'software');
    memory('accelerated (Mesa llvmpipe on Xvfb)', accelerated, bareAccelerated, 'accelerated');
    samples.push({
      name: "Mesa's part of a bare accelerated window",
      unit: 'MiB',
      ours: (bareAccelerated.plain - bareSoftware.plain) / MiB,
      reference: bareAccelerated.plain / MiB,
      referenceName: 'bare accelerated window in all',
      lowerIsBetter: true,
    });
    samples.push(
      { name: `idle CPU over ${IDLE_SECONDS} s, etcd up`, unit: '% core', ours: software.idleCpu! * 100, reference: 1, referenceName: 'target: 1% of a core', lowerIsBetter: true },
      { name: `idle CPU over ${IDLE_SECONDS} s, etcd down`, unit: '% core', ours: software.idleCpuEtcdDown! * 100, reference: 1, referenceName: 'target: 1% of a core', lowerIsBetter: true },
    );
    return samples;
  } finally {
    await xvfb.stop();
  }
}

// `node --import tsx bench/viewerBench.ts` runs this part alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.PHOTOFRAME_LOG ??= 'error';
  const scratch = await mkdtemp(join(tmpdir(), 'photoframe-bench-viewer-'));
  try {
    printTable(await viewerSamples(scratch));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
