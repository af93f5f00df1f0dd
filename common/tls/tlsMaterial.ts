import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError } from '../userError.ts';

/** Where a client's TLS identity lives: the CA it trusts, its certificate and its key. */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** The same, read: what etcd3's `credentials` and node:https take. */
export interface TlsMaterial {
  files: TlsFiles;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export class TlsFileError extends UserError {
  constructor(
    readonly path: string,
    readonly role: 'CA certificate' | 'certificate' | 'private key',
    reason: string,
  ) {
    super(`cannot read the ${role} ${path} (${reason}); check that it exists and that this user may read it`);
    this.name = 'TlsFileError';
  }
}

export class CertificateValidityError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateValidityError';
  }
}

/** Reads all three files now, so an unreadable one is one clear line at start rather than a TLS failure later. */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  return {
    files,
    ca: readOne(files.ca, 'CA certificate'),
    cert: readOne(files.cert, 'certificate'),
    key: readOne(files.key, 'private key'),
  };
}

function readOne(path: string, role: TlsFileError['role']): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TlsFileError(path, role, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
}

export interface CertificateFacts {
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, as `AB:CD:…`, the form `openssl x509 -fingerprint -sha256` prints. */
  fingerprint256: string;
}

/** Reads a PEM certificate with Node's own X.509 parser. */
export function certificateFacts(pem: Buffer | string): CertificateFacts {
  const certificate = new X509Certificate(pem);
  const commonName = /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1] ?? '';
  return {
    commonName,
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
    fingerprint256: certificate.fingerprint256,
  };
}

/** Whole days left before a certificate expires (negative once it has). */
export function daysLeft(facts: CertificateFacts, now: Date = new Date()): number {
  return Math.floor((facts.notAfter.getTime() - now.getTime()) / 86_400_000);
}

/**
 * Refuses, before any connection is tried, a certificate of ours that is not
 * valid now: the server would only say "bad certificate".
 */
export function assertCertificateCurrent(material: TlsMaterial, fix: string, now: Date = new Date()): CertificateFacts {
  const facts = certificateFacts(material.cert);
  if (now < facts.notBefore) {
    throw new CertificateValidityError(
      `the certificate ${material.files.cert} is not valid until ${facts.notBefore.toISOString()}; check this machine's clock (it says ${now.toISOString()})`,
    );
  }
  if (now > facts.notAfter) {
    throw new CertificateValidityError(`the certificate ${material.files.cert} expired on ${facts.notAfter.toISOString()}; ${fix}`);
  }
  return facts;
}
