import type { Etcd3 } from 'etcd3';
import type { GlobalConfig } from '../../common/config.ts';
import { connectEtcd } from '../../common/etcd/etcdClient.ts';
import { reasonOf, UserError } from '../../common/userError.ts';

/**
 * Runs `work` with an etcd client, for a library change that displays must
 * hear about. The library change is already saved, so if etcd cannot be
 * reached the error says so and how to finish.
 */
export async function withEtcdAfterSave<T>(config: GlobalConfig, what: string, work: (client: Etcd3) => Promise<T>): Promise<T> {
  let client;
  try {
    client = await connectEtcd(config.etcd);
  } catch (error) {
    throw new UserError(`${what} is saved, but the displays showing it were not updated: ${reasonOf(error)}; run the command again once etcd is up`);
  }
  try {
    return await work(client);
  } finally {
    client.close();
  }
}
