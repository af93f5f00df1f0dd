import type { Etcd3 } from 'etcd3';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EtcdTarget } from '../../common/config.ts';
import { loadTlsMaterial, type TlsMaterial } from '../../common/tls/tlsMaterial.ts';
import { DISPLAY_DAYS, initPki, issueCertificate } from '../../console/pki/certificateAuthority.ts';
import { bundlePaths, type BundlePaths, type PkiPaths } from '../../console/pki/pkiPaths.ts';
import { startSecureTestEtcd } from './secureTestEtcd.ts';
import { createDisplayIdentity, displayUserName } from '../../console/security/displayRoles.ts';

/**
 * A real etcd as photoframe runs it by default: client TLS with
 * `--client-cert-auth` and etcd's auth on, its certificates from a PKI made
 * in a throwaway console home. The console's certificate (CN root) is the
 * admin client. Display identities and certificates are made on demand.
 */
export interface SecureEtcd {
  /** A console home whose `pki/` made etcd's certificates; `photoframe --home` it to act as the console. */
  home: string;
  pki: PkiPaths;
  endpoint: string;
  /** How the console reaches this etcd (its certificate from the home's PKI). */
  target: EtcdTarget;
  admin: Etcd3;
  /** A display's etcd user and role, and its enrollment bundle (ca.crt, display.crt, display.key) in a folder of its own. */
  enrollDisplay(id: string): Promise<DisplayIdentity>;
  /** A certificate from this CA for `display-<id>` without any etcd user: a display this installation never enrolled. */
  certificateWithoutEnrollment(id: string): Promise<DisplayIdentity>;
  stop(): Promise<void>;
}

export interface DisplayIdentity {
  bundle: BundlePaths;
  material: TlsMaterial;
}

export async function startSecureEtcd(): Promise<SecureEtcd> {
  // The same etcd as every secure test's (secureTestEtcd.ts), plus display identities on demand.
  const etcd = await startSecureTestEtcd();
  const bundles = await mkdtemp(join(tmpdir(), 'photoframe-bundles-'));
  const issue = async (id: string): Promise<DisplayIdentity> => {
    const bundle = bundlePaths(join(bundles, id));
    await mkdir(bundle.dir, { recursive: true, mode: 0o700 });
    await issueCertificate(etcd.pki, { commonName: displayUserName(id), usage: 'client', days: DISPLAY_DAYS, certPath: bundle.cert, keyPath: bundle.key });
    await copyFile(etcd.pki.caCert, bundle.caCert);
    return { bundle, material: loadTlsMaterial({ ca: bundle.caCert, cert: bundle.cert, key: bundle.key }) };
  };
  return {
    home: etcd.home,
    pki: etcd.pki,
    endpoint: etcd.endpoint,
    target: etcd.target,
    admin: etcd.admin,
    enrollDisplay: async (id) => {
      await createDisplayIdentity(etcd.admin, id);
      return issue(id);
    },
    certificateWithoutEnrollment: issue,
    stop: async () => {
      await etcd.stop();
      await rm(bundles, { recursive: true, force: true });
    },
  };
}

/** A second installation's CA with a display certificate of its own: what a stranger could make. */
export async function strangerDisplayCertificate(id: string): Promise<{ material: TlsMaterial; dispose(): Promise<void> }> {
  const scratch = await mkdtemp(join(tmpdir(), 'photoframe-stranger-'));
  const pki = await initPki(join(scratch, 'home'));
  const cert = join(scratch, 'display.crt');
  const key = join(scratch, 'display.key');
  await issueCertificate(pki, { commonName: displayUserName(id), usage: 'client', days: DISPLAY_DAYS, certPath: cert, keyPath: key });
  return { material: loadTlsMaterial({ ca: pki.caCert, cert, key }), dispose: () => rm(scratch, { recursive: true, force: true }) };
}
