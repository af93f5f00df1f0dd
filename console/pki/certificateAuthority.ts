import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import { isFile as fileExists } from '../../common/fileOnce.ts';
import { UserError } from '../../common/userError.ts';
import { OpensslError, runOpenssl, runOpensslMany } from './openssl.ts';
import { pkiPaths, type PkiPaths } from './pkiPaths.ts';

/**
 * The installation's private certificate authority: made once on the
 * console's host by `photoframe pki init`, it signs etcd's server
 * certificate, the image server's, the console's and one per display.
 * Keys are ECDSA P-256, which etcd (Go), grpc-js and OpenSSL all accept.
 */

export const CA_DAYS = 3650;
export const SERVER_DAYS = 825;
export const CLIENT_DAYS = 825;
export const DISPLAY_DAYS = 365;

/** The etcd user the console's certificate names: etcd's built-in administrator. */
export const CONSOLE_COMMON_NAME = 'root';
/** Names every server certificate carries, so the same host's clients always match. */
const LOOPBACK_SANS = ['localhost', '127.0.0.1', '::1'];

export class PkiExistsError extends UserError {
  constructor(path: string) {
    super(`${path} already exists; photoframe pki init overwrites nothing without --force`);
    this.name = 'PkiExistsError';
  }
}

export class PkiMissingError extends UserError {
  constructor(path: string) {
    super(`no certificate authority at ${path}; run photoframe pki init first`);
    this.name = 'PkiMissingError';
  }
}

export interface PkiInitOptions {
  /** Host names and IP addresses the etcd and image servers are reached by, beyond loopback. */
  sans?: string[];
  force?: boolean;
}

/** Makes the CA and the etcd server, image server and console certificates. */
export async function initPki(home: string, options: PkiInitOptions = {}): Promise<PkiPaths> {
  const paths = pkiPaths(home);
  const made = [paths.caCert, paths.caKey, paths.etcdServerCert, paths.etcdServerKey, paths.consoleCert, paths.consoleKey];
  if (!options.force) {
    for (const path of made) if (await fileExists(path)) throw new PkiExistsError(path);
  }
  const sans = [...new Set([...LOOPBACK_SANS, ...(options.sans ?? []).map(validateSan)])];
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await chmod(paths.dir, 0o700);
  await inScratch(paths.dir, async (scratch) => {
    const caConfig = join(scratch, 'ca.cnf');
    await writeFile(caConfig, requestConfig('photoframe CA ' + randomBytes(4).toString('hex'), [
      'basicConstraints = critical, CA:TRUE, pathlen:0',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
    ]));
    const caKey = join(scratch, 'ca.key');
    const caCert = join(scratch, 'ca.crt');
    await runOpenssl(
      ['req', '-x509', '-new', ...NEW_KEY, '-keyout', caKey, '-config', caConfig, '-extensions', 'ext', '-days', String(CA_DAYS), '-out', caCert],
      'make the certificate authority',
    );
    await settle(caKey, paths.caKey, 0o600);
    await settle(caCert, paths.caCert, 0o644);
  });
  await issueCertificate(paths, { commonName: 'etcd', sans, usage: 'server', days: SERVER_DAYS, certPath: paths.etcdServerCert, keyPath: paths.etcdServerKey });
  await issueCertificate(paths, { commonName: 'photoframe image server', sans, usage: 'server', days: SERVER_DAYS, certPath: paths.imageServerCert, keyPath: paths.imageServerKey });
  await issueCertificate(paths, { commonName: CONSOLE_COMMON_NAME, usage: 'client', days: CLIENT_DAYS, certPath: paths.consoleCert, keyPath: paths.consoleKey });
  return paths;
}

/** Makes the PKI when the home has none; the first `photoframe etcd` or demo needs no manual step. */
export async function ensurePki(home: string, options: PkiInitOptions = {}): Promise<PkiPaths> {
  const paths = pkiPaths(home);
  if (await fileExists(paths.caKey)) {
    // A PKI made before the image server had a certificate of its own gets one now.
    if (!(await fileExists(paths.imageServerCert))) {
      await issueCertificate(paths, { commonName: 'photoframe image server', sans: [...LOOPBACK_SANS, ...(options.sans ?? [])], usage: 'server', days: SERVER_DAYS, certPath: paths.imageServerCert, keyPath: paths.imageServerKey });
    }
    return paths;
  }
  return initPki(home, options);
}

export interface IssueRequest {
  commonName: string;
  sans?: string[];
  usage: 'server' | 'client';
  days: number;
  certPath: string;
  keyPath: string;
  /** Renewal: sign a new certificate for the key already at keyPath instead of making a new key. */
  keepKey?: boolean;
}

