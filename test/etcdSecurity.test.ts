import { Etcd3, EtcdPermissionDeniedError } from 'etcd3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { EtcdTlsError } from '../common/etcd/connectionDiagnosis.ts';
import { startLocalEtcd } from '../common/etcd/localEtcd.ts';
import { loadEnrollment } from '../common/enrollment/enrollmentBundle.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { announceKey, IMAGE_SERVER_KEY, onlineKey, revokedKey, statusKey } from '../common/protocol/systemKeys.ts';
import { CertificateValidityError } from '../common/tls/tlsMaterial.ts';
import { initPki, issueCertificate } from '../console/pki/certificateAuthority.ts';
import { enrollDisplay, revokeDisplay, type Enrollment } from '../console/security/enrollment.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { issueExpiredCertificate, startSecureTestEtcd, type SecureTestEtcd } from './helpers/secureTestEtcd.ts';

interface Context {
  etcd: SecureTestEtcd;
  store: LibraryStore;
  a: Enrollment;
  b: Enrollment;
  asA: Etcd3;
}

const secure = suite<Context>('etcd over mutual TLS with auth');

secure.before(async (context) => {
  context.etcd = await startSecureTestEtcd();
  context.store = new LibraryStore(join(context.etcd.home, 'library.json'));
  const enroll = (name: string) => enrollDisplay(context.etcd.admin, context.store, context.etcd.home, { name, etcdEndpoints: [context.etcd.endpoint] });
  context.a = await enroll('Kitchen');
  context.b = await enroll('Hall');
  for (const [id, list] of [[context.a.id, '["a.jpg"]'], [context.b.id, '["b.jpg"]']] as const) {
    await context.etcd.admin.put(displayKey(id, 'images')).value(list);
    await context.etcd.admin.put(displayKey(id, 'settings')).value('{"name":"x"}');
  }
  context.asA = await connectEtcd(loadEnrollment(context.a.bundle).etcd);
});
secure.after(async (context) => {
  context.asA?.close();
  await context.etcd?.stop();
});

secure('private keys are mode 0600 and never reach etcd', async ({ etcd, a }) => {
  for (const file of [etcd.pki.caKey, etcd.pki.etcdServerKey, etcd.pki.consoleKey, etcd.pki.imageServerKey, join(a.bundle, 'display.key')]) {
    assert.is((await stat(file)).mode & 0o777, 0o600, file);
  }
  for (const file of ['ca.crt', 'display.crt', 'photoframe.env']) assert.is((await stat(join(a.bundle, file))).mode & 0o777, 0o600, file);
  const everything = await etcd.admin.getAll().prefix('').strings();
  for (const [key, value] of Object.entries(everything)) assert.not.match(value, /PRIVATE KEY/, key);
});

secure('the enrollment names its display by its certificate', async ({ etcd, a }) => {
  const enrollment = loadEnrollment(a.bundle);
  assert.is(enrollment.id, a.id);
  assert.is(enrollment.name, 'Kitchen');
  assert.equal(enrollment.etcd.endpoints, [etcd.endpoint]);
});

secure('a client with no certificate is refused by etcd', async ({ etcd }) => {
  const bare = new Etcd3({ hosts: [etcd.endpoint], credentials: { rootCertificate: await readFile(etcd.pki.caCert) }, dialTimeout: 2000 });
  try {
    const answer = await bare.maintenance.status({ deadline: Date.now() + 3000 }).then(() => 'answered', (error: Error) => error);
    assert.instance(answer, Error, 'etcd must not answer a client without a certificate');
  } finally {
    bare.close();
  }
});

secure('a certificate from another CA is refused, and the error says so in one line', async ({ etcd }) => {
  const stranger = await initPki(await mkdtemp(join(tmpdir(), 'photoframe-stranger-')));
  const error = await connectEtcd({ endpoints: [etcd.endpoint], tls: { ca: etcd.pki.caCert, cert: stranger.consoleCert, key: stranger.consoleKey } }, { callTimeoutMs: 3000 }).catch((e: unknown) => e);
  assert.instance(error, EtcdTlsError);
  assert.is((error as EtcdTlsError).kind, 'client-certificate-refused');
  assert.not.match((error as Error).message, /\n/);
  const wrongTrust = await connectEtcd({ endpoints: [etcd.endpoint], tls: { ca: stranger.caCert, cert: etcd.pki.consoleCert, key: etcd.pki.consoleKey } }, { callTimeoutMs: 3000 }).catch((e: unknown) => e);
  assert.instance(wrongTrust, EtcdTlsError);
  assert.is((wrongTrust as EtcdTlsError).kind, 'wrong-ca');
  assert.match((wrongTrust as Error).message, /does not trust/);
});

