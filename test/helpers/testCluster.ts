import { Etcd3 } from 'etcd3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EtcdTarget } from '../../common/config.ts';
import { connectEtcd, createEtcdClient } from '../../common/etcd/etcdClient.ts';
import { planLocalCluster, type ClusterMember, type ClusterMemberPlan, type LocalCluster } from '../../common/etcd/localCluster.ts';
import { pkiPaths, type PkiPaths } from '../../console/pki/pkiPaths.ts';
import { startSecureLocalCluster } from '../../console/security/secureLocalCluster.ts';

/**
 * A real 3-member etcd cluster as `photoframe etcd --members 3` runs it
 * (peer and client TLS, client-certificate auth, etcd's auth on), in a
 * throwaway console home, with what a fault test needs: find the leader,
 * SIGKILL a member, start it again.
 */
export interface TestCluster {
  home: string;
  pki: PkiPaths;
  cluster: LocalCluster;
  members: ClusterMember[];
  /** The console's identity with every member's endpoint. */
  target: EtcdTarget;
  /** An admin client over all members. */
  admin: Etcd3;
  /** The console's identity pointed at one member only. */
  memberTarget(member: ClusterMember): EtcdTarget;
  /** The member the others follow, asked of each running member until they agree on one. */
  leader(timeoutMs?: number): Promise<ClusterMember>;
  /** Hands leadership to this member (etcd's MoveLeader, asked of the current leader). */
  makeLeader(member: ClusterMember): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestCluster(options: { members?: number; gidOf?: (member: ClusterMemberPlan) => number | undefined } = {}): Promise<TestCluster> {
  const home = await mkdtemp(join(tmpdir(), 'photoframe-cluster-'));
  const plans = await planLocalCluster(join(home, 'etcd'), options.members ?? 3);
  const { cluster, target } = await startSecureLocalCluster(home, plans, options.gidOf ? { gidOf: options.gidOf } : {});
  const admin = await connectEtcd(target);
  const memberTarget = (member: ClusterMember): EtcdTarget => ({ ...target, endpoints: [member.clientUrl] });
  return {
    home,
    pki: pkiPaths(home),
    cluster,
    members: cluster.members,
    target,
    admin,
    memberTarget,
    leader: (timeoutMs = 20_000) => findLeader(cluster.members, memberTarget, timeoutMs),
    makeLeader: async (member) => {
      const leader = await findLeader(cluster.members, memberTarget, 20_000);
      if (leader === member) return;
      const target = createEtcdClient(memberTarget(member));
      const current = createEtcdClient(memberTarget(leader));
      try {
        const { header } = await target.maintenance.status();
        await current.maintenance.moveLeader({ targetID: header.member_id });
      } finally {
        target.close();
        current.close();
      }
      if ((await findLeader(cluster.members, memberTarget, 20_000)) !== member) throw new Error(`leadership did not move to ${member.name}`);
    },
    stop: async () => {
      admin.close();
      await cluster.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

async function findLeader(members: ClusterMember[], targetOf: (member: ClusterMember) => EtcdTarget, timeoutMs: number): Promise<ClusterMember> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = new Map<string, ClusterMember>();
    const leaders = new Set<string>();
    for (const member of members.filter((m) => m.running())) {
      const client = createEtcdClient(targetOf(member), { callTimeoutMs: 1000 });
      try {
        const status = await client.maintenance.status();
        ids.set(status.header.member_id, member);
        if (status.leader !== '0') leaders.add(status.leader);
      } catch {
        // A member without a leader or still starting: ask again.
      } finally {
        client.close();
      }
    }
    const [only] = leaders;
    if (leaders.size === 1 && ids.has(only!)) return ids.get(only!)!;
    if (Date.now() > deadline) throw new Error(`no leader agreed on within ${timeoutMs} ms (seen: ${[...leaders].join(',') || 'none'})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
