import { startLocalEtcd, type LocalEtcd } from '../../../common/etcd/localEtcd.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { pkiPaths } from '../../pki/pkiPaths.ts';
import { startSecureLocalEtcd } from '../../security/secureLocalEtcd.ts';
import { portOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

export async function runEtcd({ config, values }: CommandContext): Promise<number | void> {
  const clientPort = portOption(values, 'client-port', 2379);
  const peerPort = portOption(values, 'peer-port', 2380);
  const plain = values.plain === true;
  const dataDir = homePaths(config.home).etcdData;
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
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    void etcd.exited.then((code) => resolve(`exit ${code}`));
  });
  if (signal.startsWith('exit')) throw new UserError(`etcd stopped by itself (${signal}); its data is in ${dataDir}`);
  await etcd.stop();
  process.stdout.write('etcd stopped\n');
}