secure('an http:// endpoint for a TLS etcd is named as such', async ({ etcd }) => {
  const error = await connectEtcd([etcd.endpoint.replace('https:', 'http:')], { callTimeoutMs: 2000 }).catch((e: unknown) => e);
  assert.instance(error, EtcdTlsError);
  assert.is((error as EtcdTlsError).kind, 'tls-endpoint-as-http');
  assert.match((error as Error).message, /use https:\/\//);
});

secure('an expired certificate gives its one-line error', async ({ etcd }) => {
  const expired = await issueExpiredCertificate(etcd.pki, 'root', await mkdtemp(join(tmpdir(), 'photoframe-expired-')));
  const error = await connectEtcd({ endpoints: [etcd.endpoint], tls: { ca: etcd.pki.caCert, ...expired } }, { callTimeoutMs: 3000 }).catch((e: unknown) => e);
  assert.instance(error, CertificateValidityError);
  assert.match((error as Error).message, /expired on 2020-01-02/);
  assert.not.match((error as Error).message, /\n/);
});

secure('a host name the server certificate does not carry gives its one-line error', async ({ etcd }) => {
  const dir = await mkdtemp(join(tmpdir(), 'photoframe-othername-'));
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  await issueCertificate(etcd.pki, { commonName: 'etcd', sans: ['etcd.example.org'], usage: 'server', days: 30, certPath: cert, keyPath: key });
  const other = await startLocalEtcd({ dataDir: join(dir, 'data'), tls: { caCert: etcd.pki.caCert, serverCert: cert, serverKey: key } });
  try {
    const error = await connectEtcd({ endpoints: [other.endpoint], tls: etcd.target.tls }, { callTimeoutMs: 3000 }).catch((e: unknown) => e);
    assert.instance(error, EtcdTlsError);
    assert.is((error as EtcdTlsError).kind, 'host-not-in-certificate');
    assert.match((error as Error).message, /does not name "127\.0\.0\.1"/);
  } finally {
    await other.stop();
  }
});

secure("a display reads its own keys and writes its own status and presence", async ({ asA, a }) => {
  assert.is(await asA.get(displayKey(a.id, 'images')).string(), '["a.jpg"]');
  await asA.put(statusKey(a.id)).value('{}');
  await asA.put(announceKey(a.id)).value('{}');
  const lease = asA.lease(10, { autoKeepAlive: false });
  await lease.put(onlineKey(a.id)).value('{}');
  await lease.revoke();
  assert.is(await asA.get(IMAGE_SERVER_KEY).string(), null);
});

/** etcd's own answer to one attempt: refused with "permission denied", or not. */
async function refused(attempt: () => { exec(): Promise<unknown> } | Promise<unknown>): Promise<boolean> {
  try {
    const step = attempt();
    await ('exec' in step ? step.exec() : step);
    return false;
  } catch (error) {
    if (error instanceof EtcdPermissionDeniedError) return true;
    throw error;
  }
}

secure("display A's certificate cannot touch B's keys, the image server key, or users", async ({ asA, b, etcd }) => {
  assert.ok(await refused(() => asA.put(displayKey(b.id, 'images')).value('[]')), 'put /B:images');
  assert.ok(await refused(() => asA.delete().key(displayKey(b.id, 'images'))), 'delete /B:images');
  assert.ok(await refused(() => asA.put(statusKey(b.id)).value('{}')), "write B's status");
  assert.ok(await refused(() => asA.lease(10, { autoKeepAlive: false }).put(onlineKey(b.id)).value('{}')), "write B's presence");
  assert.ok(await refused(() => asA.get(displayKey(b.id, 'settings')).string()), 'read /B:settings');
  assert.ok(await refused(() => asA.put(IMAGE_SERVER_KEY).value('{"url":"http://evil"}')), 'write image_server');
  assert.ok(await refused(() => asA.auth.userAdd({ name: 'evil', password: 'x'.repeat(20) })), 'add a user');
  assert.ok(await refused(() => asA.put(displayKey(b.id, 'images')).value('[]')), 'still refused');
  // None of it happened: the admin sees B's keys as they were.
  assert.is(await etcd.admin.get(displayKey(b.id, 'images')).string(), '["b.jpg"]');
  assert.not.ok((await etcd.admin.getUsers()).some((user) => user.name === 'evil'));
});

secure('revocation deletes the user, role and keys, and etcd refuses the certificate after it', async (context) => {
  const { etcd, store, a, b } = context;
  const asB = await connectEtcd(loadEnrollment(b.bundle).etcd);
  try {
    await revokeDisplay(etcd.admin, store, etcd.home, 'Kitchen');
    assert.not.ok((await etcd.admin.getUsers()).some((user) => user.name === `display-${a.id}`));
    assert.not.ok((await etcd.admin.getRoles()).some((role) => role.name === `display-${a.id}`));
    assert.equal(await etcd.admin.getAll().prefix(`/${a.id}:`).keys(), []);
    assert.ok(await etcd.admin.get(revokedKey(a.id)).string());
    assert.ok(await refused(() => context.asA.get(displayKey(a.id, 'images')).string()), 'A refused after revocation');
    // B is unaffected.
    assert.is(await asB.get(displayKey(b.id, 'images')).string(), '["b.jpg"]');
    assert.not.ok((await store.read()).displays.some((display) => display.id === a.id));
  } finally {
    asB.close();
  }
});

secure.run();
