/**
 * Issue 14's figures, in one run: etcd write → photo drawn (p99) for the
 * viewer before the split of viewerApp.ts and after it, driven alternately
 * in blocks so both meet the same machine; idle CPU with a schedule's window
 * in force (screen off), beside the pre-split viewer blanked by power_state;
 * and the status writes per hour of an idle display. Both viewers are the
 * bundled CLI run as the systemd unit runs it, on their own Xvfb screens,
 * photos already cached.
 */
import { Etcd3 } from 'etcd3';
import { seedViewerCache } from './photoFixtures.ts';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLocalEtcd } from '../common/etcd/localEtcd.ts';
import { buildDist } from '../scripts/buildDist.ts';
import { homePaths } from '../common/homePaths.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { STATUS_PREFIX, statusKey } from '../common/protocol/systemKeys.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { deployedViewer } from '../test/helpers/deployedViewer.ts';
import { startNodeProcess, type LongRunning } from '../test/helpers/runCli.ts';
import { percentile, printTable, type Sample } from './benchHarness.ts';

const SCREEN = { width: 1920, height: 1080 };
const PHOTOS = Array.from({ length: 6 }, (_, i) => `photo-${i}.jpg`);
const ROUNDS = Number(process.env.BENCH_SPLIT_ROUNDS ?? 600);
const BLOCK = Number(process.env.BENCH_SPLIT_BLOCK ?? 10);
const PAUSE_MS = 100;
const ON_IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const OFF_IDLE_SECONDS = Number(process.env.BENCH_SCHEDULE_IDLE_SECONDS ?? 180);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The commit before "Split viewerApp…": the viewer as it was. */
async function commitBeforeSplit(): Promise<string> {
  const { stdout } = await run('git', ['-C', ROOT, 'log', '-1', '--format=%H', '--grep=^Split viewerApp']);
  if (!stdout.trim()) throw new Error('no "Split viewerApp" commit in this history');
  return (await run('git', ['-C', ROOT, 'rev-parse', `${stdout.trim()}^`])).stdout.trim();
}

/** The viewer bundled from the sources of `commit`, inside this checkout so it finds node_modules. */
async function bundleAt(commit: string): Promise<{ cli: string; dir: string }> {
  const dir = join(ROOT, '.state', `bench-${commit.slice(0, 8)}-${process.pid}`);
  const src = join(dir, 'src');
  await mkdir(src, { recursive: true });
  await run('sh', ['-c', `git -C "${ROOT}" archive ${commit} | tar -x -C "${src}"`]);
  return { cli: buildDist(join(dir, 'dist'), join(src, 'console/cli/runCli.ts')), dir };
}

async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Bench {
  id: string;
  viewer: LongRunning;
  xvfb: XvfbDisplay;
  latencies: number[];
}

