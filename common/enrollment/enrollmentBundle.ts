import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EtcdTarget } from '../config.ts';
import { parseEtcdEndpoints } from '../config.ts';
import { isDisplayId } from '../protocol/displayKeys.ts';
import { certificateFacts, loadTlsMaterial, type TlsMaterial } from '../tls/tlsMaterial.ts';
import { UserError } from '../userError.ts';
import { displayIdOfUser } from './displayIdentity.ts';
import { parseEnrollmentEnv } from './enrollmentEnv.ts';

/** A display's enrollment bundle, read: everything a viewer needs to be that display. */
export interface Enrollment {
  dir: string;
  /** From the certificate, never from a file anyone could edit: a certificate made for one display cannot act as another. */
  id: string;
  name: string | null;
  etcd: EtcdTarget;
  tls: TlsMaterial;
  imageServer: string | null;
}

export class EnrollmentError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'EnrollmentError';
  }
}

export function loadEnrollment(dirText: string): Enrollment {
  const dir = resolve(dirText);
  const envPath = join(dir, 'photoframe.env');
  let envText: string;
  try {
    envText = readFileSync(envPath, 'utf8');
  } catch (error) {
    throw new EnrollmentError(`cannot read the enrollment ${envPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give the folder \`photoframe display enroll\` wrote`);
  }
  const env = parseEnrollmentEnv(envText, envPath);
  const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'display.crt'), key: join(dir, 'display.key') };
  const tls = loadTlsMaterial(files);
  let commonName: string;
  try {
    commonName = certificateFacts(tls.cert).commonName;
  } catch (error) {
    throw new EnrollmentError(`${files.cert} is not a certificate (${(error as Error).message}); re-enroll the display`);
  }
  const id = displayIdOfUser(commonName);
  if (id === null || !isDisplayId(id)) throw new EnrollmentError(`${files.cert} is not a display's certificate (its name is "${commonName}")`);
  if (env.PHOTOFRAME_ID !== undefined && env.PHOTOFRAME_ID !== id) {
    throw new EnrollmentError(`${envPath} says display ${env.PHOTOFRAME_ID}, but its certificate is display ${id}'s; re-enroll the display`);
  }
  if (!env.PHOTOFRAME_ETCD) throw new EnrollmentError(`${envPath} has no PHOTOFRAME_ETCD; re-enroll with --display-etcd URL`);
  const endpoints = parseEtcdEndpoints(env.PHOTOFRAME_ETCD, `${envPath} PHOTOFRAME_ETCD`);
  if (endpoints.some((endpoint) => endpoint.startsWith('http:'))) {
    throw new EnrollmentError(`${envPath} names a plain http:// etcd; an enrolled display speaks TLS only: use https://`);
  }
  return {
    dir,
    id,
    name: env.PHOTOFRAME_NAME ?? null,
    etcd: { endpoints, tls: files },
    tls,
    imageServer: env.PHOTOFRAME_IMAGE_SERVER ?? null,
  };
}
