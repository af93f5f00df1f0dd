import type { Etcd3 } from 'etcd3';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import { isFile } from '../../common/fileOnce.ts';
import { displayPrefix, assertDisplayId } from '../../common/protocol/displayKeys.ts';
import { announceKey, onlineKey, revokedKey, statusKey } from '../../common/protocol/systemKeys.ts';
import { certificateFacts, daysLeft, type CertificateFacts } from '../../common/tls/tlsMaterial.ts';
import { UserError } from '../../common/userError.ts';
import { findDisplay, forgetDisplay, rememberDisplay } from '../../data/library/displays.ts';
import { groupsOf, type Library } from '../../data/library/librarySchema.ts';
import type { LibraryStore } from '../../data/library/libraryStore.ts';
import { republishAfterMemberChange } from '../displays/groupRepublish.ts';
import { DISPLAY_DAYS, issueCertificate, PkiMissingError } from '../pki/certificateAuthority.ts';
import { bundlePaths, pkiPaths } from '../pki/pkiPaths.ts';
import { formatEnrollmentEnv } from '../../common/enrollment/enrollmentEnv.ts';
import { createDisplayIdentity, deleteDisplayIdentity, displayUserName } from './displayRoles.ts';

/**
 * A display's identity, end to end: its etcd user and role, its certificate
 * and key, and the bundle folder that goes onto the Pi. The console keeps
 * each bundle under `<home>/pki/displays/<id>/` so a certificate can be
 * renewed with the same key and its expiry shown.
 */
export interface Enrollment {
  id: string;
  name: string;
  bundle: string;
}

export interface EnrollOptions {
  name: string;
  /** Where the displays reach etcd (they cannot use the console's 127.0.0.1). */
  etcdEndpoints: string[];
  imageServerUrl?: string | null;
  /** A copy of the bundle here as well, e.g. for `make deploy BUNDLE=…`. */
  out?: string;
  /** For the demo's well-known display; new displays get a UUID. */
  id?: string;
}

export async function enrollDisplay(client: Etcd3, store: LibraryStore, home: string, options: EnrollOptions): Promise<Enrollment> {
  const pki = pkiPaths(home);
  if (!(await isFile(pki.caKey))) throw new PkiMissingError(pki.caKey);
  const name = options.name.trim();
  if (name === '' || name.length > 200) throw new UserError(`cannot enroll a display named "${options.name}": use 1 to 200 characters`);
  const id = assertDisplayId(options.id ?? randomUUID());
  const existing = await store.read();
  const clash = findDisplay(existing, name);
  if (clash && clash.id !== id) throw new UserError(`a display named "${name}" exists already (${clash.id}); pick another name or revoke that one first`);

  const bundle = bundlePaths(join(pki.displaysDir, id));
  await mkdir(bundle.dir, { recursive: true, mode: 0o700 });
  // etcd's side and the certificate's are independent: made side by side.
  await Promise.all([
    createDisplayIdentity(client, id),
    (async () => {
      await issueCertificate(pki, { commonName: displayUserName(id), usage: 'client', days: DISPLAY_DAYS, certPath: bundle.cert, keyPath: bundle.key });
      await chmod(bundle.cert, 0o600);
    })(),
    writeFileAtomic(bundle.caCert, await readFile(pki.caCert), 0o600),
    writeFileAtomic(bundle.env, formatEnrollmentEnv({ id, name, etcd: options.etcdEndpoints, imageServer: options.imageServerUrl ?? null }), 0o600),
  ]);
  await Promise.all([
    store.update((library) => {
      rememberDisplay(library, { id, hostname: null, name });
    }),
    // A display enrolled again after a revocation is welcome again.
    client.delete().key(revokedKey(id)),
  ]);
  if (options.out) await copyBundle(bundle.dir, options.out);
  return { id, name, bundle: options.out ?? bundle.dir };
}