export async function viewerHealthSamples(scratch: string): Promise<Sample[]> {
  const before = await bundleAt(await commitBeforeSplit());
  const etcd = await startLocalEtcd({ dataDir: join(scratch, 'etcd-health') });
  const client = new Etcd3({ hosts: etcd.endpoint });
  const benches: Bench[] = [];
  try {
    const deployed = deployedViewer();
    for (const [id, cli] of [['before-split', before.cli], ['after-split', deployed.cli]] as const) {
      const home = await mkdtemp(join(scratch, `${id}-`));
      await seedViewerCache(homePaths(home).viewerCache, SCREEN, PHOTOS);
      const xvfb = await startXvfb(SCREEN.width, SCREEN.height);
      await client.put(displayKey(id, 'settings')).value(JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days' }));
      await client.put(displayKey(id, 'images')).value(JSON.stringify(PHOTOS));
      const viewer = startNodeProcess([...deployed.nodeFlags, cli, '--etcd', etcd.endpoint, '--home', home, 'viewer', '--id', id], {
        ...deployed.env,
        DISPLAY: xvfb.display,
        PHOTOFRAME_LOG: 'info',
        SDL_RENDER_DRIVER: 'software',
      });
      benches.push({ id, viewer, xvfb, latencies: [] });
      await viewer.waitFor(/showing image/, 60_000);
    }

    // Write → drawn, alternating blocks so neither viewer gets the quieter minutes.
    for (let done = 0; done < ROUNDS; done += BLOCK) {
      for (const bench of benches) {
        for (let i = 0; i < BLOCK; i++) {
          await sleep(PAUSE_MS);
          const shown = bench.viewer.waitFor(/showing image name="[^"]+"/, 60_000, bench.viewer.lines.length);
          const start = performance.now();
          await client.put(displayKey(bench.id, 'change_photo')).value('"next"');
          await shown;
          bench.latencies.push(performance.now() - start);
        }
      }
    }

    const [old, current] = benches as [Bench, Bench];
    // Both idle with a photo on screen: status writes per hour with nothing changing, and CPU.
    const statusWrites = new Map<string, number>();
    const watcher = await client.watch().prefix(STATUS_PREFIX).create();
    watcher.on('put', (kv) => {
      const key = kv.key.toString();
      statusWrites.set(key, (statusWrites.get(key) ?? 0) + 1);
    });
    const idle = async (seconds: number) => {
      statusWrites.clear();
      const cpuBefore = await Promise.all(benches.map((b) => cpuSeconds(b.viewer.child.pid!)));
      await sleep(seconds * 1000);
      const cpuAfter = await Promise.all(benches.map((b) => cpuSeconds(b.viewer.child.pid!)));
      return {
        cpu: benches.map((_, i) => ((cpuAfter[i]! - cpuBefore[i]!) / seconds) * 100),
        writesPerHour: benches.map((b) => ((statusWrites.get(statusKey(b.id)) ?? 0) * 3600) / seconds),
      };
    };
    await sleep(3000);
    const on = await idle(ON_IDLE_SECONDS);

    // Screen off: ours by a schedule window covering now (UTC), the old one by power_state off (its only way).
    const hour = new Date().getUTCHours();
    const window = `${String((hour + 23) % 24).padStart(2, '0')}:00-${String((hour + 2) % 24).padStart(2, '0')}:00`;
    await client.put(displayKey(current.id, 'settings')).value(JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days', schedule: window, timezone: 'UTC' }));
    await client.put(displayKey(old.id, 'power_state')).value('"off"');
    await current.viewer.waitFor(/screen off by the schedule/, 30_000);
    await sleep(5000);
    const off = await idle(OFF_IDLE_SECONDS);
    await watcher.cancel();

    const p99 = (values: number[]) => percentile(values, 99);
    return [
      {
        name: `etcd write → photo drawn p99, viewer after the split (cached 1080p, software renderer, ${ROUNDS} rounds, alternating blocks of ${BLOCK})`,
        unit: 'ms',
        ours: p99(current.latencies),
        reference: p99(old.latencies),
        referenceName: `the viewer before the split (p50 ${percentile(current.latencies, 50).toFixed(1)} vs ${percentile(old.latencies, 50).toFixed(1)} ms)`,
        lowerIsBetter: true,
      },
      {
        name: 'etcd write → photo drawn p99, after minus before the split',
        unit: 'ms',
        ours: Math.abs(p99(current.latencies) - p99(old.latencies)),
        reference: 5,
        referenceName: 'target: within 5 ms',
        lowerIsBetter: true,
      },
      {
        name: `idle CPU, a schedule's window in force (screen off), over ${OFF_IDLE_SECONDS} s`,
        unit: '% core',
        ours: off.cpu[1]!,
        reference: 0.5,
        referenceName: `target: 0.5% (the pre-split viewer blanked by power_state: ${off.cpu[0]!.toFixed(2)}%; ours with the screen on: ${on.cpu[1]!.toFixed(2)}%)`,
        lowerIsBetter: true,
      },
      {
        name: `status writes per hour, idle with the screen on (over ${ON_IDLE_SECONDS} s)`,
        unit: '/h',
        ours: on.writesPerHour[1]!,
        reference: 120,
        referenceName: `target: ≤ 120 (the pre-split viewer, which had no heartbeat: ${on.writesPerHour[0]!.toFixed(0)}/h)`,
        lowerIsBetter: true,
      },
      {
        name: `status writes per hour, idle with the screen off by the schedule (over ${OFF_IDLE_SECONDS} s)`,
        unit: '/h',
        ours: off.writesPerHour[1]!,
        reference: 120,
        referenceName: 'target: ≤ 120',
        lowerIsBetter: true,
      },
    ];
  } finally {
    for (const bench of benches) {
      await bench.viewer.stop();
      await bench.xvfb.stop();
    }
    client.close();
    await etcd.stop();
    await rm(before.dir, { recursive: true, force: true });
  }
}

// `node --import tsx bench/viewerHealthBench.ts` runs this part alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.PHOTOFRAME_LOG ??= 'error';
  const scratch = await mkdtemp(join(tmpdir(), 'photoframe-bench-health-'));
  try {
    printTable(await viewerHealthSamples(scratch));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
