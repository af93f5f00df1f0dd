import type { Etcd3 } from 'etcd3';
import type { EtcdTarget } from '../../common/config.ts';
import { connectEtcd } from '../../common/etcd/etcdClient.ts';
import { startLocalEtcd, type LocalEtcd, type LocalEtcdOptions } from '../../common/etcd/localEtcd.ts';
import { ensurePki } from '../pki/certificateAuthority.ts';
import { enableEtcdAuth } from './etcdAuth.ts';

export interface SecureLocalEtcd {
  etcd: LocalEtcd;
  /** The console's way in: the https endpoint with `<home>/pki/console.crt`. */
  target: EtcdTarget;
}

/**
 * The secure configuration, which is the default: the installation's PKI
 * (made on first use), etcd with client TLS and client-certificate auth, and
 * etcd's authentication enabled with the console as root. No manual step.
 */
export async function startSecureLocalEtcd(home: string, options: Omit<LocalEtcdOptions, 'tls'>): Promise<SecureLocalEtcd> {
  const pki = await ensurePki(home);
  const etcd = await startLocalEtcd({ ...options, tls: { caCert: pki.caCert, serverCert: pki.etcdServerCert, serverKey: pki.etcdServerKey } });
  const target: EtcdTarget = { endpoints: [etcd.endpoint], tls: { ca: pki.caCert, cert: pki.consoleCert, key: pki.consoleKey } };
  let admin: Etcd3 | undefined;
  try {
    admin = await connectEtcd(target);
    await enableEtcdAuth(admin);
  } catch (error) {
    await etcd.stop();
    throw error;
  } finally {
    admin?.close();
  }
  return { etcd, target };
}
