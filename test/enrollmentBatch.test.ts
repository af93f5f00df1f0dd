import { EtcdPermissionDeniedError, type Etcd3 } from 'etcd3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isStaleAuthRevision, retryStaleAuthRevision } from '../common/etcd/authRevisionRetry.ts';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { loadEnrollment } from '../common/enrollment/enrollmentBundle.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { revokedKey, statusKey } from '../common/protocol/systemKeys.ts';
import { enrollDisplays, EnrollmentFailedError, type BatchReport } from '../console/security/enrollment.ts';
import { displayPermissions, displayUserName } from '../console/security/displayRoles.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { startSecureTestEtcd, type SecureTestEtcd } from './helpers/secureTestEtcd.ts';

interface Context {
  etcd: SecureTestEtcd;
  store: LibraryStore;
}

const batch = suite<Context>('enrolling many displays at once');

batch.before(async (context) => {
  context.etcd = await startSecureTestEtcd();
  context.store = new LibraryStore(join(context.etcd.home, 'library.json'));
});
batch.after(async (context) => {
  await context.etcd?.stop();
});

batch('a key-value request that meets an auth change in flight is refused as INVALID_ARGUMENT, and is sent again', async ({ etcd }) => {
  const { admin } = etcd;
  // Auth changes sent without waiting, then puts at once: each put is stamped with the auth revision when it
  // arrives and checked when it is applied, after the changes queued before it.
  const race = async (put: (key: string) => Promise<unknown>, round: string) => {
    const changes = Array.from({ length: 20 }, (_, i) => admin.auth.roleAdd({ name: `race-${round}-${i}` }));
    const puts = Array.from({ length: 20 }, (_, i) => put(`/race/${round}/${i}`).then(() => null, (error: unknown) => error));
    await Promise.all(changes);
    return Promise.all(puts);
  };
  const bare = await race((key) => admin.put(key).value('x').exec(), 'bare');
  const refused = bare.filter((error) => error !== null);
  assert.ok(refused.length > 0, 'the race did not happen: no put met an auth change in flight');
  for (const error of refused) assert.ok(isStaleAuthRevision(error), `not the stale-revision error: ${String(error)}`);

  let retried = 0;
  const again = await race((key) => retryStaleAuthRevision(() => admin.put(key).value('x').exec(), { retried: () => retried++ }), 'again');
  assert.equal(again, Array(20).fill(null), 'every put is applied when sent again');
  assert.ok(retried > 0, 'the retry path ran');
  assert.is(Object.keys(await admin.getAll().prefix('/race/again/').strings()).length, 20);
});

