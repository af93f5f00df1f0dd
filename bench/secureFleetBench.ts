/**
 * The simulated fleet with its own identities: 1,000 displays enrolled as
 * `photoframe display enroll` does (an openssl key and certificate, an etcd
 * user and role each), then 1,000 headless viewers in 4 processes, each
 * connecting over mutual TLS as its own etcd user, and album changes to all
 * of them, beside the same fleet on a plain etcd in the same run.
 * `PHOTOFRAME_BENCH_FLEET_ONLY=secure` runs this part alone;
 * `PHOTOFRAME_BENCH_FLEET_SECURE=N` sets its size (default: PHOTOFRAME_BENCH_FLEET, 1,000).
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Etcd3 } from 'etcd3';
import type { EtcdTarget } from '../common/config.ts';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { ETCD_DEFAULT_WRITE_LIMITS } from '../common/etcd/etcdWriteLimits.ts';
import { startLocalEtcd } from '../common/etcd/localEtcd.ts';
import { homePaths } from '../common/homePaths.ts';
import { publishGroup } from '../console/displays/albumPublisher.ts';
import { readKeys } from '../console/displays/fanoutWriter.ts';
import { bundlePaths } from '../console/pki/pkiPaths.ts';
import { enrollDisplay, enrollDisplays } from '../console/security/enrollment.ts';
import { startSecureLocalEtcd } from '../console/security/secureLocalEtcd.ts';
import { emptyLibrary, type AlbumRecord, type GroupRecord } from '../data/library/librarySchema.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { listDigest, SimulatedFleet, type FleetMember } from '../viewer/headless/simulatedFleet.ts';
import { percentile, type Sample } from './benchHarness.ts';

const PROCESSES = 4;
const PHOTOS_PER_ALBUM = 200;
/** Displays enrolled one after another, as before batches, for the per-display reference. */
const ONE_BY_ONE = 40;
const CONNECT_PARALLEL = Number(process.env.PHOTOFRAME_BENCH_FLEET_CONNECT_PARALLEL ?? 4);

const now = () => performance.timeOrigin + performance.now();
const say = (line: string) => console.error(`secure fleet: ${line}`);
const photoNames = (tag: string) => Array.from({ length: PHOTOS_PER_ALBUM }, (_, i) => `${tag}${String(i).padStart(4, '0')}${'0'.repeat(19)}.jpg`.slice(-28));

/** Open file descriptors and resident memory of a process (Linux /proc), for what 1,000 connections cost. */
async function processFigures(pid: number): Promise<{ fds: number; rssMiB: number }> {
  const fds = (await readdir(`/proc/${pid}/fd`)).length;
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { fds, rssMiB: rssKiB / 1024 };
}

/** This process's children running the fleet (fleetProcessMain.ts). */
async function fleetPids(): Promise<number[]> {
  const tasks = await readdir(`/proc/${process.pid}/task`);
  const children = (await Promise.all(tasks.map((task) => readFile(`/proc/${process.pid}/task/${task}/children`, 'utf8').catch(() => '')))).join(' ').split(/\s+/).filter(Boolean).map(Number);
  const main = await Promise.all(children.map(async (pid) => ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('fleetProcessMain') ? pid : 0)));
  return main.filter((pid) => pid > 0);
}

interface FleetFigures {
  connectMs: number;
  rssMiB: number;
  sameMs: number;
  splitMs: number;
}

