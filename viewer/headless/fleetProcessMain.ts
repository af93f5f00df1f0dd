/**
 * One process of a simulated fleet (simulatedFleet.ts): runs the headless
 * viewers it is given, each with its own etcd client, and tells its parent
 * over IPC when each one's list changes. Arguments: a JSON file holding
 * `FleetProcessSpec`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { EtcdTarget } from '../../common/config.ts';
import { connectEtcd, EtcdUnreachableError } from '../../common/etcd/etcdClient.ts';
import { createLogger } from '../../common/log.ts';
import { HeadlessViewer } from './headlessViewer.ts';

export interface FleetProcessSpec {
  members: { id: string; etcd: EtcdTarget; enrolled: boolean }[];
  diskPath: string;
  /** Connections being set up at once: a fleet that boots together still reaches etcd a few at a time. */
  connectParallel: number;
  /**
   * One etcd client for the whole process, its members' watches multiplexed
   * on it, without presence or status keys; else each member has its own
   * client, leases and status key, as displays do.
   */
  sharedClient: boolean;
}

export interface ListReport {
  id: string;
  digest: string;
  count: number;
  /** When the member's list changed, in this process (ms since the epoch, sub-ms). */
  at: number;
}

export type FleetMessage =
  /** The list reports of one turn of this process's event loop, each with its own time. */
  | { kind: 'lists'; reports: ListReport[] }
  | { kind: 'connected'; count: number; ms: number; rssBytes: number }
  | { kind: 'failed'; id: string; error: string };

/** A list as a short digest, independent of its order (a shuffling viewer holds it in its own order). */
export function listDigest(images: readonly string[]): string {
  return createHash('sha1').update([...images].sort().join('\n')).digest('hex').slice(0, 16);
}

const CONNECT_ATTEMPTS = 3;

async function main(specPath: string): Promise<void> {
  const spec = JSON.parse(await readFile(specPath, 'utf8')) as FleetProcessSpec;
  const send = (message: FleetMessage) => process.send?.(message);
  // A fan-out changes 250 members' lists within a few turns of the event loop: one IPC message a turn, not
  // one a member (each send is a synchronous write to the pipe, on the cores the fleet shares with etcd).
  const pending: ListReport[] = [];
  const report = (entry: ListReport) => {
    if (pending.length === 0) setImmediate(() => send({ kind: 'lists', reports: pending.splice(0) }));
    pending.push(entry);
  };
  const log = createLogger('headless');
  const first = spec.members[0];
  const shared = spec.sharedClient && first ? await connectEtcd(first.etcd) : undefined;
  const viewers = spec.members.map(
    (member) =>
      new HeadlessViewer({
        ...member,
        diskPath: spec.diskPath,
        log,
        ...(shared ? { sharedClient: shared } : {}),
        listChanged: (images) => {
          const at = performance.timeOrigin + performance.now();
          report({ id: member.id, digest: listDigest(images), count: images.length, at });
        },
      }),
  );
  const started = performance.now();
  let next = 0;
  const connectSome = async () => {
    while (next < viewers.length) {
      const viewer = viewers[next++]!;
      // A display that finds etcd too busy to answer at boot tries again, as a viewer does (reconnectInBackground);
      // 1,000 TLS handshakes on a loaded 2-core machine left some past their deadline.
      for (let attempt = 1; ; attempt++) {
        try {
          await viewer.connect();
          break;
        } catch (error) {
          if (error instanceof EtcdUnreachableError && attempt < CONNECT_ATTEMPTS) continue;
          send({ kind: 'failed', id: viewer.app.displayId, error: (error as Error).message.split('\n')[0]! });
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connectParallel }, connectSome));
  send({ kind: 'connected', count: viewers.length, ms: performance.now() - started, rssBytes: process.memoryUsage().rss });
  process.on('message', (message: { kind: string }) => {
    if (message.kind !== 'close') return;
    void Promise.all(viewers.map((viewer) => viewer.close().catch(() => {})))
      .then(() => shared?.close())
      .finally(() => process.exit(0));
  });
  // An orphaned fleet process (its parent killed) must not keep 250 connections open.
  process.on('disconnect', () => process.exit(0));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv[2] ?? '').catch((error: Error) => {
    process.stderr.write(`fleet process failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
