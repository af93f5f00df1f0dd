import { join } from 'node:path';
import { planLocalCluster, startLocalCluster, type LocalCluster } from '../../../common/etcd/localCluster.ts';
import { startLocalEtcd, type LocalEtcd } from '../../../common/etcd/localEtcd.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { pkiPaths } from '../../pki/pkiPaths.ts';
import { startSecureLocalCluster } from '../../security/secureLocalCluster.ts';
import { startSecureLocalEtcd } from '../../security/secureLocalEtcd.ts';
import { portOption, stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

export function parseMemberCount(text: string | undefined): number {
  if (text === undefined) return 1;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > 7) {
    throw new UserError(`--members "${text}" is not a member count: use 1, or 3 or 5 for a cluster (at most 7)`);
  }
  const count = Number(text);
  // An even count tolerates no more failures than the odd count below it, and splits votes more easily.
  if (count > 1 && count % 2 === 0) throw new UserError(`--members ${count} is even: use ${count - 1} or ${count + 1}, which tolerate as many failures or more`);
  return count;
}

export async function runEtcd({ config, values }: CommandContext): Promise<number | void> {
  const clientPort = portOption(values, 'client-port', 2379);
  const peerPort = portOption(values, 'peer-port', 2380);
  const members = parseMemberCount(stringOption(values, 'members'));
  const plain = values.plain === true;
  const dataDir = homePaths(config.home).etcdData;
  if (members > 1) return runCluster(config.home, dataDir, members, clientPort, peerPort, plain);
  let etcd: LocalEtcd;
  try {
    etcd = plain
      ? await startLocalEtcd({ dataDir, clientPort, peerPort })
      : (await startSecureLocalEtcd(config.home, { dataDir, clientPort, peerPort })).etcd;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot start etcd on 127.0.0.1:${clientPort}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (plain) {
    process.stderr.write(`warning: etcd at ${etcd.endpoint} is plain HTTP with no authentication: anyone who can reach 127.0.0.1:${clientPort} can drive every display\n`);
    process.stdout.write(`etcd ready at ${etcd.endpoint} (data in ${dataDir}); Ctrl-C stops it\n`);
  } else {
    const pki = pkiPaths(config.home);
    process.stdout.write(
      `etcd ready at ${etcd.endpoint} with mutual TLS and auth (data in ${dataDir}, certificates in ${pki.dir}); Ctrl-C stops it\n`,
    );
  }
  const signal = await untilStopped([etcd.exited]);
  if (signal.startsWith('exit')) throw new UserError(`etcd stopped by itself (${signal}); its data is in ${dataDir}`);
  await etcd.stop();
  process.stdout.write('etcd stopped\n');
}

async function runCluster(home: string, etcdData: string, count: number, clientPort: number, peerPort: number, plain: boolean): Promise<void> {
  // Beside, not inside, a single etcd's data dir: the two never share a member's data.
  const dir = join(etcdData, `cluster-${count}`);
  const plans = await planLocalCluster(dir, count, { client: clientPort, peer: peerPort });
  let cluster: LocalCluster;
  // The others carry on while a majority is left; a person should still hear of it.
  const onUnexpectedExit = (member: { name: string; dataDir: string }, code: number | null) =>
    process.stderr.write(`warning: etcd ${member.name} stopped by itself (exit ${code}); the others carry on while a majority of ${count} is left (its data is in ${member.dataDir}); restart this command to bring it back\n`);
  try {
    cluster = plain ? await startLocalCluster({ members: plans, onUnexpectedExit }) : (await startSecureLocalCluster(home, plans, { onUnexpectedExit })).cluster;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot start a ${count}-member etcd cluster on ports ${clientPort}…: ${(error as Error).message.split('\n')[0]}`);
  }
  const endpoints = cluster.endpoints.join(',');
  if (plain) process.stderr.write(`warning: the etcd cluster at ${endpoints} is plain HTTP with no authentication\n`);
  process.stdout.write(
    `etcd cluster of ${count} ready at ${endpoints}${plain ? '' : ` with mutual TLS (clients and peers) and auth (certificates in ${pkiPaths(home).dir})`}; data in ${dir}\n` +
      `give every component all of them: --etcd ${endpoints} (or PHOTOFRAME_ETCD); Ctrl-C stops the cluster\n`,
  );
  const signal = await untilStopped([]);
  await cluster.stop();
  process.stdout.write(`etcd cluster stopped (${signal})\n`);
}

function untilStopped(exits: Promise<number | null>[]): Promise<string> {
  return new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    for (const exited of exits) void exited.then((code) => resolve(`exit ${code}`));
  });
}