export async function secureFleetSamples(scratch: string, displays: number): Promise<Sample[]> {
  const count = Number(process.env.PHOTOFRAME_BENCH_FLEET_SECURE ?? displays);
  const home = join(scratch, 'fleet-secure-home');
  await mkdir(home, { recursive: true });
  const { etcd, target } = await startSecureLocalEtcd(home, { dataDir: join(home, 'etcd') });
  const admin = await connectEtcd(target, { callTimeoutMs: 30_000 });
  const store = new LibraryStore(homePaths(home).store);
  try {
    // Before: one display after another, as `display enroll` did (a sample; the cost is linear).
    const oneStarted = performance.now();
    for (let i = 0; i < ONE_BY_ONE; i++) await enrollDisplay(admin, store, home, { name: `before-${i}`, etcdEndpoints: [etcd.endpoint] });
    const oneByOneMs = (performance.now() - oneStarted) / ONE_BY_ONE;

    const started = performance.now();
    const report = await enrollDisplays(
      admin,
      store,
      home,
      Array.from({ length: count }, (_, i) => ({ name: `screen-${i}`, etcdEndpoints: [etcd.endpoint] })),
    );
    const enrollMs = performance.now() - started;
    const phases = report.phasesMs;
    say(
      `enrolled ${count} in ${(enrollMs / 1000).toFixed(1)} s (${(enrollMs / count).toFixed(1)} ms a display; keys and certificates ${(phases.bundles / 1000).toFixed(1)} s, ` +
        `etcd users and roles ${(phases.identities / 1000).toFixed(1)} s side by side, library and revocation marks ${phases.record.toFixed(0)} ms; ` +
        `${report.staleAuthRetries} requests sent again after an auth change); one by one: ${oneByOneMs.toFixed(1)} ms a display`,
    );
    const ids = report.enrolled.map((e) => e.id);
    const secureMembers: FleetMember[] = report.enrolled.map(({ id, bundle }) => {
      const files = bundlePaths(bundle);
      return { id, enrolled: true, etcd: { endpoints: [etcd.endpoint], tls: { ca: files.caCert, cert: files.cert, key: files.key } } };
    });
    const secure = await fleetFigures('mutual TLS, own identities', admin, secureMembers, ids, etcd.pid);

    const plainEtcd = await startLocalEtcd({ dataDir: join(scratch, 'fleet-plain-etcd') });
    const plainClient = await connectEtcd([plainEtcd.endpoint], { callTimeoutMs: 30_000 });
    let plain: FleetFigures;
    try {
      const plainTarget: EtcdTarget = { endpoints: [plainEtcd.endpoint], tls: null };
      plain = await fleetFigures('plain etcd', plainClient, ids.map((id) => ({ id, etcd: plainTarget })), ids, plainEtcd.pid);
    } finally {
      plainClient.close();
      await plainEtcd.stop();
    }
    const reference = `the same ${count} displays on a plain etcd, same run`;
    return [
      {
        name: `enrolling ${count} displays in one batch, total (openssl key + certificate, etcd user and role each)`,
        unit: 's',
        ours: enrollMs / 1000,
        reference: (oneByOneMs * count) / 1000,
        referenceName: `one after another (before), ${ONE_BY_ONE} measured × ${count}`,
        lowerIsBetter: true,
      },
      {
        name: `enrolling a display, in a batch of ${count}`,
        unit: 'ms',
        ours: enrollMs / count,
        reference: oneByOneMs,
        referenceName: `one after another (before), over ${ONE_BY_ONE}`,
        lowerIsBetter: true,
      },
      {
        name: `fleet connect: ${count} headless viewers in ${PROCESSES} processes, each its own client certificate and etcd user (${secure.rssMiB.toFixed(0)} MiB RSS)`,
        unit: 'ms',
        ours: secure.connectMs,
        reference: plain.connectMs,
        referenceName: `${reference} (${plain.rssMiB.toFixed(0)} MiB RSS)`,
        lowerIsBetter: true,
      },
      {
        name: `album change → all ${count} enrolled displays hold it, same group, own identities over mutual TLS + auth (median of 3)`,
        unit: 'ms',
        ours: secure.sameMs,
        reference: plain.sameMs,
        referenceName: reference,
        lowerIsBetter: true,
      },
      {
        name: `album change → all ${count} enrolled displays hold their part, split group, own identities over mutual TLS + auth (median of 3)`,
        unit: 'ms',
        ours: secure.splitMs,
        reference: plain.splitMs,
        referenceName: reference,
        lowerIsBetter: true,
      },
    ];
  } finally {
    admin.close();
    await etcd.stop();
  }
}

