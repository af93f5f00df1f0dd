import { join } from 'node:path';

/**
 * The installation's certificates under `<home>/pki/`. These file names are
 * part of the interface: docs/security.md and its etcdctl examples use them.
 */
export function pkiPaths(home: string) {
  const dir = join(home, 'pki');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    /** Never leaves this host: whoever holds it can mint any identity. */
    caKey: join(dir, 'ca.key'),
    etcdServerCert: join(dir, 'etcd-server.crt'),
    etcdServerKey: join(dir, 'etcd-server.key'),
    consoleCert: join(dir, 'console.crt'),
    consoleKey: join(dir, 'console.key'),
    imageServerCert: join(dir, 'image-server.crt'),
    imageServerKey: join(dir, 'image-server.key'),
    /** One enrollment bundle per display, kept so a certificate can be renewed and its expiry shown. */
    displaysDir: join(dir, 'displays'),
  };
}

export type PkiPaths = ReturnType<typeof pkiPaths>;

/** The files of one enrollment bundle, the folder `make deploy` installs on a Pi. */
export function bundlePaths(dir: string) {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    cert: join(dir, 'display.crt'),
    key: join(dir, 'display.key'),
    env: join(dir, 'photoframe.env'),
  };
}

export type BundlePaths = ReturnType<typeof bundlePaths>;
