import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/runCli.ts';
import { startSecureTestEtcd, type SecureTestEtcd } from './helpers/secureTestEtcd.ts';

const cli = suite<{ etcd: SecureTestEtcd }>('cli: pki, enroll, revoke, doctor');

cli.before(async (context) => {
  context.etcd = await startSecureTestEtcd();
});
cli.after(async (context) => {
  await context.etcd?.stop();
});

const as = ({ etcd }: { etcd: SecureTestEtcd }, ...args: string[]) => runCli(['--etcd', etcd.endpoint, '--home', etcd.home, ...args]);

cli('pki init overwrites nothing without --force, and makes keys 0600 with it', async () => {
  const home = await mkdtemp(join(tmpdir(), 'photoframe-pki-'));
  const first = await runCli(['--home', home, 'pki', 'init', '--san', 'frames.example.org', '--san', '203.0.113.7']);
  assert.is(first.code, 0, first.stderr);
  const ca = await readFile(join(home, 'pki', 'ca.crt'), 'utf8');
  const again = await runCli(['--home', home, 'pki', 'init']);
  assert.is(again.code, 1);
  assert.match(again.stderr, /ca\.crt already exists; photoframe pki init overwrites nothing without --force/);
  assert.is(await readFile(join(home, 'pki', 'ca.crt'), 'utf8'), ca);
  const forced = await runCli(['--home', home, 'pki', 'init', '--force']);
  assert.is(forced.code, 0, forced.stderr);
  assert.is.not(await readFile(join(home, 'pki', 'ca.crt'), 'utf8'), ca);
  for (const key of ['ca.key', 'etcd-server.key', 'console.key', 'image-server.key']) assert.is((await stat(join(home, 'pki', key))).mode & 0o777, 0o600, key);
  const bad = await runCli(['--home', home, 'pki', 'init', '--force', '--san', 'not a host!']);
  assert.match(bad.stderr, /--san "not a host!" is neither a host name nor an IP address/);
});

cli('display enroll prints its id and bundle; displays shows the certificate days; revoke removes it', async (context) => {
  const out = join(context.etcd.home, 'kitchen-bundle');
  const enrolled = await as(context, 'display', 'enroll', 'Kitchen', '--out', out, '--json');
  assert.is(enrolled.code, 0, enrolled.stderr);
  const { id, name, bundle } = JSON.parse(enrolled.stdout) as { id: string; name: string; bundle: string };
  assert.is(name, 'Kitchen');
  assert.is(bundle, out);
  assert.match(await readFile(join(out, 'photoframe.env'), 'utf8'), new RegExp(`PHOTOFRAME_ID="${id}"`));
  assert.is((await stat(join(out, 'display.key'))).mode & 0o777, 0o600);

  const clash = await as(context, 'display', 'enroll', 'Kitchen');
  assert.match(clash.stderr, /a display named "Kitchen" exists already/);

  const listed = JSON.parse((await as(context, 'displays', '--json')).stdout) as { id: string; certificate_days_left: number | null }[];
  assert.is(listed.find((d) => d.id === id)?.certificate_days_left, 364);
  const table = await as(context, 'displays');
  assert.match(table.stdout, /CERT/);
  assert.match(table.stdout, /364d/);

  const renewed = await as(context, 'display', 'renew', 'Kitchen', '--json');
  assert.is(renewed.code, 0, renewed.stderr);
  assert.is((JSON.parse(renewed.stdout) as { days_left: number }).days_left, 364);

  const revoked = await as(context, 'display', 'revoke', 'Kitchen');
  assert.is(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /revoked display "Kitchen"/);
  assert.not.ok((await context.etcd.admin.getUsers()).some((user) => user.name === `display-${id}`));
  assert.equal(JSON.parse((await as(context, 'displays', '--json')).stdout), []);
});

cli('several displays enroll in one run, a JSON line each', async (context) => {
  const result = await as(context, 'display', 'enroll', 'Shop 1', 'Shop 2', 'Shop 3', '--json');
  assert.is(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; name: string });
  assert.equal(lines.map((line) => line.name), ['Shop 1', 'Shop 2', 'Shop 3']);
  assert.is(new Set(lines.map((line) => line.id)).size, 3);
  const users = (await context.etcd.admin.getUsers()).map((user) => user.name);
  for (const line of lines) assert.ok(users.includes(`display-${line.id}`));
  const withOut = await as(context, 'display', 'enroll', 'A', 'B', '--out', '/tmp/x');
  assert.match(withOut.stderr, /--out takes one display/);
});

cli('enroll on a plain etcd says why it cannot', async (context) => {
  const result = await runCli(['--etcd', 'http://127.0.0.1:9', '--home', context.etcd.home, 'display', 'enroll', 'X']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /display enroll needs etcd over TLS with auth/);
});

cli("doctor names etcd's version and its known RBAC bypasses", async (context) => {
  const result = await as(context, 'doctor');
  assert.match(result.stdout, /connects as etcd user "root"/);
  // Debian bookworm's etcd 3.4.23: every 3.4 has at least the unfixed watch bypass.
  assert.match(result.stdout, /etcd 3\.4\.\d+ has \d+ known RBAC bypass/);
  assert.is(result.code, 2);
});

cli.run();
