/**
 * Fan-out to a simulated fleet of 1,000 headless viewers (viewer/headless),
 * against one real etcd on this machine:
 * - an album change → every display holds the new list, for a `same` group
 *   and a `split` group, beside one display's put → list in the same run;
 * - the bytes etcd writes to its WAL for that change, beside the values alone;
 * - the console's keystroke → screen while 1,000 status keys change, beside
 *   the same keystroke with etcd quiet;
 * - the same fleet enrolled, each display its own identity over mutual TLS
 *   (secureFleetBench.ts).
 */
import { PassThrough, Writable } from 'node:stream';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { startLocalEtcd } from '../common/etcd/localEtcd.ts';
import { ETCD_DEFAULT_WRITE_LIMITS } from '../common/etcd/etcdWriteLimits.ts';
import { homePaths } from '../common/homePaths.ts';
import { encodeTopic } from '../common/protocol/topicRegistry.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { publishGroup } from '../console/displays/albumPublisher.ts';
import { clearGroupClock } from '../console/displays/groupClock.ts';
import { putAlbum } from '../console/displays/displayWrites.ts';
import { lastFanoutResult, readKeys, writeFanout } from '../console/displays/fanoutWriter.ts';
import { DEFAULT_SETTINGS } from '../common/protocol/codecs/settingsCodec.ts';
import { ConsoleApp } from '../console/tui/app/consoleApp.ts';
import { openConsoleServices } from '../console/tui/app/consoleServices.ts';
import { consoleViews } from '../console/tui/views/rootViews.ts';
import { emptyLibrary, type AlbumRecord, type GroupRecord, type Library } from '../data/library/librarySchema.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { listDigest, SimulatedFleet } from '../viewer/headless/simulatedFleet.ts';
import { percentile, timeMs, type Sample } from './benchHarness.ts';
import { secureFleetSamples } from './secureFleetBench.ts';

const DISPLAYS = Number(process.env.PHOTOFRAME_BENCH_FLEET ?? 1000);
const PROCESSES = 4;
const PHOTOS_PER_ALBUM = 200;

