/**
 * `make bench`: the hot paths (import, frame preparation, watch delivery,
 * image serving over HTTP and HTTPS, library writes, the console, the viewer,
 * crossfades, fills and places, a group changing in unison), each beside a
 * reference run in the same process, printed as figures and ratios.
 */
import { Etcd3 } from 'etcd3';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import sharp from 'sharp';
import { startLocalEtcd } from '../common/etcd/localEtcd.ts';
import { silenceIpServerNameWarning } from '../common/process/quietWarnings.ts';
import { homePaths } from '../common/homePaths.ts';
import { freePort } from '../common/net/freePort.ts';
import { stopChildProcess } from '../common/process/stopChildProcess.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { createImageServer } from '../console/imageServer/imageServer.ts';
import { emptyLibrary, type Library } from '../data/library/librarySchema.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { makeDisplayRendition } from '../data/renditions/renditions.ts';
import { openDisplayFeed } from '../viewer/displayFeed.ts';
import { prepareFrame } from '../viewer/framePreparer.ts';
import { DEFAULT_SETTINGS } from '../common/protocol/codecs/settingsCodec.ts';
import { medianMs, percentile, printTable, timeMs, type Sample } from './benchHarness.ts';
import { benchPhoto } from './photoFixtures.ts';
import { benchConsole } from './consoleBench.ts';
import { libraryBenchmarks } from './libraryBench.ts';
import { importSamples } from './importBench.ts';
import { viewerSamples } from './viewerBench.ts';
import { imageFetchSamples } from './imageFetchBench.ts';
import { securitySamples } from './securityBench.ts';
import { looksSamples } from './looksBench.ts';
import { viewerHealthSamples } from './viewerHealthBench.ts';
import { hugeAlbumSamples } from './hugeAlbumBench.ts';
import { groupSyncSamples } from './groupSyncBench.ts';
import { clusterSamples } from './clusterBench.ts';
import { fleetSamples } from './fleetBench.ts';

process.env.PHOTOFRAME_LOG ??= 'error';
silenceIpServerNameWarning();
const samples: Sample[] = [];
const scratch = await mkdtemp(join(tmpdir(), 'photoframe-bench-'));

