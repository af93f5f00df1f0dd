/**
 * Issue 15 §3: a display given a 100,000-photo album. The viewer as a Pi runs
 * it (the bundled CLI, the systemd unit's flags) on an Xvfb screen, driven
 * through a real etcd by the console's own write path (putImages: a manifest
 * for the large album) and fetching the manifest from a real image server.
 * Beside it in the same run, the same programme with a 100-photo album: the
 * viewer's memory after stepping through photos, and its start from its
 * cache with etcd and the image server gone.
 */
import { Etcd3 } from 'etcd3';
import { seedViewerCache } from './photoFixtures.ts';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalEtcd } from '../common/etcd/localEtcd.ts';
import { homePaths } from '../common/homePaths.ts';
import { encodeImageServer } from '../common/protocol/codecs/imageServerCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { putImages } from '../console/displays/displayWrites.ts';
import { DEFAULT_IMAGES_WIRE_LIMITS } from '../console/displays/imagesWire.ts';
import { createImageServer } from '../console/imageServer/imageServer.ts';
import { ManifestStore } from '../console/manifests/manifestStore.ts';
import { startXvfb } from '../viewer/xvfbDisplay.ts';
import { startViewerProcess } from '../test/helpers/viewerUnderTest.ts';
import { printTable, type Sample } from './benchHarness.ts';

const SCREEN = { width: 1280, height: 720 };
const MiB = 1024 * 1024;
const DISPLAY = 'bench-huge';
const STEPS = 8;
const OFFLINE_STARTS = 3;
const TOKEN = 'bench-token-0123456789abcdef';
const nameOf = (i: number) => `${i.toString(16).padStart(24, '0')}.jpg`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

interface AlbumRun {
  /** RSS after the first photo, and after stepping through STEPS more. */
  rssFirst: number;
  rssStepped: number;
  /** Spawn → first photo drawn, restarted with etcd and the server gone. */
  offlineStartMs: number;
  /** The viewer's own figure for reading the manifest from disk at that start, if it had one. */
  manifestLoadMs: number | null;
}

async function runAlbum(scratch: string, display: string, photos: number): Promise<AlbumRun> {
  const home = await mkdtemp(join(scratch, `huge-${photos}-`));
  const consoleHome = await mkdtemp(join(scratch, `console-${photos}-`));
  await seedViewerCache(homePaths(home).viewerCache, SCREEN, Array.from({ length: STEPS + 1 }, (_, i) => nameOf(i)));
  const etcd = await startLocalEtcd({ dataDir: join(consoleHome, 'etcd') });
  const client = new Etcd3({ hosts: etcd.endpoint });
  const server = createImageServer({ paths: homePaths(consoleHome), token: TOKEN });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  let viewer = startViewerProcess({ etcdEndpoint: etcd.endpoint, home, id: DISPLAY, display });
  const shown = (i: number) => viewer.waitFor(new RegExp(`showing image name="${nameOf(i)}"`), 60_000, viewer.lines.length);
  try {
    await client.put(IMAGE_SERVER_KEY).value(encodeImageServer({ url, token: TOKEN }));
    await viewer.waitFor(/watching etcd/, 30_000);
    await client.put(displayKey(DISPLAY, 'settings')).value(JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days' }));
    const first = shown(0);
    const names = Array.from({ length: photos }, (_, i) => nameOf(i));
    await putImages(client, DISPLAY, names, { store: new ManifestStore(homePaths(consoleHome).manifests), limits: DEFAULT_IMAGES_WIRE_LIMITS });
    await first;
    await sleep(1500);
    const rssFirst = await rssOf(viewer.child.pid!);
    for (let i = 1; i <= STEPS; i++) {
      const next = shown(i);
      await client.put(displayKey(DISPLAY, 'change_photo')).value('"next"');
      await next;
    }
    await sleep(2000);
    const samples: number[] = [];
    for (let i = 0; i < 3; i++, await sleep(500)) samples.push(await rssOf(viewer.child.pid!));
    const rssStepped = samples.sort((a, b) => a - b)[1]!;

    await viewer.stop();
    client.close();
    server.close();
    await etcd.stop();
    // Restarted three times with etcd and the server gone; the median, as the machine may be busy.
    const starts: { ms: number; manifestMs: number | null }[] = [];
    for (let round = 0; round < OFFLINE_STARTS; round++) {
      const started = performance.now();
      viewer = startViewerProcess({ etcdEndpoint: etcd.endpoint, home, id: DISPLAY, display });
      await viewer.waitFor(/showing image name=/, 60_000);
      const ms = performance.now() - started;
      const loaded = viewer.lines.map((line) => /manifest loaded .* ms=(\d+)/.exec(line)).find((match) => match !== null);
      starts.push({ ms, manifestMs: loaded ? Number(loaded[1]) : null });
      await viewer.stop();
    }
    const median = starts.sort((a, b) => a.ms - b.ms)[Math.floor(OFFLINE_STARTS / 2)]!;
    return { rssFirst, rssStepped, offlineStartMs: median.ms, manifestLoadMs: median.manifestMs };
  } finally {
    await viewer.stop();
    client.close();
    server.close();
    await etcd.stop().catch(() => {});
  }
}

export async function hugeAlbumSamples(scratch: string): Promise<Sample[]> {
  const xvfb = await startXvfb(SCREEN.width, SCREEN.height);
  try {
    // The small album first, then the large: each in a fresh viewer process, one after the other on an idle screen.
    const small = await runAlbum(scratch, xvfb.display, 100);
    const large = await runAlbum(scratch, xvfb.display, 100_000);
    return [
      {
        name: 'viewer RSS after the first photo, 100,000-photo album',
        unit: 'MiB',
        ours: large.rssFirst / MiB,
        reference: small.rssFirst / MiB,
        referenceName: 'the same viewer with a 100-photo album',
        lowerIsBetter: true,
      },
      {
        name: `viewer RSS after ${STEPS} more photos, 100,000-photo album`,
        unit: 'MiB',
        ours: large.rssStepped / MiB,
        reference: small.rssStepped / MiB,
        referenceName: 'the same viewer with a 100-photo album',
        lowerIsBetter: true,
      },
      {
        name: `viewer RSS above a 100-photo album, after ${STEPS} more photos`,
        unit: 'MiB',
        ours: (large.rssStepped - small.rssStepped) / MiB,
        reference: 10,
        referenceName: 'target: ≤ 10 MiB',
        lowerIsBetter: true,
      },
      {
        name: `start from cache with etcd down → first photo drawn (median of ${OFFLINE_STARTS}), 100,000-photo album`,
        unit: 's',
        ours: large.offlineStartMs / 1000,
        reference: small.offlineStartMs / 1000,
        referenceName: `a 100-photo album (target ≤ 2 s; manifest read and checked in ${large.manifestLoadMs ?? '?'} ms)`,
        lowerIsBetter: true,
      },
    ];
  } finally {
    await xvfb.stop();
  }
}

// `node --import tsx bench/hugeAlbumBench.ts` runs this part alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.PHOTOFRAME_LOG ??= 'error';
  const scratch = await mkdtemp(join(tmpdir(), 'photoframe-bench-huge-'));
  try {
    printTable(await hugeAlbumSamples(scratch));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