const now = () => performance.timeOrigin + performance.now();
const photoNames = (tag: string) => Array.from({ length: PHOTOS_PER_ALBUM }, (_, i) => `${tag}${String(i).padStart(4, '0')}${'0'.repeat(19)}.jpg`.slice(-28));
const displayId = (i: number) => `f1ee7000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** etcd's own count of bytes written to its write-ahead log (the Prometheus counter on its client port). */
async function walBytes(endpoint: string): Promise<number> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('etcd_disk_wal_write_bytes_total'));
  if (!line) throw new Error('etcd does not export etcd_disk_wal_write_bytes_total');
  return Number(line.split(' ')[1]);
}

export async function fleetSamples(scratch: string): Promise<Sample[]> {
  if (process.env.PHOTOFRAME_BENCH_FLEET_ONLY === 'secure') return secureFleetSamples(scratch, DISPLAYS);
  const samples: Sample[] = [];
  const etcd = await startLocalEtcd({ dataDir: join(scratch, 'fleet-etcd') });
  // A loaded machine (1,000 viewers and etcd on 2 cores) can take longer than the CLI's 5 s for one call.
  const client = await connectEtcd([etcd.endpoint], { callTimeoutMs: 30_000 });
  const ids = Array.from({ length: DISPLAYS }, (_, i) => displayId(i));
  let fleet: SimulatedFleet | null = null;
  try {
    // Bytes first, with no viewer connected: the WAL then holds the album change's writes and nothing else
    // (with the fleet up, each viewer's status write after the change lands in it too, ~0.5 KiB a display).
    const bytes = await walPerChange(client, etcd.endpoint, ids);
    samples.push({
      name: `etcd WAL bytes per album change, ${DISPLAYS} displays (median of 3)`,
      unit: 'KiB',
      ours: bytes.wal / 1024,
      reference: bytes.values / 1024,
      referenceName: 'the album and images values alone',
      lowerIsBetter: true,
    });
    const connectMs = await timeMs(async () => {
      fleet = await SimulatedFleet.start(ids.map((id) => ({ id, etcd: { endpoints: [etcd.endpoint], tls: null } })), {
        processes: PROCESSES,
        // For comparison only: one client per process, no presence or status writes.
        sharedClient: process.env.PHOTOFRAME_BENCH_FLEET_SHARED === '1',
      });
    });
    const f = fleet!;
    if (f.failures.length) throw new Error(`${f.failures.length} headless viewers failed to connect: ${f.failures[0]!.error}`);
    // Let the fleet's start (1,000 announcements, leases and first status writes) settle first.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const rssMb = f.processes.reduce((sum, p) => sum + p.rssBytes, 0) / 2 ** 20;
    console.error(`fleet processes: ${f.processes.map((p) => `${Math.round(p.ms)} ms`).join(', ')} to connect their members`);
    console.error(`fleet: ${DISPLAYS} headless viewers in ${PROCESSES} processes connected in ${Math.round(connectMs)} ms, ${rssMb.toFixed(0)} MiB RSS together`);

    if (process.env.PHOTOFRAME_BENCH_FLEET_ONLY === 'console') return [...samples, ...(await consoleUnderStatusChurn(scratch, client, etcd.endpoint, ids))];
    const library = emptyLibrary();
    const albums: AlbumRecord[] = ['a', 'b', 'c', 'd'].map((tag) => ({ id: `album-${tag}`, name: `Album ${tag}`, photos: photoNames(tag), createdAt: '2026-01-01T00:00:00.000Z' }));
    library.albums.push(...albums);
    const group: GroupRecord = { id: 'group-1', name: 'Shop', albumId: albums[0]!.id, displayIds: ids, createdAt: '2026-01-01T00:00:00.000Z', mode: 'same' };
    library.groups = [group];

    const sameDigests = (album: AlbumRecord) => {
      const digest = listDigest(album.photos);
      return new Map(ids.map((id) => [id, digest]));
    };
    /** Publishes the group's album; resolves with the time until the last display holds its list. */
    const change = async (lib: Library): Promise<number> => {
      // Album changes come minutes apart, not back to back: the viewers' status writes after the last one
      // (each within its display's 2-s spread, viewer/statusReport.ts) are over before the next is measured.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      // Known before the change for a same group, so none of the bench's own work falls inside what it times.
      const same = group.mode === 'same' ? sameDigests(lib.albums.find((a) => a.id === group.albumId)!) : null;
      const started = now();
      await publishGroup(client, lib, group);
      const written = now() - started;
      // In split mode each display's part is dealt at random: what it should hold is what etcd holds now.
      const expected =
        same ??
        new Map(
          [...(await readKeys(client, ids.map((id) => ({ key: `/${id}:images`, expectBytes: 8000 })), ETCD_DEFAULT_WRITE_LIMITS))].map(([key, value]) => [
            key.slice(1, key.indexOf(':')),
            listDigest(JSON.parse(value) as string[]),
          ]),
        );
      const took = (await f.allHold(expected)) - started;
      const waves = lastFanoutResult()?.waveMs.map((ms) => ms.toFixed(0)).join(' + ');
      if (process.env.PHOTOFRAME_BENCH_VERBOSE) console.error(`fan-out (${group.mode}): written in ${written.toFixed(0)} ms (waves ${waves} ms), all held at ${took.toFixed(0)} ms`);
      return took;
    };
    await change(library); // every display starts on album a

    // Same: every display gets album b, then c, then b again (each a real change).
    const sameTimes: number[] = [];
    for (const album of [albums[1]!, albums[2]!, albums[1]!]) {
      group.albumId = album.id;
      sameTimes.push(await change(library));
    }
    // Split: the album dealt among the 1,000, each a different part.
    group.mode = 'split';
    const splitTimes: number[] = [];
    for (const album of [albums[3]!, albums[0]!, albums[3]!]) {
      group.albumId = album.id;
      splitTimes.push(await change(library));
    }

    // Reference: one display, one put of a new list → its headless viewer holds it.
    const one = ids[0]!;
    const oneTimes: number[] = [];
    for (let i = 0; i < 9; i++) {
      const list = photoNames(`r${i}`);
      const started = now();
      await client.put(`/${one}:images`).value(encodeTopic(one, 'images', list).value);
      oneTimes.push((await f.allHold(new Map([[one, listDigest(list)]]))) - started);
    }
    const oneMs = percentile(oneTimes, 50);
    samples.push({
      name: `album change → all ${DISPLAYS} displays hold it, same group (median of 3)`,
      unit: 'ms',
      ours: percentile(sameTimes, 50),
      reference: oneMs,
      referenceName: 'one display: put → its viewer holds the list (median of 9)',
      lowerIsBetter: true,
    });
    samples.push({
      name: `album change → all ${DISPLAYS} displays hold their part, split group (median of 3)`,
      unit: 'ms',
      ours: percentile(splitTimes, 50),
      reference: oneMs,
      referenceName: 'one display: put → its viewer holds the list (median of 9)',
      lowerIsBetter: true,
    });

    // Before: one get and one put per key, display after display (putAlbum), for the same change.
    group.mode = 'same';
    await new Promise((resolve) => setTimeout(resolve, 2500));
    try {
      const beforeMs = await timeMs(async () => {
        const album = albums[2]!;
        for (const id of ids) await putAlbum(client, id, album);
        await f.allHold(sameDigests(album));
      });
      samples.push({
        name: `album change → ${DISPLAYS} displays with a get and a put per key (before)`,
        unit: 'ms',
        ours: beforeMs,
        reference: percentile(sameTimes, 50),
        referenceName: 'batched transactions (now)',
        lowerIsBetter: true,
      });
    } catch (error) {
      // 4,000 round trips under the viewers' status writes can outlast etcd's own request timeout on a loaded machine.
      console.error(`the per-key fan-out (before) did not finish: ${(error as Error).message.split('\n')[0]}`);
    }

    samples.push(...(await consoleUnderStatusChurn(scratch, client, etcd.endpoint, ids)));
  } finally {
    await (fleet as SimulatedFleet | null)?.close();
    client.close();
    await etcd.stop();
  }
  samples.push(...(await secureFleetSamples(scratch, DISPLAYS)));
  return samples;
}

/** The WAL bytes of album changes to every display (each a real change), against the values written. */
async function walPerChange(client: Awaited<ReturnType<typeof connectEtcd>>, endpoint: string, ids: string[]): Promise<{ wal: number; values: number }> {
  const library = emptyLibrary();
  const albums: AlbumRecord[] = ['w', 'x', 'y', 'z'].map((tag) => ({ id: `album-${tag}`, name: `Album ${tag}`, photos: photoNames(tag), createdAt: '2026-01-01T00:00:00.000Z' }));
  library.albums.push(...albums);
  const group: GroupRecord = { id: 'group-w', name: 'Bytes', albumId: albums[0]!.id, displayIds: ids, createdAt: '2026-01-01T00:00:00.000Z', mode: 'same' };
  library.groups = [group];
  await publishGroup(client, library, group);
  const runs: { wal: number; values: number }[] = [];
  for (const album of albums.slice(1)) {
    group.albumId = album.id;
    const before = await walBytes(endpoint);
    await publishGroup(client, library, group);
    const values = ids.reduce((sum, id) => sum + Buffer.byteLength(encodeTopic(id, 'album', { id: album.id, name: album.name }).value) + Buffer.byteLength(encodeTopic(id, 'images', album.photos).value), 0);
    runs.push({ wal: (await walBytes(endpoint)) - before, values });
  }
  return runs.sort((a, b) => a.wal / a.values - b.wal / b.values)[1]!;
}

/** With PHOTOFRAME_BENCH_CONSOLE_PROFILE=FILE, a CPU profile of this process (the console's) while it is typed at. */
async function startProfile(): Promise<{ stop(): Promise<void> }> {
  const file = process.env.PHOTOFRAME_BENCH_CONSOLE_PROFILE;
  if (!file) return { stop: async () => {} };
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** The displays view taking keystrokes while every display's status key changes about once a second. */
async function consoleUnderStatusChurn(scratch: string, client: Awaited<ReturnType<typeof connectEtcd>>, endpoint: string, ids: string[]): Promise<Sample[]> {
  const home = join(scratch, 'fleet-console-home');
  await mkdir(home, { recursive: true });
  const paths = homePaths(home);
  // The console's library knows the 1,000 displays, all in one group, as a shop's would.
  await new LibraryStore(paths.store).update((draft) => {
    draft.displays = ids.map((id, i) => ({ id, name: `screen-${String(i).padStart(4, '0')}`, albumId: null, hostname: `pi-${i}`, addedAt: '2026-01-01T00:00:00.000Z' }));
    draft.groups = [{ id: 'group-1', name: 'Shop', albumId: null, displayIds: [...ids], createdAt: '2026-01-01T00:00:00.000Z', mode: 'same' }];
  });
  const services = await openConsoleServices(client, paths, endpoint);
  const input = new PassThrough();
  // The screen is read when the console writes to its terminal (blessed flushes each render there), not by
  // polling: a poll loop would take the console's own event loop from it, and its reading costs CPU too.
  const waiters = new Set<{ test: (text: string) => boolean; done: (at: number) => void }>();
  const checkWaiters = (at: number) => {
    if (waiters.size === 0) return;
    const text = app.screenText();
    for (const waiter of [...waiters]) {
      if (!waiter.test(text)) continue;
      waiters.delete(waiter);
      waiter.done(at);
    }
  };
  const output = new Writable({
    write: (_chunk, _encoding, done) => {
      checkWaiters(performance.now());
      done();
    },
  });
  const app = new ConsoleApp(services, { input, output, columns: 160, rows: 50, terminal: 'xterm-256color', colorMode: '256' }, 'bench', consoleViews);
  /** Resolves with when the screen first showed it (now, if it already does). */
  const until = (test: (text: string) => boolean) =>
    new Promise<number>((resolve, reject) => {
      if (test(app.screenText())) return resolve(performance.now());
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`console never showed it; shows:\n${app.screenText().slice(0, 2000)}`));
      }, 60_000);
      const waiter = {
        test,
        done: (at: number) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      waiters.add(waiter);
    });
  /**
   * A key as a person types it: it arrives from the terminal on its own turn of the event loop, `gapMs` after
   * the last one, so it waits behind whatever the console is busy with then (a batch of status changes, a
   * paced redraw). Timed from when it was due to the write of the render that shows it.
   */
  const typeKey = (ch: string, gapMs: number, shows: (text: string) => boolean) =>
    new Promise<number>((resolve, reject) => {
      const due = performance.now() + gapMs;
      setTimeout(() => {
        const arrived = performance.now();
        const shown = until(shows);
        input.write(ch);
        shown.then((at) => {
          // Split for the report: waiting for its turn (the event loop busy, or this process not given a core), then handling.
          waitedMs.push(arrived - due);
          handledMs.push(at - arrived);
          resolve(at - due);
        }, reject);
      }, gapMs);
    });
  let waitedMs: number[] = [];
  let handledMs: number[] = [];
  const resetSplit = () => {
    waitedMs = [];
    handledMs = [];
  };
  const split = () => {
    const text = `waiting for its turn median ${percentile(waitedMs, 50).toFixed(1)} ms, p95 ${percentile(waitedMs, 95).toFixed(1)} ms; handling it median ${percentile(handledMs, 50).toFixed(1)} ms, p95 ${percentile(handledMs, 95).toFixed(1)} ms`;
    waitedMs = [];
    handledMs = [];
    return text;
  };
  // Every display on a 1-second slideshow of 10 photos: each headless viewer changes photo every second and
  // writes its status key (at most once a second, viewer/statusReport.ts), from its own process.
  const slideshow = (intervalSeconds: number) =>
    writeFanout(
      client,
      ids.map((id) => ({
        displayId: id,
        writes: [
          encodeTopic(id, 'settings', { fields: { ...DEFAULT_SETTINGS, interval_time: intervalSeconds, interval_units: 'seconds', log_level: 'error', transition: 'none' }, unknown: {} }),
          encodeTopic(id, 'images', photoNames('s').slice(0, 10)),
        ],
      })),
      ETCD_DEFAULT_WRITE_LIMITS,
    );
  const currentRevision = async () => BigInt((await client.kv.range({ key: Buffer.from('/') })).header.revision);
  /** Filter keystrokes that keep every display in the list (all ids share the prefix typed), a fast typist's 80 ms apart. */
  const typeTimes = async (rounds: number) => {
    const times: number[] = [];
    const prefix = ids[0]!.slice(0, 24);
    for (let round = 0; round < rounds; round++) {
      await typeKey('/', 200, (t) => t.includes(`Displays (${ids.length}) /`) || /\/\s*$/m.test(t));
      let typed = '';
      for (const ch of prefix) {
        typed += ch;
        const label = `Displays (${ids.length}) /${typed}`;
        times.push(await typeKey(ch, 80, (t) => t.includes(label)));
      }
      await typeKey('\r', 80, (t) => !t.includes('the list narrows as you type'));
      await typeKey('\x1b', 80, (t) => t.includes(`Displays (${ids.length})`) && !t.includes(`Displays (${ids.length}) /`));
    }
    return times;
  };
  /** What reading the screen costs (the bench's own check on each terminal write), so it is not mistaken for the console's. */
  const screenTextMs = () => {
    const started = performance.now();
    for (let i = 0; i < 20; i++) app.screenText();
    return (performance.now() - started) / 20;
  };
  try {
    await until((t) => t.includes(`Displays (${ids.length})`));
    // A display on a `same` group's clock changes photo on the group's schedule, not its own interval: the
    // bytes measure above leaves one on every display (with PHOTOFRAME_BENCH_FLEET_ONLY=console nothing
    // clears it), and then no status key changed while typing (0 writes/s).
    await clearGroupClock(client, ids);
    await slideshow(1);
    // Once the status writes are in full flow.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const churnStartedAt = performance.now();
    const revisionBefore = await currentRevision();
    const profile = await startProfile();
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const churnCpu = process.cpuUsage();
    resetSplit();
    const churnTimes = await typeTimes(4);
    const churnSplit = split();
    loopDelay.disable();
    const churnCpuMs = process.cpuUsage(churnCpu);
    await profile.stop();
    // Nothing else writes meanwhile: every revision is a viewer's status write.
    const revisionAfter = await currentRevision();
    const churnedPerS = Math.round((Number(revisionAfter - revisionBefore) * 1000) / (performance.now() - churnStartedAt));
    if (process.env.PHOTOFRAME_BENCH_VERBOSE) {
      const seconds = (performance.now() - churnStartedAt) / 1000;
      console.error(`console under churn: revisions ${revisionBefore} → ${revisionAfter} in ${(seconds * 1000).toFixed(0)} ms`);
      console.error(`console under churn, a key: ${churnSplit}`);
      console.error(
        `console under churn: event-loop delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p95 ${(loopDelay.percentile(95) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms; ` +
          `console process CPU ${(((churnCpuMs.user + churnCpuMs.system) / 1e6 / seconds) * 100).toFixed(0)}% of a core; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      );
    }
    await slideshow(600);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    resetSplit();
    const quietTimes = await typeTimes(4);
    if (process.env.PHOTOFRAME_BENCH_VERBOSE) console.error(`console quiet, a key: ${split()}`);
    if (process.env.PHOTOFRAME_BENCH_VERBOSE) console.error(`console: reading the screen's text (the bench's check per terminal write) takes ${screenTextMs().toFixed(2)} ms`);
    return [
      {
        name: `console keystroke → screen, ${ids.length} status keys changing (median; p95 ${percentile(churnTimes, 95).toFixed(0)} ms, max ${Math.max(...churnTimes).toFixed(0)} ms; ${churnedPerS} status writes/s meanwhile)`,
        unit: 'ms',
        ours: percentile(churnTimes, 50),
        reference: percentile(quietTimes, 50),
        referenceName: `the same keystroke, etcd quiet (p95 ${percentile(quietTimes, 95).toFixed(0)} ms)`,
        lowerIsBetter: true,
      },
    ];
  } finally {
    app.close();
    await services.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { printTable } = await import('./benchHarness.ts');
  process.env.PHOTOFRAME_LOG ??= 'error';
  const scratch = await mkdtemp(join(tmpdir(), 'photoframe-fleet-bench-'));
  try {
    printTable(await fleetSamples(scratch));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