/** Starts the fleet, changes its album 3 times in `same` mode and 3 in `split`, and stops it. */
async function fleetFigures(label: string, client: Etcd3, members: FleetMember[], ids: string[], etcdPid: number): Promise<FleetFigures> {
  const started = performance.now();
  // 4 connections set up at once per process, not 16: on this machine under other work, 64 TLS handshakes at once
  // starved the processes' event loops until 40 of 1,000 connects passed their 12 s deadline.
  const fleet = await SimulatedFleet.start(members, { processes: PROCESSES, connectParallel: CONNECT_PARALLEL });
  try {
    const connectMs = performance.now() - started;
    const rssMiB = fleet.processes.reduce((sum, p) => sum + p.rssBytes, 0) / 2 ** 20;
    const server = await processFigures(etcdPid);
    const viewers = await Promise.all((await fleetPids()).map(processFigures));
    say(
      `${label}: etcd holds ${server.fds} file descriptors, ${server.rssMiB.toFixed(0)} MiB RSS; fleet processes ${viewers.map((v) => `${v.fds} fds ${v.rssMiB.toFixed(0)} MiB`).join(', ')} ` +
        `(limit ${await readFile('/proc/self/limits', 'utf8').then((t) => /Max open files\s+(\d+)/.exec(t)?.[1] ?? '?')} open files a process)`,
    );
    say(`${label}: ${members.length} viewers connected in ${Math.round(connectMs)} ms (processes: ${fleet.processes.map((p) => `${Math.round(p.ms)} ms`).join(', ')}), ${rssMiB.toFixed(0)} MiB RSS`);
    if (fleet.failures.length) throw new Error(`${label}: ${fleet.failures.length} headless viewers failed to connect: ${fleet.failures[0]!.error}`);
    // The fleet's start (announcements, leases, first status writes) settles first.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const albums: AlbumRecord[] = ['p', 'q', 'r', 's'].map((tag) => ({ id: `album-${tag}`, name: `Album ${tag}`, photos: photoNames(tag), createdAt: '2026-01-01T00:00:00.000Z' }));
    const library = emptyLibrary();
    library.albums.push(...albums);
    const group: GroupRecord = { id: 'group-s', name: 'Secure', albumId: albums[0]!.id, displayIds: ids, createdAt: '2026-01-01T00:00:00.000Z', mode: 'same' };
    library.groups = [group];
    const change = async (album: AlbumRecord): Promise<number> => {
      // Album changes come minutes apart: the viewers' status writes after the last one are over first.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      group.albumId = album.id;
      const startedAt = now();
      await publishGroup(client, library, group);
      // In split mode each display's part is dealt at random: what it should hold is what etcd holds now.
      const expected =
        group.mode === 'same'
          ? new Map(ids.map((id) => [id, listDigest(album.photos)]))
          : new Map(
              [...(await readKeys(client, ids.map((id) => ({ key: `/${id}:images`, expectBytes: 8000 })), ETCD_DEFAULT_WRITE_LIMITS))].map(([key, value]) => [
                key.slice(1, key.indexOf(':')),
                listDigest(JSON.parse(value) as string[]),
              ]),
            );
      const took = (await fleet.allHold(expected)) - startedAt;
      if (process.env.PHOTOFRAME_BENCH_VERBOSE) say(`${label}: ${group.mode} change held by all at ${took.toFixed(0)} ms`);
      return took;
    };
    await change(albums[0]!); // every display starts on album p
    const same: number[] = [];
    for (const album of [albums[1]!, albums[2]!, albums[1]!]) same.push(await change(album));
    group.mode = 'split';
    const split: number[] = [];
    for (const album of [albums[3]!, albums[0]!, albums[3]!]) split.push(await change(album));
    return { connectMs, rssMiB, sameMs: percentile(same, 50), splitMs: percentile(split, 50) };
  } finally {
    await fleet.close();
  }
}
