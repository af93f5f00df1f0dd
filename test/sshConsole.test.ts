import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { freePort } from '../common/net/freePort.ts';
import { tempDir } from './helpers/fixtures.ts';
import { startPty } from './helpers/ptyProcess.ts';
import { openShell, sshConnect } from './helpers/sshClient.ts';
import { runCli, startCli, type LongRunning } from './helpers/runCli.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

const run = promisify(execFile);

interface Context {
  etcd: TestEtcd;
  home: string;
  keys: string;
  sshPort: number;
  serve: LongRunning;
  fingerprint: string;
}

const ssh = suite<Context>('console over ssh');

async function makeKey(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  return path;
}

/** The real OpenSSH client, with no memory of hosts and no agent, so only the key given is tried. */
function sshArgs(context: Context, extra: string[]): string[] {
  return [
    'ssh',
    '-p', String(context.sshPort),
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    '-o', 'IdentityAgent=none',
    ...extra,
    'admin@127.0.0.1',
  ];
}

ssh.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.home = await tempDir('photoframe-ssh-home-');
  context.keys = await tempDir('photoframe-ssh-keys-');
  const good = await makeKey(context.keys, 'good');
  await makeKey(context.keys, 'stranger');
  await writeFile(homePaths(context.home).authorizedKeys, `# the admin\n${await readFile(`${good}.pub`, 'utf8')}`);
  context.sshPort = await freePort();
  context.serve = startCli(
    ['--etcd', context.etcd.endpoint, '--home', context.home, 'serve', '--host', '127.0.0.1', '--http-port', String(await freePort()), '--ssh-port', String(context.sshPort)],
    { PHOTOFRAME_LOG: 'info' },
  );
  const line = await context.serve.waitFor(/console over SSH on/);
  context.fingerprint = /host key (SHA256:\S+)/.exec(line)?.[1] ?? '';
});

ssh.after(async (context) => {
  await context.serve?.stop();
  await context.etcd?.stop();
});

ssh('the host key is made on first start, owner-only, and its fingerprint printed matches ssh-keygen', async (context) => {
  const keyPath = homePaths(context.home).sshHostKey;
  assert.is((await stat(keyPath)).mode & 0o777, 0o600);
  const { stdout } = await run('ssh-keygen', ['-l', '-f', keyPath]);
  assert.ok(context.fingerprint.startsWith('SHA256:'), context.fingerprint);
  assert.ok(stdout.includes(context.fingerprint), `ssh-keygen says ${stdout}, serve printed ${context.fingerprint}`);
});

ssh('a listed key logs in to the console; keys work; window-change redraws', async (context) => {
  const term = startPty(sshArgs(context, ['-tt', '-i', join(context.keys, 'good'), '-o', 'IdentitiesOnly=yes']), 100, 30, { TERM: 'xterm-256color' });
  try {
    await term.waitFor('photoframe');
    await term.waitFor('Displays');
    term.keys('2');
    await term.waitFor('Albums (0)');
    term.keys('n');
    await term.waitFor('new album name:');
    term.keys('From SSH\r');
    await term.waitFor('album "From SSH" created');
    const library = JSON.parse(await readFile(homePaths(context.home).store, 'utf8'));
    assert.equal(library.albums.map((a: { name: string }) => a.name), ['From SSH']);
    const before = term.raw().length;
    term.resize(60, 20);
    await term.waitFor('the console needs at least 80×24', 15_000, before);
    assert.match(term.text().slice(-400), /60×20/);
    const again = term.raw().length;
    term.resize(80, 24);
    await term.waitFor('From SSH', 15_000, again);
    term.keys('\x03');
    assert.is(await term.exited, 0);
  } finally {
    await term.close();
  }
});

ssh('two SSH sessions and a CLI editing at once: nothing lost, both screens up to date', async (context) => {
  const login = () => startPty(sshArgs(context, ['-tt', '-i', join(context.keys, 'good'), '-o', 'IdentitiesOnly=yes']), 100, 30);
  const [a, b] = [login(), login()];
  try {
    for (const term of [a, b]) {
      await term.waitFor('Displays');
      term.keys('2');
      await term.waitFor('Albums');
    }
    const [fromA, fromB] = [a.raw().length, b.raw().length];
    a.keys('n');
    b.keys('n');
    await Promise.all([a.waitFor('new album name:', 15_000, fromA), b.waitFor('new album name:', 15_000, fromB)]);
    a.keys('Alpha\r');
    b.keys('Beta\r');
    const cli = await runCli(['--etcd', context.etcd.endpoint, '--home', context.home, 'album', 'create', 'Gamma']);
    assert.is(cli.code, 0, cli.stderr);
    for (const [term, from] of [[a, fromA], [b, fromB]] as const) {
      for (const name of ['Alpha', 'Beta', 'Gamma']) await term.waitFor(new RegExp(`${name}\\s+manual`), 15_000, from);
    }
    const library = JSON.parse(await readFile(homePaths(context.home).store, 'utf8'));
    for (const name of ['Alpha', 'Beta', 'Gamma']) assert.ok(library.albums.some((x: { name: string }) => x.name === name), `${name} kept`);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

ssh('a key not in authorized_keys is refused', async (context) => {
  const term = startPty(sshArgs(context, ['-tt', '-i', join(context.keys, 'stranger'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes']));
  const code = await term.exited;
  assert.is(code, 255);
  assert.match(term.text(), /Permission denied \(publickey\)/);
});

ssh('a password and keyboard-interactive are refused, sent directly to the server', async (context) => {
  // ssh2's client sends the method it is given whatever the server advertises, so a server that took passwords would let this in.
  const password = await sshConnect(context.sshPort, { password: 'hunter2', tryKeyboard: false });
  const keyboard = await sshConnect(context.sshPort, { tryKeyboard: true }, (client) =>
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => 'hunter2'))),
  );
  for (const attempt of [password, keyboard]) {
    attempt.client.end();
    assert.instance(attempt.outcome, Error, 'login refused');
    assert.match((attempt.outcome as Error).message, /All configured authentication methods failed/);
  }
});

ssh('a huge window-change is clamped: the serving process stays up and another session logs in and works', async (context) => {
  const key = await readFile(join(context.keys, 'good'), 'utf8');
  const first = await sshConnect(context.sshPort, { privateKey: key });
  assert.is(first.outcome, 'ready');
  try {
    const shell = await openShell(first.client);
    await shell.waitFor('Displays');
    shell.channel.setWindow(30_000, 30_000, 0, 0);
    const second = await sshConnect(context.sshPort, { privateKey: key });
    assert.is(second.outcome, 'ready', 'the second session logs in');
    try {
      const other = await openShell(second.client);
      await other.waitFor('Displays');
      other.channel.write('2');
      await other.waitFor('Albums');
    } finally {
      second.client.end();
    }
  } finally {
    first.client.end();
  }
});

ssh.run();
