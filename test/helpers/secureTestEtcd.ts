import type { Etcd3 } from 'etcd3';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EtcdTarget } from '../../common/config.ts';
import { connectEtcd } from '../../common/etcd/etcdClient.ts';
import { pkiPaths, type PkiPaths } from '../../console/pki/pkiPaths.ts';
import { startSecureLocalEtcd } from '../../console/security/secureLocalEtcd.ts';

/**
 * A real etcd with client TLS, client-certificate auth and etcd's auth on,
 * its certificates made inside the test by `photoframe pki init`'s code, in
 * a throwaway home folder: what `photoframe etcd` runs by default.
 */
export interface SecureTestEtcd {
  home: string;
  endpoint: string;
  pki: PkiPaths;
  /** The console's identity (etcd user root). */
  target: EtcdTarget;
  admin: Etcd3;
  /** Stops etcd and starts it again on the same ports and data: every client's connection drops and reconnects. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSecureTestEtcd(): Promise<SecureTestEtcd> {
  const home = await mkdtemp(join(tmpdir(), 'photoframe-secure-'));
  let { etcd, target } = await startSecureLocalEtcd(home, { dataDir: join(home, 'etcd') });
  const admin = await connectEtcd(target);
  return {
    home,
    endpoint: etcd.endpoint,
    pki: pkiPaths(home),
    target,
    admin,
    restart: async () => {
      await etcd.stop();
      ({ etcd, target } = await startSecureLocalEtcd(home, { dataDir: join(home, 'etcd'), clientPort: etcd.clientPort, peerPort: etcd.peerPort }));
    },
    stop: async () => {
      admin.close();
      await etcd.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * A certificate from the installation's CA valid only in the past, made with
 * `openssl ca` (which, unlike `req`, takes explicit dates).
 */
export async function issueExpiredCertificate(pki: PkiPaths, commonName: string, dir: string): Promise<{ cert: string; key: string }> {
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'expired-ca.cnf');
  await writeFile(
    config,
    [
      '[ca]', 'default_ca = test_ca', '[test_ca]',
      `database = ${join(dir, 'index.txt')}`, `new_certs_dir = ${dir}`, `serial = ${join(dir, 'serial')}`,
      'default_md = sha256', 'policy = any', 'x509_extensions = ext', 'unique_subject = no',
      '[any]', 'commonName = supplied',
      '[ext]', 'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = clientAuth', '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '01\n');
  const key = join(dir, 'expired.key');
  const csr = join(dir, 'expired.csr');
  const cert = join(dir, 'expired.crt');
  const run = promisify(execFile);
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc', '-keyout', key, '-subj', `/CN=${commonName}`, '-out', csr]);
  await run('openssl', ['ca', '-batch', '-config', config, '-cert', pki.caCert, '-keyfile', pki.caKey, '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-in', csr, '-out', cert]);
  return { cert, key };
}
