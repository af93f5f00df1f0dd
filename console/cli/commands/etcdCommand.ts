import { startLocalEtcd } from '../../../common/etcd/localEtcd.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { portOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

export async function runEtcd({ config, values }: CommandContext): Promise<number | void> {
  const clientPort = portOption(values, 'client-port', 2379);
  const peerPort = portOption(values, 'peer-port', 2380);
  const dataDir = homePaths(config.home).etcdData;
  let etcd;
  try {
    etcd = await startLocalEtcd({ dataDir, clientPort, peerPort });
  } catch (error) {
    throw new UserError(`cannot start etcd on 127.0.0.1:${clientPort}: ${(error as Error).message.split('\n')[0]}`);
  }
  process.stdout.write(`etcd ready at ${etcd.endpoint} (data in ${dataDir}); Ctrl-C stops it\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    void etcd.exited.then((code) => resolve(`exit ${code}`));
  });
  if (signal.startsWith('exit')) throw new UserError(`etcd stopped by itself (${signal}); its data is in ${dataDir}`);
  await etcd.stop();
  process.stdout.write('etcd stopped\n');
}