batch('20 displays enrolled side by side each read their own keys and are refused each other\'s', async ({ etcd, store }) => {
  const { admin } = etcd;
  // One display comes back after a revocation: its mark must go.
  const returning = '0e0e0e0e-0000-4000-8000-000000000020';
  await admin.put(revokedKey(returning)).value('{"revoked_at":"2026-01-01T00:00:00.000Z"}');
  const requests = Array.from({ length: 20 }, (_, i) => ({ name: `Screen ${i}`, etcdEndpoints: [etcd.endpoint], ...(i === 19 ? { id: returning } : {}) }));
  // Two batches at once, as the console and a script may run them, 17 displays of one in flight together.
  const reports: BatchReport[] = await Promise.all([
    enrollDisplays(admin, store, etcd.home, requests.slice(0, 3), { identitiesAtOnce: 3 }),
    enrollDisplays(admin, store, etcd.home, requests.slice(3), { identitiesAtOnce: 17 }),
  ]);
  const enrolled = reports.flatMap((report) => report.enrolled);
  console.log(`  (requests sent again after an auth change: ${reports.map((r) => r.staleAuthRetries).join(' + ')})`);
  assert.equal(enrolled.map((e) => e.name), requests.map((r) => r.name), 'every display enrolled, in order');
  assert.is(enrolled[19]!.id, returning);
  assert.is(await admin.get(revokedKey(returning)).string(), null, 'the returning display is welcome again');
  assert.equal((await store.read()).displays.map((d) => d.name).sort(), requests.map((r) => r.name).sort());

  for (const display of enrolled) {
    await admin.put(displayKey(display.id, 'images')).value(JSON.stringify([`${display.id}.jpg`]));
    // etcd's own view: the user holds its role, and the role exactly the display's grants.
    const name = displayUserName(display.id);
    assert.equal((await admin.user(name).roles()).map((role) => role.name), [name]);
    assert.is((await admin.role(name).permissions()).length, displayPermissions(display.id).length, `${name}'s grants`);
    for (const file of ['ca.crt', 'display.crt', 'display.key', 'photoframe.env']) assert.is((await stat(join(display.bundle, file))).mode & 0o777, 0o600, file);
  }
  const clients: Etcd3[] = [];
  try {
    for (const display of enrolled) clients.push(await connectEtcd(loadEnrollment(display.bundle).etcd));
    await Promise.all(
      enrolled.map(async (display, i) => {
        const own = clients[i]!;
        const other = enrolled[(i + 1) % enrolled.length]!;
        assert.is(await own.get(displayKey(display.id, 'images')).string(), JSON.stringify([`${display.id}.jpg`]), `${display.name} reads its list`);
        await own.put(statusKey(display.id)).value('{}');
        const refused = await own.get(displayKey(other.id, 'images')).string().then(() => null, (error: unknown) => error);
        assert.instance(refused, EtcdPermissionDeniedError, `${display.name} must not read ${other.name}'s list`);
      }),
    );
  } finally {
    for (const client of clients) client.close();
  }
});

batch('a bad or repeated name fails the whole batch before anything is made', async ({ etcd, store }) => {
  const before = (await store.read()).displays.length;
  const users = (await etcd.admin.getUsers()).length;
  for (const names of [['Fine', 'Fine'], ['Fine', '  ']]) {
    const error = await enrollDisplays(etcd.admin, store, etcd.home, names.map((name) => ({ name, etcdEndpoints: [etcd.endpoint] }))).catch((e: unknown) => e);
    assert.instance(error, Error);
    assert.match((error as Error).message, names[1] === 'Fine' ? /given twice/ : /1 to 200 characters/);
  }
  assert.is((await store.read()).displays.length, before);
  assert.is((await etcd.admin.getUsers()).length, users);
});

batch('a display that cannot be made is undone and named; the rest of its batch is enrolled', async ({ etcd, store }) => {
  // Where its bundle folder should go, a file: that display alone fails, after its etcd identity was made.
  const blocked = '0e0e0e0e-0000-4000-8000-0000000000b1';
  await mkdir(etcd.pki.displaysDir, { recursive: true });
  await writeFile(join(etcd.pki.displaysDir, blocked), 'not a folder');
  const names = ['Porch', 'Blocked', 'Attic'];
  const error = await enrollDisplays(
    etcd.admin,
    store,
    etcd.home,
    names.map((name) => ({ name, etcdEndpoints: [etcd.endpoint], ...(name === 'Blocked' ? { id: blocked } : {}) })),
  ).catch((e: unknown) => e);
  assert.instance(error, EnrollmentFailedError);
  const failed = error as EnrollmentFailedError;
  assert.equal(failed.failures.map((f) => f.name), ['Blocked']);
  assert.equal(failed.enrolled.map((e) => e.name), ['Porch', 'Attic']);
  assert.match(failed.message, /"Blocked"/);
  const users = (await etcd.admin.getUsers()).map((user) => user.name);
  assert.not.ok(users.includes(displayUserName(blocked)), 'the failed display keeps no etcd user');
  assert.not.ok((await etcd.admin.getRoles()).some((role) => role.name === displayUserName(blocked)), 'nor a role');
  for (const display of failed.enrolled) assert.ok(users.includes(displayUserName(display.id)), display.name);
  const library = await store.read();
  assert.ok(library.displays.some((d) => d.name === 'Attic'));
  assert.not.ok(library.displays.some((d) => d.name === 'Blocked'));
});

batch.run();
