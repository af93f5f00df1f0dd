import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { createLogger } from '../../common/log.ts';
import { UserError } from '../../common/userError.ts';
import { ensurePki, issueCertificate, SERVER_DAYS } from '../pki/certificateAuthority.ts';
import { pkiPaths } from '../pki/pkiPaths.ts';

const log = createLogger('image-server');

export interface ImageServerIdentity {
  cert: Buffer;
  key: Buffer;
  /** The installation CA: what client certificates must chain to, and what viewers trust. */
  ca: Buffer;
  /** The CA's SHA-256 fingerprint, `AB:CD:…`, published so a person (or a viewer) can tell installations apart. */
  caSha256: string;
}

/**
 * The image server's certificate from `<home>/pki/`, made if missing. A
 * viewer checks the host it connects to against the certificate, so when the
 * advertised host is not among its names (a LAN address found at start, a
 * --public-url) the certificate is issued again with that name added: this
 * host holds the CA, and a refused handshake on every display would be the
 * alternative.
 */
export async function loadImageServerIdentity(home: string, advertisedHost: string): Promise<ImageServerIdentity> {
  const paths = await ensurePki(home);
  let cert = await readFile(paths.imageServerCert);
  const host = advertisedHost.replace(/^\[|\]$/g, '');
  if (!covers(new X509Certificate(cert), host)) {
    // The name goes into openssl's config: nothing but a plain host name or address gets there.
    if (!isIP(host) && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(host)) {
      throw new UserError(`the image server's host "${host}" is not a plain host name or IP address; give --public-url with one`);
    }
    const sans = [...new Set([...sansOf(new X509Certificate(cert)), host])];
    log.info(`the image server's certificate does not name ${host}; issuing it again with ${sans.join(', ')}`);
    await issueCertificate(paths, { commonName: 'photoframe image server', sans, usage: 'server', days: SERVER_DAYS, certPath: paths.imageServerCert, keyPath: paths.imageServerKey });
    cert = await readFile(paths.imageServerCert);
  }
  const ca = await readFile(pkiPaths(home).caCert);
  return { cert, key: await readFile(paths.imageServerKey), ca, caSha256: new X509Certificate(ca).fingerprint256 };
}

function covers(certificate: X509Certificate, host: string): boolean {
  return isIP(host) ? certificate.checkIP(host) !== undefined : certificate.checkHost(host) !== undefined;
}

/** The certificate's DNS names and IP addresses, as issueCertificate takes them. */
export function sansOf(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '')
    .split(', ')
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry.trim())?.[1])
    .filter((value): value is string => value !== undefined);
}
