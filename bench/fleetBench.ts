/**
 * Fan-out to a simulated fleet of 1,000 headless viewers (viewer/headless),
 * against one real etcd on this machine:
 * - an album change → every display holds the new list, for a `same` group
 *   and a `split` group, beside one display's put → list in the same run;
 * - the bytes etcd writes to its WAL for that change, beside the values alone;
 * - the console's keystroke → screen while 1,000 status keys change, beside
 *   the same keystroke with etcd quiet.
 */
import { PassThrough, Writable } from 'node:stream';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { startLocalEtcd } from '../common/etcd/localEtcd.ts';
import { ETCD_DEFAULT_WRITE_LIMITS } from '../common/etcd/etcdWriteLimits.ts';
import { homePaths } from '../common/homePaths.ts';
import { encodeTopic } from '../common/protocol/topicRegistry.ts';
import { statusKey } from '../common/protocol/systemKeys.ts';
import { SYSTEM_KEYS } from '../common/protocol/topicRegistry.ts';
import { publishGroup } from '../console/displays/albumPublisher.ts';
import { putAlbum } from '../console/displays/displayWrites.ts';
import { readKeys } from '../console/displays/fanoutWriter.ts';
import { ConsoleApp } from '../console/tui/app/consoleApp.ts';
import { openConsoleServices } from '../console/tui/app/consoleServices.ts';
import { consoleViews } from '../console/tui/views/rootViews.ts';
import { emptyLibrary, type AlbumRecord, type GroupRecord, type Library } from '../data/library/librarySchema.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { listDigest, SimulatedFleet } from '../viewer/headless/simulatedFleet.ts';
import { percentile, timeMs, type Sample } from './benchHarness.ts';

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
  const samples: Sample[] = [];
  const etcd = await startLocalEtcd({ dataDir: join(scratch, 'fleet-etcd') });
  const client = await connectEtcd([etcd.endpoint]);
  const ids = Array.from({ length: DISPLAYS }, (_, i) => displayId(i));
  let fleet: SimulatedFleet | null = null;
  try {
    const connectMs = await timeMs(async () => {
      fleet = await SimulatedFleet.start(ids.map((id) => ({ id, etcd: { endpoints: [etcd.endpoint], tls: null } })), { processes: PROCESSES });
    });
    const f = fleet!;
    if (f.failures.length) throw new Error(`${f.failures.length} headless viewers failed to connect: ${f.failures[0]!.error}`);
    const rssMb = f.processes.reduce((sum, p) => sum + p.rssBytes, 0) / 2 ** 20;
    console.error(`fleet processes: ${f.processes.map((p) => `${Math.round(p.ms)} ms`).join(', ')} to connect their members`);
    console.error(`fleet: ${DISPLAYS} headless viewers in ${PROCESSES} processes connected in ${Math.round(connectMs)} ms, ${rssMb.toFixed(0)} MiB RSS together`);

    const library = emptyLibrary();
    const albums: AlbumRecord[] = ['a', 'b', 'c', 'd'].map((tag) => ({ id: `album-${tag}`, name: `Album ${tag}`, photos: photoNames(tag), createdAt: '2026-01-01T00:00:00.000Z' }));
    library.albums.push(...albums);
    const group: GroupRecord = { id: 'group-1', name: 'Shop', albumId: albums[0]!.id, displayIds: ids, createdAt: '2026-01-01T00:00:00.000Z', mode: 'same' };
    library.groups = [group];

    const sameDigests = (album: AlbumRecord) => new Map(ids.map((id) => [id, listDigest(album.photos)]));
    /** Publishes the group's album; resolves with the time until the last display holds its list. */
    const change = async (lib: Library): Promise<number> => {
      const started = now();
      await publishGroup(client, lib, group);
      const written = now() - started;
      // In split mode each display's part is dealt at random: what it should hold is what etcd holds now.
      const expected =
        group.mode === 'same'
          ? sameDigests(lib.albums.find((a) => a.id === group.albumId)!)
          : new Map(
              [...(await readKeys(client, ids.map((id) => ({ key: `/${id}:images`, expectBytes: 8000 })), ETCD_DEFAULT_WRITE_LIMITS))].map(([key, value]) => [
                key.slice(1, key.indexOf(':')),
                listDigest(JSON.parse(value) as string[]),
              ]),
            );
      const took = (await f.allHold(expected)) - started;
      if (process.env.PHOTOFRAME_BENCH_VERBOSE) console.error(`fan-out: written in ${written.toFixed(0)} ms, all held at ${took.toFixed(0)} ms`);
      return took;
    };
    await change(library); // every display starts on album a

    // Same: every display gets album b, then c, then b again (each a real change).
    const sameTimes: number[] = [];
    const wal: { wal: number; values: number }[] = [];
    for (const album of [albums[1]!, albums[2]!, albums[1]!]) {
      group.albumId = album.id;
      const before = await walBytes(etcd.endpoint);
      sameTimes.push(await change(library));
      const values = ids.reduce((sum, id) => sum + Buffer.byteLength(encodeTopic(id, 'album', { id: album.id, name: album.name }).value) + Buffer.byteLength(encodeTopic(id, 'images', album.photos).value), 0);
      // The viewers' own status writes land in the WAL too; they are not the change's, so they are left to settle first.
      wal.push({ wal: (await walBytes(etcd.endpoint)) - before, values });
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
    const walMedian = wal.map((w) => w.wal / w.values).sort((a, b) => a - b)[1]!;
    const chosen = wal.find((w) => w.wal / w.values === walMedian)!;
    samples.push({
      name: `etcd WAL bytes per album change, ${DISPLAYS} displays (incl. the viewers' status writes)`,
      unit: 'KiB',
      ours: chosen.wal / 1024,
      reference: chosen.values / 1024,
      referenceName: 'the album and images values alone',
      lowerIsBetter: true,
    });

    // Before: one get and one put per key, display after display (putAlbum), for the same change.
    group.mode = 'same';
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

    samples.push(...(await consoleUnderStatusChurn(scratch, client, etcd.endpoint, ids)));
  } finally {
    await (fleet as SimulatedFleet | null)?.close();
    client.close();
    await etcd.stop();
  }
  return samples;
}

