import type { Etcd3 } from 'etcd3';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { chmod, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import { settleBounded } from '../../common/boundedSettle.ts';
import { retryStaleAuthRevision } from '../../common/etcd/authRevisionRetry.ts';
import { etcdWriteLimitsFromEnv } from '../../common/etcd/etcdWriteLimits.ts';
import { isFile } from '../../common/fileOnce.ts';
import { displayPrefix, assertDisplayId } from '../../common/protocol/displayKeys.ts';
import { announceKey, onlineKey, revokedKey, statusKey } from '../../common/protocol/systemKeys.ts';
import { certificateFacts, daysLeft, type CertificateFacts } from '../../common/tls/tlsMaterial.ts';
import { UserError } from '../../common/userError.ts';
import { findDisplay, forgetDisplay, rememberDisplay } from '../../data/library/displays.ts';
import { groupsOf, type Library } from '../../data/library/librarySchema.ts';
import type { LibraryStore } from '../../data/library/libraryStore.ts';
import { republishAfterMemberChange } from '../displays/groupRepublish.ts';
import { DISPLAY_DAYS, issueCertificate, issueClientCertificates, PkiMissingError } from '../pki/certificateAuthority.ts';
import { bundlePaths, pkiPaths, type BundlePaths, type PkiPaths } from '../pki/pkiPaths.ts';
import { formatEnrollmentEnv } from '../../common/enrollment/enrollmentEnv.ts';
import { createDisplayIdentities, deleteDisplayIdentity, displayUserName } from './displayRoles.ts';

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

/** One display's enrollment went wrong in a batch; the others are enrolled. */
export class EnrollmentFailedError extends UserError {
  constructor(
    readonly failures: readonly { name: string; error: unknown }[],
    readonly enrolled: readonly Enrollment[],
  ) {
    const first = failures[0]!;
    super(
      `could not enroll ${failures.length} of ${failures.length + enrolled.length} displays (${failures.map((f) => `"${f.name}"`).join(', ')}): ` +
        `${(first.error as Error).message.split('\n')[0]}; nothing of theirs is left behind, enroll them again`,
    );
    this.name = 'EnrollmentFailedError';
  }
}

export interface BatchTuning {
  /** openssl processes at once (each makes one key and certificate): CPU-bound, so the cores. */
  certificatesAtOnce?: number;
  /** Displays whose etcd user and role are being made at once: etcd commits concurrent changes in fewer disk syncs. */
  identitiesAtOnce?: number;
}

export interface BatchReport {
  enrolled: Enrollment[];
  /** Requests sent again because etcd's auth revision moved under them (authRevisionRetry.ts). */
  staleAuthRetries: number;
  /** Wall time of each part, for the benchmark: bundles and identities run side by side. */
  phasesMs: { bundles: number; identities: number; record: number };
}

interface Planned {
  id: string;
  name: string;
  options: EnrollOptions;
  bundle: BundlePaths;
}

/** One display: `enrollDisplays` with one name; its failure is thrown as it is. */
export async function enrollDisplay(client: Etcd3, store: LibraryStore, home: string, options: EnrollOptions): Promise<Enrollment> {
  try {
    return (await enrollDisplays(client, store, home, [options])).enrolled[0]!;
  } catch (error) {
    throw error instanceof EnrollmentFailedError ? error.failures[0]!.error : error;
  }
}

/**
 * Enrolls many displays at once, each exactly as one alone: the keys and
 * certificates are made by openssl processes side by side (as many as
 * cores), and the etcd users and roles made in three passes over the batch
 * (createDisplayIdentities: etcd 3.4 makes each change cost in proportion
 * to its users), a bounded number of
 * displays in flight, while the certificates are made. The library takes
 * them in one write and the revocation marks go in batched transactions.
 * A name that is bad or taken fails the whole batch before anything is made;
 * a display that fails later is undone and named in EnrollmentFailedError,
 * which also carries the displays that were enrolled.
 */
export async function enrollDisplays(client: Etcd3, store: LibraryStore, home: string, requests: readonly EnrollOptions[], tuning: BatchTuning = {}): Promise<BatchReport> {
  const pki = pkiPaths(home);
  if (!(await isFile(pki.caKey))) throw new PkiMissingError(pki.caKey);
  const plans = planEnrollments(await store.read(), pki.displaysDir, requests);
  const caCert = await readFile(pki.caCert);
  let staleAuthRetries = 0;
  const retried = () => staleAuthRetries++;
  const phasesMs = { bundles: 0, identities: 0, record: 0 };
  const timed = async <T>(phase: keyof typeof phasesMs, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      phasesMs[phase] = performance.now() - started;
    }
  };
  // etcd's side and the certificates are independent: made side by side.
  const [bundles, identities] = await Promise.all([
    timed('bundles', () => writeBundles(pki, plans, caCert, tuning.certificatesAtOnce ?? availableParallelism())),
    timed('identities', () => createDisplayIdentities(client, plans.map((plan) => plan.id), tuning.identitiesAtOnce ?? 16, { retried })),
  ]);
  const done: Planned[] = [];
  const failures: { plan: Planned; error: unknown }[] = [];
  plans.forEach((plan, i) => {
    const failed = [bundles[i]!, identities[i]!].find((result) => result.status === 'rejected');
    if (failed) failures.push({ plan, error: failed.reason });
    else done.push(plan);
  });
  // A half-made display is worth nothing and would only confuse: its user, role and folder go.
  await Promise.all(
    failures.map(async ({ plan }) => {
      await deleteDisplayIdentity(client, plan.id).catch(() => {});
      await rm(plan.bundle.dir, { recursive: true, force: true });
    }),
  );
  const enrolled = await timed('record', async () => {
    await Promise.all([
      store.update((library) => {
        for (const plan of done) rememberDisplay(library, { id: plan.id, hostname: null, name: plan.name });
      }),
      // A display enrolled again after a revocation is welcome again.
      deleteKeys(client, done.map((plan) => revokedKey(plan.id)), retried),
    ]);
    return Promise.all(
      done.map(async (plan): Promise<Enrollment> => {
        if (plan.options.out) await copyBundle(plan.bundle.dir, plan.options.out);
        return { id: plan.id, name: plan.name, bundle: plan.options.out ?? plan.bundle.dir };
      }),
    );
  });
  if (failures.length) throw new EnrollmentFailedError(failures.map(({ plan, error }) => ({ name: plan.name, error })), enrolled);
  return { enrolled, staleAuthRetries, phasesMs };
}

