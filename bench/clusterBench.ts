import type { Etcd3 } from 'etcd3';
import { join } from 'node:path';
import { connectEtcd, createEtcdClient } from '../common/etcd/etcdClient.ts';
import { openEtcdFeed, type EtcdFeed } from '../common/etcd/etcdFeed.ts';
import { planLocalCluster, type ClusterMember } from '../common/etcd/localCluster.ts';
import { startSecureLocalCluster } from '../console/security/secureLocalCluster.ts';
import type { EtcdTarget } from '../common/config.ts';
import type { Sample } from './benchHarness.ts';

/**
 * A 3-member cluster (peer and client TLS, auth) and three headless viewers,
 * each its own client over all members with the viewer's feed on a key: how
 * long from the leader's SIGKILL until every viewer has the next write,
 * beside one write's put → watch latency with no fault, in the same run.
 */
const KEY = '/bench-cluster:images';

export async function clusterSamples(scratch: string): Promise<Sample[]> {
  const home = join(scratch, 'cluster-home');
  const plans = await planLocalCluster(join(home, 'etcd'), 3);
  const { cluster, target } = await startSecureLocalCluster(home, plans);
  const clients: Etcd3[] = [];
  const feeds: EtcdFeed[] = [];
  try {
    const writer = await connectEtcd(target);
    clients.push(writer);
    const seen: (string | null)[] = [null, null, null];
    const waiters = new Set<() => void>();
    for (let viewer = 0; viewer < 3; viewer++) {
      const client = await connectEtcd(target, { callTimeoutMs: 10_000 });
      clients.push(client);
      feeds.push(
        await openEtcdFeed(client, [{ key: KEY }], {
          snapshot: () => {},
          change: (change) => {
            seen[viewer] = change.value;
            for (const wake of [...waiters]) wake();
          },
          broken: (error) => process.stderr.write(`cluster bench: a viewer's feed broke: ${error.message}\n`),
        }),
      );
    }
    const allSee = (value: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (seen.every((v) => v === value)) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });

    const noFault: number[] = [];
    for (let round = 0; round < 7; round++) {
      const value = JSON.stringify([`calm-${round}.jpg`]);
      const start = performance.now();
      const converged = allSee(value);
      await writer.put(KEY).value(value);
      await converged;
      noFault.push(performance.now() - start);
    }

    const leader = await findLeader(cluster.members, target);
    const value = JSON.stringify(['after-the-fault.jpg']);
    const converged = allSee(value);
    const start = performance.now();
    await leader.kill();
    // The console writes as soon as the leader is gone; etcd acknowledges once a new one is elected.
    let acknowledgedMs = 0;
    for (;;) {
      try {
        await writer.put(KEY).value(value);
        acknowledgedMs = performance.now() - start;
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await converged;
    const convergedMs = performance.now() - start;
    await leader.start();
    noFault.sort((a, b) => a - b);
    process.stdout.write(`cluster: leader SIGKILL → write acknowledged ${acknowledgedMs.toFixed(0)} ms, → all 3 viewers converged ${convergedMs.toFixed(0)} ms (target ≤ 5000 ms)\n`);
    return [
      {
        name: 'leader SIGKILL → 3 viewers converged',
        unit: 'ms',
        ours: convergedMs,
        reference: noFault[Math.floor(noFault.length / 2)]!,
        referenceName: 'one write, no fault',
        lowerIsBetter: true,
      },
    ];
  } finally {
    for (const feed of feeds) await feed.close().catch(() => {});
    for (const client of clients) client.close();
    await cluster.stop();
  }
}

async function findLeader(members: ClusterMember[], target: EtcdTarget): Promise<ClusterMember> {
  for (;;) {
    for (const member of members) {
      const client = createEtcdClient({ ...target, endpoints: [member.clientUrl] });
      try {
        const status = await client.maintenance.status();
        if (status.leader === status.header.member_id) return member;
      } catch {
        // Not answering yet.
      } finally {
        client.close();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
