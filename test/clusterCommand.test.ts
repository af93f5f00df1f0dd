import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMemberCount } from '../console/cli/commands/etcdCommand.ts';
import { UserError } from '../common/userError.ts';
import { tempDir } from './helpers/fixtures.ts';
import { runCli, startCli } from './helpers/runCli.ts';

/** `photoframe etcd --members N`: the count it accepts, and the cluster it runs, used by the CLI with every endpoint. */

test('--members takes 1, or an odd count up to 7, and says what is wrong otherwise', () => {
  assert.is(parseMemberCount(undefined), 1);
  assert.is(parseMemberCount('3'), 3);
  assert.is(parseMemberCount('5'), 5);
  for (const [text, reason] of [['4', /is even: use 3 or 5/], ['0', /not a member count/], ['9', /not a member count/], ['three', /not a member count/]] as const) {
    assert.throws(() => parseMemberCount(text), (error: Error) => error instanceof UserError && reason.test(error.message));
  }
});

/** The pid of the etcd child of `parent` running as this member. */
function memberPid(parent: number, name: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('etcd') && args[args.indexOf('--name') + 1] === name) return Number(entry);
    } catch {
      // A process that ended while we looked.
    }
  }
  throw new Error(`no etcd ${name} under process ${parent}`);
}

/** A base port where base, base+2, base+4 (clients) and base+1, base+3, base+5 (peers) are all free now. */
async function freeRun(): Promise<number> {
  const bindable = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer().once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const base = 20_000 + 2 * Math.floor(Math.random() * 10_000);
    const ports = [0, 1, 2, 3, 4, 5].map((offset) => base + offset);
    if ((await Promise.all(ports.map(bindable))).every(Boolean)) return base;
  }
}

test('photoframe etcd --members 3 runs a TLS cluster the CLI uses through all its endpoints, and stops it cleanly', async () => {
  const home = await tempDir('photoframe-cluster-cli-');
  const base = await freeRun();
  const cluster = startCli(['--home', home, 'etcd', '--members', '3', '--client-port', String(base), '--peer-port', String(base + 1)]);
  try {
    const ready = await cluster.waitFor(/etcd cluster of 3 ready/, 60_000);
    const endpoints = [0, 2, 4].map((offset) => `https://127.0.0.1:${base + offset}`).join(',');
    assert.ok(ready.includes(endpoints), ready);
    const listed = await runCli(['--etcd', endpoints, '--home', home, 'displays', '--json']);
    assert.is(listed.code, 0, listed.stderr);
    // A plain-HTTP client is refused: the members serve TLS only.
    const plain = await runCli(['--etcd', endpoints.replaceAll('https:', 'http:'), '--home', home, 'displays']);
    assert.is.not(plain.code, 0);

    // A member killed: the command says so and keeps the others; the CLI goes on through them.
    const member1 = memberPid(cluster.child.pid!, 'member-1');
    process.kill(member1, 'SIGKILL');
    await cluster.waitFor(/warning: etcd member-1 stopped by itself/, 20_000);
    const afterLoss = await runCli(['--etcd', endpoints, '--home', home, 'displays', '--json']);
    assert.is(afterLoss.code, 0, afterLoss.stderr);
  } finally {
    cluster.child.kill('SIGINT');
    await cluster.waitFor(/etcd cluster stopped/, 20_000).catch(() => {});
    await cluster.stop();
  }
  assert.ok(cluster.lines.some((line) => /etcd cluster stopped \(SIGINT\)/.test(line)), cluster.lines.join('\n'));
});

test.run();
