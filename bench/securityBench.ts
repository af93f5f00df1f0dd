/**
 * What the secure defaults cost: etcd put → watch over mutual TLS with auth
 * against the same on a plain etcd with no auth; a viewer's cold start to
 * "watching" over TLS against plain; and enrolling 100 displays with the CLI
 * in a loop, as an admin setting up a shop would.
 */
import { Etcd3 } from 'etcd3';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { silenceIpServerNameWarning } from '../common/process/quietWarnings.ts';
import { startLocalEtcd } from '../common/etcd/localEtcd.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { deployedViewer } from '../test/helpers/deployedViewer.ts';
import { startSecureLocalEtcd } from '../console/security/secureLocalEtcd.ts';
import { enrollDisplay, revokeDisplay } from '../console/security/enrollment.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { startXvfb } from '../viewer/xvfbDisplay.ts';
import { startViewerProcess } from '../test/helpers/viewerUnderTest.ts';
import { percentile, printTable, type Sample } from './benchHarness.ts';

const ROUNDS = 500;
const COLD_STARTS = 7;
const ENROLLMENTS = 100;
const run = promisify(execFile);

/** Sequential put → event seen on a raw etcd3 watcher of the same client, in ms, after a warm-up. */
async function putToWatch(client: Etcd3, id: string): Promise<number[]> {
  const watcher = await client.watch().prefix(`/${id}:`).create();
  let seen: () => void = () => {};
  watcher.on('put', () => seen());
  const times: number[] = [];
  for (let i = 0; i < ROUNDS + 50; i++) {
    const event = new Promise<void>((resolve) => (seen = resolve));
    const start = process.hrtime.bigint();
    await client.put(displayKey(id, 'change_photo')).value(`"next-${i}"`);
    await event;
    if (i >= 50) times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await watcher.cancel();
  return times;
}

/** Spawn → the viewer's "watching etcd" log line, median of several starts, each with a fresh home. */
async function coldStarts(scratch: string, display: string, options: { endpoint: string; enrollment?: string }): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const home = await mkdtemp(join(scratch, 'cold-'));
    const start = process.hrtime.bigint();
    const viewer = startViewerProcess({ etcdEndpoint: options.endpoint, home, id: `cold-${i}`, display, enrollment: options.enrollment, args: ['--windowed', '320x180'] });
    try {
      await viewer.waitFor(/watching etcd/, 60_000);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    } finally {
      await viewer.stop();
    }
  }
  return percentile(times, 50);
}

/** Median time from the action to the viewer's "screen is black" line, over a few enrolled viewers. */
async function blankAfter(scratch: string, display: string, admin: Etcd3, store: LibraryStore, home: string, endpoints: string[], how: 'revoke' | 'delete'): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const enrolled = await enrollDisplay(admin, store, home, { name: `${how}-${i}`, etcdEndpoints: endpoints, out: await mkdtemp(join(scratch, 'bundle-')) });
    await admin.put(displayKey(enrolled.id, 'images')).value('["never-fetched.jpg"]');
    const viewer = startViewerProcess({ etcdEndpoint: endpoints[0]!, home: await mkdtemp(join(scratch, 'revoke-')), id: enrolled.id, display, enrollment: enrolled.bundle, args: ['--windowed', '320x180'] });
    try {
      await viewer.waitFor(/image list photos=1/, 60_000);
      const from = viewer.lines.length;
      const start = process.hrtime.bigint();
      if (how === 'revoke') await revokeDisplay(admin, store, home, enrolled.id);
      else await admin.delete().key(displayKey(enrolled.id, 'images'));
      await viewer.waitFor(/screen is black/, 30_000, from);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    } finally {
      await viewer.stop();
    }
  }
  return percentile(times, 50);
}

