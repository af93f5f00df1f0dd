import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePorts } from '../net/freePort.ts';
import { startEtcdProcess, type EtcdProcess } from './localEtcd.ts';

/**
 * Several etcd members on loopback forming one cluster: `photoframe etcd
 * --members 3`, `make cluster` and the cluster tests. With TLS, members talk
 * to each other over mutual TLS (peer certificates from the installation's
 * CA, admitted only with the peer common name) and serve clients as the
 * single etcd does.
 */
export interface MemberTls {
  caCert: string;
  /** Serves clients and peers, and dials peers: serverAuth and clientAuth, loopback SANs. */
  cert: string;
  key: string;
}

export interface ClusterMemberPlan {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
}

export interface ClusterMember extends ClusterMemberPlan {
  clientUrl: string;
  peerUrl: string;
  /** Whether this member's etcd is running now. */
  running(): boolean;
  pid(): number | null;
  /** SIGKILL, as a crash or a power cut would. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Starts it again on its ports and data: it rejoins the cluster it belonged to. */
  start(): Promise<void>;
}

export interface LocalCluster {
  members: ClusterMember[];
  /** Every member's client URL, in member order: what clients are given. */
  endpoints: string[];
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  members: ClusterMemberPlan[];
  /** Per member (by name), its certificates; absent for a plain-HTTP cluster. */
  tls?: (member: ClusterMemberPlan) => MemberTls;
  /** The common name every member's peer certificate carries; no other certificate of the CA may speak raft. */
  peerCommonName?: string;
  /** Distinguishes this cluster's raft traffic from another's with the same members' URLs. */
  token?: string;
  logTo?: NodeJS.WritableStream;
  /** Per member, a group id to run it with (the partition test tells its packets apart by their owner). */
  gidOf?: (member: ClusterMemberPlan) => number | undefined;
  startTimeoutMs?: number;
  /** A member ended by itself (not through kill or stop): a crash, a full disk. */
  onUnexpectedExit?: (member: ClusterMemberPlan, code: number | null) => void;
}

export const PEER_COMMON_NAME = 'etcd-peer';

/** Member names and ports: consecutive from the given ports (even offsets, so 2379/2380 become 2379, 2381, 2383 …), or free ones. */
export async function planLocalCluster(dir: string, count: number, ports: { client?: number; peer?: number } = {}): Promise<ClusterMemberPlan[]> {
  const plans: ClusterMemberPlan[] = [];
  // All free ports at once, held together: probed one by one, two members were once given the same port.
  const free = await freePorts(2 * count);
  for (let index = 0; index < count; index++) {
    const name = `member-${index + 1}`;
    plans.push({
      name,
      clientPort: ports.client ? ports.client + 2 * index : free[2 * index]!,
      peerPort: ports.peer ? ports.peer + 2 * index : free[2 * index + 1]!,
      dataDir: join(dir, name),
    });
  }
  return plans;
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const secure = Boolean(options.tls);
  const scheme = secure ? 'https' : 'http';
  const urls = (plan: ClusterMemberPlan) => ({
    clientUrl: `${scheme}://127.0.0.1:${plan.clientPort}`,
    peerUrl: `${scheme}://127.0.0.1:${plan.peerPort}`,
  });
  const initialCluster = options.members.map((plan) => `${plan.name}=${urls(plan).peerUrl}`).join(',');
  const token = options.token ?? `photoframe-${options.members.map((plan) => plan.peerPort).join('-')}`;

  const argsOf = (plan: ClusterMemberPlan): string[] => {
    const { clientUrl, peerUrl } = urls(plan);
    const tls = options.tls?.(plan);
    return [
      '--name', plan.name,
      '--data-dir', plan.dataDir,
      '--listen-client-urls', clientUrl,
      '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      // Read only when the data dir is new; a restarted member rejoins from what its data dir says.
      '--initial-cluster', initialCluster,
      '--initial-cluster-token', token,
      '--initial-cluster-state', 'new',
      ...(tls
        ? [
            '--cert-file', tls.cert, '--key-file', tls.key, '--trusted-ca-file', tls.caCert, '--client-cert-auth',
            '--peer-cert-file', tls.cert, '--peer-key-file', tls.key, '--peer-trusted-ca-file', tls.caCert, '--peer-client-cert-auth',
            '--peer-cert-allowed-cn', options.peerCommonName ?? PEER_COMMON_NAME,
          ]
        : []),
    ];
  };

  const members: ClusterMember[] = options.members.map((plan) => {
    let process: EtcdProcess | null = null;
    const start = async () => {
      if (process) throw new Error(`etcd ${plan.name} is already running`);
      await mkdir(plan.dataDir, { recursive: true, mode: 0o700 });
      const gid = options.gidOf?.(plan);
      process = await startEtcdProcess(argsOf(plan), {
        logTo: options.logTo,
        startTimeoutMs: options.startTimeoutMs,
        ...(gid !== undefined ? { gid } : {}),
      });
      const mine = process;
      void mine.exited.then((code) => {
        if (process !== mine) return;
        process = null;
        options.onUnexpectedExit?.(plan, code);
      });
    };
    const end = (how: 'kill' | 'stop') => async () => {
      const current = process;
      process = null;
      await current?.[how]();
    };
    return {
      ...plan,
      ...urls(plan),
      running: () => process !== null,
      pid: () => process?.pid ?? null,
      kill: end('kill'),
      stop: end('stop'),
      start,
    };
  });

  const stopAll = async () => {
    await Promise.all(members.map((member) => member.stop()));
  };
  // A member is ready only once a quorum exists: all start together.
  const started = await Promise.allSettled(members.map((member) => member.start()));
  const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  return { members, endpoints: members.map((member) => member.clientUrl), stop: stopAll };
}
