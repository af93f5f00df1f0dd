import { once } from 'node:events';
import { connect } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../common/log.ts';
import { loadOrCreateHostKey } from '../console/ssh/hostKey.ts';
import { startSshConsole, type SshConsoleServer } from '../console/ssh/sshConsoleServer.ts';
import { PendingLogins } from '../console/ssh/unauthenticatedLimits.ts';
import type { ConsoleServices } from '../console/tui/app/consoleServices.ts';
import { openServices } from './helpers/consoleHarness.ts';
import { tempDir } from './helpers/fixtures.ts';
import { sshConnect } from './helpers/sshClient.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

interface Context {
  etcd: TestEtcd;
  services: ConsoleServices;
  server: SshConsoleServer;
  goodKey: string;
}

const login = suite<Context>('ssh login limits');
const { generateKeyPairSync } = ssh2.utils;

login.before(async (context) => {
  context.etcd = await startTestEtcd();
  const home = await tempDir('photoframe-ssh-login-');
  context.services = await openServices(context.etcd.client, home);
  const good = generateKeyPairSync('ed25519', {});
  context.goodKey = good.private;
  const authorizedKeys = join(home, 'authorized_keys');
  await writeFile(authorizedKeys, `${good.public}\n`);
  context.server = await startSshConsole({
    port: 0,
    host: '127.0.0.1',
    hostKey: await loadOrCreateHostKey(join(home, 'host_key')),
    authorizedKeysPath: authorizedKeys,
    services: context.services,
    log: createLogger('ssh'),
    loginLimits: { authTimeoutMs: 500, maxAuthFailures: 6 },
  });
});

login.after(async (context) => {
  await context.server?.close();
  await context.services?.close();
  await context.etcd?.stop();
});

login('a connection that never logs in is closed at the deadline', async ({ server }) => {
  // A raw socket that sends only the banner, as a slow or hostile client would.
  const socket = connect(server.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write('SSH-2.0-idle\r\n');
  socket.resume();
  const closed = once(socket, 'close');
  const gaveUp = new Promise((resolve) => setTimeout(() => resolve('still open'), 10_000).unref());
  assert.is(await Promise.race([closed.then(() => 'closed'), gaveUp]), 'closed');
});

login('a client trying bad key after bad key is disconnected after a few tries', async ({ server }) => {
  const strangers = Array.from({ length: 20 }, () => generateKeyPairSync('ed25519', {}).private);
  let offered = 0;
  const attempt = await sshConnect(server.port, {
    authHandler: (_methodsLeft, _partial, next) => {
      // Keep offering keys for as long as the server keeps talking.
      if (offered >= strangers.length) return next(false as never);
      next({ type: 'publickey', username: 'admin', key: strangers[offered++]! });
    },
  });
  assert.instance(attempt.outcome, Error);
  assert.ok(offered <= 7, `the server listened to ${offered} bad keys`);
});

login('a listed key still logs in, and within the deadline stays connected past it', async ({ server, goodKey }) => {
  const attempt = await sshConnect(server.port, { privateKey: goodKey });
  assert.is(attempt.outcome, 'ready');
  let closed = false;
  void attempt.closed.then(() => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.not.ok(closed, 'a logged-in connection outlives the login deadline');
  attempt.client.end();
});

login('pending logins are capped per address and overall, and a release frees the place', () => {
  const pending = new PendingLogins({ maxUnauthenticated: 3, maxUnauthenticatedPerIp: 2 });
  const first = pending.admit('10.0.0.1');
  assert.ok(first && pending.admit('10.0.0.1'));
  assert.is(pending.admit('10.0.0.1'), null, 'a third from one address waits');
  assert.ok(pending.admit('10.0.0.2'));
  assert.is(pending.admit('10.0.0.3'), null, 'the total is full');
  first!();
  first!();
  assert.ok(pending.admit('10.0.0.3'), 'released once, however often called');
  assert.is(pending.admit('10.0.0.4'), null);
});

login.run();