export async function securitySamples(scratch: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  const plain = await startLocalEtcd({ dataDir: join(scratch, 'etcd-plain') });
  const secureHome = await mkdtemp(join(scratch, 'secure-'));
  const secure = await startSecureLocalEtcd(secureHome, { dataDir: join(secureHome, 'etcd') });
  const xvfb = await startXvfb(640, 360);
  try {
    const plainClient = await connectEtcd([plain.endpoint]);
    const secureClient = await connectEtcd(secure.target);
    try {
      const plainTimes = await putToWatch(plainClient, 'bench-plain');
      const secureTimes = await putToWatch(secureClient, 'bench-secure');
      for (const p of [50, 99]) {
        samples.push({
          name: `etcd put → watch seen, mutual TLS + auth (p${p})`,
          unit: 'ms',
          ours: percentile(secureTimes, p),
          reference: percentile(plainTimes, p),
          referenceName: 'plain http etcd, no auth (target: p50 ≤ plain + 1 ms)',
          lowerIsBetter: true,
        });
      }

      const store = new LibraryStore(join(secureHome, 'library.json'));
      const enrollment = await enrollDisplay(secureClient, store, secureHome, { name: 'cold start', etcdEndpoints: secure.target.endpoints });
      const overTls = await coldStarts(scratch, xvfb.display, { endpoint: secure.etcd.endpoint, enrollment: enrollment.bundle });
      const overPlain = await coldStarts(scratch, xvfb.display, { endpoint: plain.endpoint });
      samples.push({
        name: 'viewer cold start → watching, over TLS (median)',
        unit: 'ms',
        ours: overTls,
        reference: overPlain,
        referenceName: 'the same viewer over plain http (target ≤ 1.3×)',
        lowerIsBetter: true,
      });

      // Revocation: from `display revoke` to the viewer blanking its screen through its still-open watch,
      // beside a bare delete of the same display's list reaching an unrevoked viewer.
      const revokeMs = await blankAfter(scratch, xvfb.display, secureClient, store, secureHome, secure.target.endpoints, 'revoke');
      const deleteMs = await blankAfter(scratch, xvfb.display, secureClient, store, secureHome, secure.target.endpoints, 'delete');
      samples.push({
        name: 'display revoke → its screen black (open watch)',
        unit: 'ms',
        ours: revokeMs,
        reference: deleteMs,
        referenceName: 'deleting its /<id>:images alone → screen black',
        lowerIsBetter: true,
      });

      // `display enroll` in a loop through the bundled CLI (what a Pi-less admin host runs), 100 times.
      const cli = deployedViewer().cli;
      const base = [cli, '--etcd', secure.etcd.endpoint, '--home', secureHome, 'display', 'enroll'];
      const loopStart = process.hrtime.bigint();
      for (let i = 0; i < ENROLLMENTS; i++) await run(process.execPath, [...base, `shop-${i}`, '--json'], { env: { ...process.env, PHOTOFRAME_LOG: 'error' } });
      const loopMs = Number(process.hrtime.bigint() - loopStart) / 1e6;
      const one = process.hrtime.bigint();
      await run(process.execPath, [cli, '--home', secureHome, '--help']);
      const startupMs = Number(process.hrtime.bigint() - one) / 1e6;
      // The same 100 in one run (`display enroll NAME...`): one process start and one connection.
      const names = Array.from({ length: ENROLLMENTS }, (_, i) => `batch-${i}`);
      const batchStart = process.hrtime.bigint();
      await run(process.execPath, [...base, ...names, '--json'], { env: { ...process.env, PHOTOFRAME_LOG: 'error' }, maxBuffer: 16 * 1024 * 1024 });
      const batchMs = Number(process.hrtime.bigint() - batchStart) / 1e6;
      samples.push({
        name: `enroll ${ENROLLMENTS} displays, one display enroll NAME... run`,
        unit: 'ms',
        ours: batchMs,
        reference: loopMs,
        referenceName: `the same through ${ENROLLMENTS} separate display enroll runs (target: under 10 s in all)`,
        lowerIsBetter: true,
      });
      samples.push({
        name: `enroll ${ENROLLMENTS} displays (display enroll in a loop)`,
        unit: 'ms',
        ours: loopMs,
        reference: startupMs * ENROLLMENTS,
        referenceName: `${ENROLLMENTS}× starting the CLI alone (--help) (target: under 10 s in all)`,
        lowerIsBetter: true,
      });
    } finally {
      plainClient.close();
      secureClient.close();
    }
  } finally {
    await xvfb.stop();
    await secure.etcd.stop();
    await plain.stop();
  }
  return samples;
}

// Alone: `node --import tsx bench/securityBench.ts`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.env.PHOTOFRAME_LOG ??= 'error';
  silenceIpServerNameWarning();
  const { mkdtemp: makeTemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const scratch = await makeTemp(join(tmpdir(), 'photoframe-bench-security-'));
  try {
    printTable(await securitySamples(scratch));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
