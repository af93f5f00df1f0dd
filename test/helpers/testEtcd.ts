import type { Etcd3 } from 'etcd3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEtcd } from '../../common/etcd/etcdClient.ts';
import { startLocalEtcd } from '../../common/etcd/localEtcd.ts';

/** A real etcd on free loopback ports with a throwaway data dir, for one test file. */
export interface TestEtcd {
  endpoint: string;
  client: Etcd3;
  stop(): Promise<void>;
}

export async function startTestEtcd(): Promise<TestEtcd> {
  const dataDir = await mkdtemp(join(tmpdir(), 'photoframe-etcd-'));
  const etcd = await startLocalEtcd({ dataDir });
  const client = await connectEtcd([etcd.endpoint]);
  return {
    endpoint: etcd.endpoint,
    client,
    stop: async () => {
      client.close();
      await etcd.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