/** New certificate, same key and identity: the Pi needs only the new display.crt. */
export async function renewDisplay(home: string, id: string, out?: string): Promise<{ bundle: string; facts: CertificateFacts }> {
  const pki = pkiPaths(home);
  const bundle = bundlePaths(join(pki.displaysDir, assertDisplayId(id)));
  if (!(await isFile(bundle.key))) throw new UserError(`display ${id} has no enrollment on this console (${bundle.dir}); enroll it with photoframe display enroll`);
  await issueCertificate(pki, { commonName: displayUserName(id), usage: 'client', days: DISPLAY_DAYS, certPath: bundle.cert, keyPath: bundle.key, keepKey: true });
  await chmod(bundle.cert, 0o600);
  if (out) await copyBundle(bundle.dir, out);
  return { bundle: out ?? bundle.dir, facts: certificateFacts(await readFile(bundle.cert)) };
}

export interface RevokeResult {
  id: string;
  name: string;
}

/**
 * Cuts a display off: the image server refuses it at once (the revoked key
 * it watches), its keys are deleted so an open watch sees its list emptied,
 * and etcd refuses its certificate from its next request on (user and role
 * deleted). etcd 3.4 checks a watch's permission only when it is opened, so
 * until that display's connection drops its open watch still delivers what
 * is written under its prefix — which, the display being forgotten, nothing is.
 */
/** The library as revocation needs it: the CLI's store, or the console's shared hub. */
export interface LibraryAccess {
  read(): Promise<Library>;
  update<T>(change: (library: Library) => T | Promise<T>): Promise<T>;
}

export async function revokeDisplay(client: Etcd3, store: LibraryAccess, home: string, ref: string): Promise<RevokeResult> {
  const library = await store.read();
  const record = findDisplay(library, ref);
  const id = record?.id ?? ref;
  assertDisplayId(id);
  const pki = pkiPaths(home);
  const bundle = join(pki.displaysDir, id);
  if (!record && !(await isFile(join(bundle, 'display.crt')))) {
    throw new UserError(`unknown display "${ref}"; photoframe displays lists them`);
  }
  await client.put(revokedKey(id)).value(JSON.stringify({ revoked_at: new Date().toISOString() }));
  await client.delete().prefix(displayPrefix(id));
  await Promise.all([statusKey(id), onlineKey(id), announceKey(id)].map((key) => client.delete().key(key)));
  await deleteDisplayIdentity(client, id);
  await store.update(async (current) => {
    if (!findDisplay(current, id)) return;
    const groups = groupsOf(current).filter((group) => group.displayIds.includes(id)).map((group) => group.id);
    forgetDisplay(current, id);
    if (groups.length) await republishAfterMemberChange(client, current, groups, [id]);
  });
  // The key is what made the certificate worth anything; nothing on this host should keep it.
  await rm(bundle, { recursive: true, force: true });
  return { id, name: record?.name ?? id };
}

/** Days left on each enrolled display's certificate, by display id. */
export async function displayCertificates(home: string, now = new Date()): Promise<Map<string, { daysLeft: number; notAfter: Date }>> {
  const dir = pkiPaths(home).displaysDir;
  const result = new Map<string, { daysLeft: number; notAfter: Date }>();
  let ids: string[];
  try {
    ids = await readdir(dir);
  } catch {
    return result;
  }
  for (const id of ids) {
    try {
      const facts = certificateFacts(await readFile(bundlePaths(join(dir, id)).cert));
      result.set(id, { daysLeft: daysLeft(facts, now), notAfter: facts.notAfter });
    } catch {
      // A folder without a readable certificate is not an enrollment.
    }
  }
  return result;
}

/** Certificates this close to expiry are flagged in `photoframe displays` and the console. */
export const CERTIFICATE_WARNING_DAYS = 30;

async function copyBundle(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  await chmod(to, 0o700);
  for (const file of ['ca.crt', 'display.crt', 'display.key', 'photoframe.env']) {
    await writeFileAtomic(join(to, file), await readFile(join(from, file)), 0o600);
  }
}