/** Issues one certificate signed by the CA; the key is written 0600, and both land atomically. */
export async function issueCertificate(paths: PkiPaths, request: IssueRequest): Promise<void> {
  if (!(await fileExists(paths.caKey))) throw new PkiMissingError(paths.caKey);
  const extensions = [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    `extendedKeyUsage = ${request.usage === 'server' ? 'serverAuth, clientAuth' : 'clientAuth'}`,
    'authorityKeyIdentifier = keyid',
  ];
  if (request.sans && request.sans.length > 0) extensions.push(`subjectAltName = ${request.sans.map(sanEntry).join(', ')}`);
  await inScratch(paths.dir, async (scratch) => {
    const config = join(scratch, 'leaf.cnf');
    await writeFile(config, requestConfig(request.commonName, extensions));
    const key = join(scratch, 'leaf.key');
    const cert = join(scratch, 'leaf.crt');
    const keyArgs = request.keepKey ? ['-key', request.keyPath] : [...NEW_KEY, '-keyout', key];
    await runOpenssl(
      [
        'req', '-x509', '-new', ...keyArgs,
        '-CA', paths.caCert, '-CAkey', paths.caKey,
        '-config', config, '-extensions', 'ext',
        '-days', String(request.days),
        // Random serials, so two certificates never share one even across re-initialised CAs.
        '-set_serial', `0x${randomBytes(16).toString('hex')}`,
        '-out', cert,
      ],
      `issue a certificate for ${request.commonName}`,
    );
    if (!request.keepKey) await settle(key, request.keyPath, 0o600);
    await settle(cert, request.certPath, 0o644);
  });
}

export interface ClientCertificateRequest {
  commonName: string;
  certPath: string;
  keyPath: string;
}

/** Each request's outcome, in order: null when its key and certificate are in place, else why not. */
export type IssueOutcome = Error | null;

/**
 * Many client certificates, each with a new key, as `issueCertificate`
 * makes one: the same openssl command per certificate, but started by one
 * `xargs -P` (findutils) rather than by Node. openssl's own start costs
 * about 11 ms of CPU and Node's fork of itself about 6 ms more, on top of
 * its writes; xargs forks in a few hundred microseconds, and runs `parallel`
 * of them at once. Arguments pass NUL-separated, never through a shell.
 * Keys and certificates land 0600, durably and atomically (temp file in
 * the target's folder, fsync, rename, folder fsync).
 */
export async function issueClientCertificates(paths: PkiPaths, requests: readonly ClientCertificateRequest[], days: number, parallel: number): Promise<IssueOutcome[]> {
  if (!(await fileExists(paths.caKey))) throw new PkiMissingError(paths.caKey);
  const outcomes: IssueOutcome[] = requests.map(() => null);
  if (requests.length === 0) return outcomes;
  await inScratch(paths.dir, async (scratch) => {
    const config = join(scratch, 'leaf.cnf');
    // The subject is given per certificate (-subj); the config holds what all of them share.
    await writeFile(config, requestConfig('photoframe display', clientExtensions()));
    const made = requests.map((request, i) => ({ request, key: join(scratch, `${i}.key`), cert: join(scratch, `${i}.crt`) }));
    const perCommand = (item: (typeof made)[number]) => [
      'req', '-x509', '-new', ...NEW_KEY, '-keyout', item.key,
      '-CA', paths.caCert, '-CAkey', paths.caKey,
      '-config', config, '-extensions', 'ext',
      '-subj', `/CN=${subjectValue(item.request.commonName)}`,
      '-days', String(days),
      '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      '-out', item.cert,
    ];
    const argsEach = perCommand(made[0]!).length;
    const stderr = await runOpensslMany(made.map(perCommand).flat(), argsEach, parallel);
    await Promise.all(
      made.map(async (item, i) => {
        try {
          if (!(await fileExists(item.key)) || !(await fileExists(item.cert))) throw new OpensslError(`issue a certificate for ${item.request.commonName}`, stderr);
          await moveDurably(item.key, item.request.keyPath);
          await moveDurably(item.cert, item.request.certPath);
        } catch (error) {
          outcomes[i] = error as Error;
        }
      }),
    );
  });
  return outcomes;
}

function clientExtensions(): string[] {
  return ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = clientAuth', 'authorityKeyIdentifier = keyid'];
}

/** In -subj, '/' and '+' separate fields and '\\' escapes: a common name keeps them as text. */
function subjectValue(commonName: string): string {
  return commonName.replace(/[\\/+=]/g, (ch) => `\\${ch}`);
}

/** openssl's file into its place: 0600, synced, renamed over the target, the folder synced. */
async function moveDurably(from: string, to: string): Promise<void> {
  await chmod(from, 0o600);
  const handle = await open(from, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  // The scratch folder is beside the targets' pki/ folder, so this is a rename on one file system.
  await rename(from, to);
  const dir = await open(dirname(to), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc'];

function requestConfig(commonName: string, extensions: string[]): string {
  // openssl's config syntax treats these specially inside values.
  const cn = commonName.replace(/[\\$"]/g, '');
  return ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${cn}`, '[ext]', ...extensions, ''].join('\n');
}

const IP_V4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9*](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*$/;

function isIp(value: string): boolean {
  return IP_V4.test(value) || (value.includes(':') && /^[0-9A-Fa-f:.]+$/.test(value));
}

function validateSan(value: string): string {
  const trimmed = value.trim();
  if (!isIp(trimmed) && !HOST_NAME.test(trimmed)) {
    throw new UserError(`--san "${value}" is neither a host name nor an IP address`);
  }
  return trimmed;
}

function sanEntry(value: string): string {
  return isIp(value) ? `IP:${value}` : `DNS:${value}`;
}

/** openssl's outputs are made in a private scratch folder beside the targets, then renamed in. */
async function inScratch(dir: string, work: (scratch: string) => Promise<void>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const scratch = await mkdtemp(join(dir, '.issue-'));
  try {
    await work(scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Copies openssl's output to its place durably and atomically, with its mode from the first byte. */
async function settle(from: string, to: string, mode: number): Promise<void> {
  await writeFileAtomic(to, await readFile(from), mode);
}
