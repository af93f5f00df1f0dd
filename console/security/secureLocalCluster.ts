import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import type { EtcdTarget } from '../../common/config.ts';
import { connectEtcd } from '../../common/etcd/etcdClient.ts';
import { PEER_COMMON_NAME, startLocalCluster, type ClusterMemberPlan, type LocalCluster, type LocalClusterOptions } from '../../common/etcd/localCluster.ts';
import { isFile } from '../../common/fileOnce.ts';
import { ensurePki, issueCertificate, SERVER_DAYS } from '../pki/certificateAuthority.ts';
import { pkiPaths } from '../pki/pkiPaths.ts';
import { enableEtcdAuth } from './etcdAuth.ts';

export interface SecureLocalCluster {
  cluster: LocalCluster;
  /** The console's way in: every member's https endpoint with `<home>/pki/console.crt`. */
  target: EtcdTarget;
}

/** A member's certificate: `<home>/pki/etcd-members/<name>.crt`, made on first use. */
export function memberCertificatePaths(home: string, name: string): { cert: string; key: string } {
  const dir = join(pkiPaths(home).dir, 'etcd-members');
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/**
 * The secure cluster, as `photoframe etcd --members N` runs it: the
 * installation's CA signs one certificate per member (common name
 * etcd-peer, the only one the members accept on their peer port, so a
 * display's certificate from the same CA cannot pose as a member), client
 * TLS with client-certificate auth, and etcd's auth with the console as root.
 */
export async function startSecureLocalCluster(
  home: string,
  members: ClusterMemberPlan[],
  options: Omit<LocalClusterOptions, 'members' | 'tls' | 'peerCommonName'> = {},
): Promise<SecureLocalCluster> {
  const pki = await ensurePki(home);
  for (const member of members) {
    const paths = memberCertificatePaths(home, member.name);
    if (await isFile(paths.cert)) continue;
    await issueCertificate(pki, {
      commonName: PEER_COMMON_NAME,
      sans: ['localhost', '127.0.0.1', '::1'],
      usage: 'server',
      days: SERVER_DAYS,
      certPath: paths.cert,
      keyPath: paths.key,
    });
  }
  const cluster = await startLocalCluster({
    ...options,
    members,
    peerCommonName: PEER_COMMON_NAME,
    tls: (member) => ({ caCert: pki.caCert, ...memberCertificatePaths(home, member.name) }),
  });
  const target: EtcdTarget = { endpoints: cluster.endpoints, tls: { ca: pki.caCert, cert: pki.consoleCert, key: pki.consoleKey } };
  let admin: Etcd3 | undefined;
  try {
    admin = await connectEtcd(target);
    await enableEtcdAuth(admin);
  } catch (error) {
    await cluster.stop();
    throw error;
  } finally {
    admin?.close();
  }
  return { cluster, target };
}