/** Names checked and ids chosen for the whole batch before anything is made. */
function planEnrollments(library: Library, displaysDir: string, requests: readonly EnrollOptions[]): Planned[] {
  const names = new Set<string>();
  const ids = new Set<string>();
  return requests.map((options) => {
    const name = options.name.trim();
    if (name === '' || name.length > 200) throw new UserError(`cannot enroll a display named "${options.name}": use 1 to 200 characters`);
    const id = assertDisplayId(options.id ?? randomUUID());
    const clash = findDisplay(library, name);
    if (clash && clash.id !== id) throw new UserError(`a display named "${name}" exists already (${clash.id}); pick another name or revoke that one first`);
    if (names.has(name)) throw new UserError(`the name "${name}" is given twice; each display needs its own`);
    if (ids.has(id)) throw new UserError(`the display id ${id} is given twice`);
    names.add(name);
    ids.add(id);
    return { id, name, options, bundle: bundlePaths(join(displaysDir, id)) };
  });
}

/**
 * The bundle folders: a new key and certificate each (openssl, `parallel`
 * at once), the CA's certificate and the display's settings.
 */
async function writeBundles(pki: PkiPaths, plans: readonly Planned[], caCert: Buffer, parallel: number): Promise<PromiseSettledResult<void>[]> {
  const folders = await Promise.allSettled(plans.map((plan) => mkdir(plan.bundle.dir, { recursive: true, mode: 0o700 })));
  const ready = plans.filter((_, i) => folders[i]!.status === 'fulfilled');
  const [certificates, files] = await Promise.all([
    issueClientCertificates(pki, ready.map((plan) => ({ commonName: displayUserName(plan.id), certPath: plan.bundle.cert, keyPath: plan.bundle.key })), DISPLAY_DAYS, parallel),
    settleBounded(ready, 8, async ({ id, name, options, bundle }) => {
      await writeFileAtomic(bundle.caCert, caCert, 0o600);
      await writeFileAtomic(bundle.env, formatEnrollmentEnv({ id, name, etcd: options.etcdEndpoints, imageServer: options.imageServerUrl ?? null }), 0o600);
    }),
  ]);
  const outcome = new Map<Planned, PromiseSettledResult<void>>(ready.map((plan, i) => [plan, certificates[i] ? { status: 'rejected', reason: certificates[i] } : files[i]!]));
  return plans.map((plan, i) => outcome.get(plan) ?? (folders[i] as PromiseRejectedResult));
}

/** Deletes single keys in transactions within etcd's per-transaction limit, each sent again if the auth revision moved. */
async function deleteKeys(client: Etcd3, keys: readonly string[], retried: () => void): Promise<void> {
  const perTxn = etcdWriteLimitsFromEnv(process.env).maxTxnOps;
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += perTxn) batches.push(keys.slice(i, i + perTxn));
  await Promise.all(
    batches.map((batch) =>
      retryStaleAuthRevision(() => client.kv.txn({ success: batch.map((key) => ({ request_delete_range: { key: Buffer.from(key) } })) }), { retried }),
    ),
  );
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