/** The displays view taking keystrokes while every display's status key changes about once a second. */
async function consoleUnderStatusChurn(scratch: string, client: Awaited<ReturnType<typeof connectEtcd>>, endpoint: string, ids: string[]): Promise<Sample[]> {
  const home = join(scratch, 'fleet-console-home');
  await mkdir(home, { recursive: true });
  const paths = homePaths(home);
  await new LibraryStore(paths.store).update(() => {});
  const services = await openConsoleServices(client, paths, endpoint);
  const input = new PassThrough();
  const output = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = new ConsoleApp(services, { input, output, columns: 160, rows: 50, terminal: 'xterm-256color', colorMode: '256' }, 'bench', consoleViews);
  const until = (test: (text: string) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 60_000;
      const check = () => {
        if (test(app.screenText())) return resolve();
        if (Date.now() > deadline) return reject(new Error(`console never showed it; shows:\n${app.screenText().slice(0, 2000)}`));
        setImmediate(check);
      };
      check();
    });
  const example = JSON.parse(SYSTEM_KEYS.find((k: { key: string }) => k.key === '/photoframe/status/<id>')!.example) as Record<string, unknown>;
  let churning = true;
  let statusWrites = 0;
  // 1,000 status keys a second, 50 every 50 ms, each a new photo: what a fleet whose photos all change reports.
  const churn = (async () => {
    await Promise.resolve();
    let next = 0;
    while (churning) {
      const batch = Array.from({ length: 50 }, () => ids[next++ % ids.length]!);
      const at = new Date().toISOString();
      await client.kv.txn({
        success: batch.map((id) => ({
          request_put: { key: Buffer.from(statusKey(id)), value: Buffer.from(JSON.stringify({ ...example, image: `${next}.jpg`, shown_at: at, updated_at: at })) },
        })),
      });
      statusWrites += batch.length;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })().catch((error: Error) => console.error(`status churn stopped: ${error.message}`));
  const typeTimes = async (count: number, prefix: string) => {
    const times: number[] = [];
    input.write('/');
    await until((t) => t.includes(`Displays (${ids.length}) /`) || t.includes('/'));
    let typed = '';
    for (let i = 0; i < count; i++) {
      const ch = prefix[i % prefix.length]!;
      typed += ch;
      const label = `Displays (${ids.length}) /${typed}`;
      const started = performance.now();
      input.write(ch);
      await until((t) => t.includes(label));
      times.push(performance.now() - started);
    }
    input.write('\x1b');
    await until((t) => t.includes(`Displays (${ids.length})`) && !t.includes(`Displays (${ids.length}) /`));
    return times;
  };
  try {
    await until((t) => t.includes(`Displays (${ids.length})`));
    const churnStart = statusWrites;
    const churnTimes = await typeTimes(30, 'f1ee70');
    const churnedPerS = statusWrites - churnStart;
    churning = false;
    await churn;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const quietTimes = await typeTimes(30, 'f1ee70');
    return [
      {
        name: `console keystroke → screen, ${ids.length} status keys changing (median; p95 ${percentile(churnTimes, 95).toFixed(0)} ms, max ${Math.max(...churnTimes).toFixed(0)} ms; ${churnedPerS} status writes meanwhile)`,
        unit: 'ms',
        ours: percentile(churnTimes, 50),
        reference: percentile(quietTimes, 50),
        referenceName: `the same keystroke, etcd quiet (p95 ${percentile(quietTimes, 95).toFixed(0)} ms)`,
        lowerIsBetter: true,
      },
    ];
  } finally {
    churning = false;
    await churn;
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