try {
  // Photo-like inputs (texture and noise); the import itself is measured against its floor and vipsthumbnail in importBench.ts.
  const photos = join(scratch, 'photos');
  await mkdir(photos);
  await benchPhoto(join(photos, 'photo-000.jpg'), 4000, 3000, 1);
  await benchPhoto(join(photos, 'photo-001.jpg'), 4000, 3000, 2);

  // Frame preparation (viewer hot path) against a bare sharp decode of the same file.
  const cached = join(scratch, 'cached.jpg');
  await writeFile(cached, await makeDisplayRendition(join(photos, 'photo-000.jpg'), 1920, 1080));
  const screen = { width: 1920, height: 1080 };
  samples.push({
    name: 'prepare 1080p frame',
    unit: 'ms',
    ours: await medianMs(() => prepareFrame(cached, screen, DEFAULT_SETTINGS), 15),
    reference: await medianMs(() => sharp(cached).ensureAlpha().raw().toBuffer(), 15),
    referenceName: 'bare sharp decode to RGBA',
    lowerIsBetter: true,
  });
  samples.push({
    name: 'prepare 1080p frame, colour settings',
    unit: 'ms',
    ours: await medianMs(() => prepareFrame(cached, screen, { ...DEFAULT_SETTINGS, brightness: 0.8, contrast: 1.2, saturation: 1.1 }), 15),
    reference: await medianMs(() => sharp(cached).ensureAlpha().raw().toBuffer(), 15),
    referenceName: 'bare sharp decode to RGBA',
    lowerIsBetter: true,
  });

  // Watch delivery: put → our feed callback, against put → a raw etcd3 watcher.
  const etcd = await startLocalEtcd({ dataDir: join(scratch, 'etcd') });
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    const rounds = 300;
    const measure = async (subscribe: (onEvent: () => void) => Promise<() => Promise<void>>, id: string) => {
      let resolveEvent: () => void = () => {};
      const close = await subscribe(() => resolveEvent());
      const times: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const seen = new Promise<void>((resolve) => (resolveEvent = resolve));
        const start = process.hrtime.bigint();
        await client.put(displayKey(id, 'change_photo')).value('"next"');
        await seen;
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      await close();
      return percentile(times.slice(20), 50);
    };
    const ours = await measure(async (onEvent) => {
      const feed = await openDisplayFeed(client, 'bench-feed', { snapshot: () => {}, change: onEvent, broken: () => {} });
      return feed.close;
    }, 'bench-feed');
    const reference = await measure(async (onEvent) => {
      const watcher = await client.watch().prefix('/bench-raw:').create();
      watcher.on('put', onEvent);
      return () => watcher.cancel();
    }, 'bench-raw');
    samples.push({ name: 'etcd put → change seen (p50)', unit: 'ms', ours, reference, referenceName: 'raw etcd3 prefix watcher', lowerIsBetter: true });
  } finally {
    client.close();
    await etcd.stop();
  }

  // Image serving: a cached rendition over HTTP against Python's static file server
  // (what a person would otherwise put in front of a folder) serving the same file.
  const home = await mkdtemp(join(scratch, 'serve-'));
  const paths = homePaths(home);
  const report = await importPhotos(new LibraryStore(paths.store), paths, { sources: [join(photos, 'photo-001.jpg')] });
  const name = report.imported[0]!.name;
  const token = 'bench-token-0123456789abcdef';
  const server = createImageServer({ paths, token });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/images/${name}?w=1920&h=1080`;
  const fetchAll = async (target: string, headers: Record<string, string> = {}) => {
    const response = await fetch(target, { headers });
    await response.arrayBuffer();
  };
  const firstRequest = await timeMs(() => fetchAll(url, { Authorization: `Bearer ${token}` }));
  const staticDir = await mkdtemp(join(scratch, 'static-'));
  await writeFile(join(staticDir, 'rendition.jpg'), await makeDisplayRendition(join(paths.photos, name), 1920, 1080));
  const staticPort = await freePort();
  const staticServer = spawn('/usr/bin/python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', staticDir, String(staticPort)], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise<void>((resolve) => createInterface({ input: staticServer.stdout! }).once('line', () => resolve()));
    samples.push({
      name: 'serve 1080p rendition (cached)',
      unit: 'ms',
      ours: await medianMs(() => fetchAll(url, { Authorization: `Bearer ${token}` }), 30),
      reference: await medianMs(() => fetchAll(`http://127.0.0.1:${staticPort}/rendition.jpg`), 30),
      referenceName: `python3 -m http.server, same file (our first request, resizing: ${firstRequest.toFixed(0)} ms)`,
      lowerIsBetter: true,
    });
  } finally {
    await stopChildProcess(staticServer);
    server.close();
  }

  // The viewer's fetch of a cached rendition over HTTPS with mutual TLS against plain HTTP (bench/imageFetchBench.ts runs alone too).
  samples.push(...(await imageFetchSamples(scratch)));
  // What the secure defaults cost: put → watch and a viewer's cold start over mutual TLS, revocation, enrollment (bench/securityBench.ts runs alone too).
  samples.push(...(await securitySamples(scratch)));

  // Library writes: durable update (lock, fsync, rename) against lowdb's own JSONFile write.
  const big: Library = emptyLibrary();
  for (let i = 0; i < 5000; i++) {
    const name = `${i.toString(16).padStart(24, '0')}.jpg`;
    big.photos[name] = { name, sha256: name, format: 'jpeg', width: 4000, height: 3000, orientation: 1, takenAt: null, takenAtOffset: null, takenAtSource: null, shape: 'H', camera: null, gps: null, title: null, keywords: [], bytes: 5e6, importedAt: new Date().toISOString(), sources: [`/photos/${name}`], sourceStamps: {}, storage: 'copy' };
  }
  const storePath = join(scratch, 'library.json');
  const store = new LibraryStore(storePath);
  // Written through the store, so the files are in its own layout (library.json beside library.photos.json).
  await store.update((library) => void Object.assign(library.photos, big.photos));
  const plainPath = join(scratch, 'plain.json');
  const plain = new Low<Library>(new JSONFile(plainPath), big);
  samples.push({
    name: 'library update, 5000 photos',
    unit: 'ms',
    ours: await medianMs(() => store.update((library) => void (library.albums = [])), 15),
    reference: await medianMs(() => plain.write(), 15),
    referenceName: "lowdb JSONFile write (no lock, no fsync)",
    lowerIsBetter: true,
  });

  // The console on a generated 100,000-photo library (bench/consoleBench.ts runs it alone too).
  samples.push(...(await benchConsole(scratch)));
  // Issue 16: the import against the disk-and-hash floor and vipsthumbnail, to all ready, and a display's first request (bench/importBench.ts runs alone too).
  samples.push(...(await importSamples(scratch)));
  // Library at scale: 24 MP rendition, store at 100,000 photos, import memory.
  samples.push(...(await libraryBenchmarks(scratch)));

  // The viewer in its own process on a 1080p Xvfb screen (bench/viewerBench.ts also runs alone).
  samples.push(...(await viewerSamples(scratch)));
  // How it looks: crossfade on the GPU, fills, captions, places (bench/looksBench.ts also runs alone).
  samples.push(...(await looksSamples(scratch)));
  // Issue 14: write → drawn before and after the split of viewerApp.ts, idle with a schedule's window, status writes.
  samples.push(...(await viewerHealthSamples(scratch)));
  // Issue 15 §3: a 100,000-photo album (a manifest) against a 100-photo one: viewer memory, start from cache offline.
  samples.push(...(await hugeAlbumSamples(scratch)));
  // Issue 15: a `same` group of three viewers, first pixel of each new photo read back (bench/groupSyncBench.ts runs alone too).
  samples.push(...(await groupSyncSamples(scratch)));
  samples.push(...(await clusterSamples(scratch)));
  // Issue 15 §2: album fan-out to 1,000 headless viewers, etcd bytes, the console under 1,000 status keys (bench/fleetBench.ts also runs alone).
  samples.push(...(await fleetSamples(scratch)));

  console.log(`photoframe benchmarks — ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, sharp ${sharp.versions.sharp}`);
  printTable(samples);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
