import type { Etcd3 } from 'etcd3';
import type { HomePaths } from '../../../common/homePaths.ts';
import { EtcdDisplays } from '../../state/etcdDisplays.ts';
import { LibraryHub } from '../../state/libraryHub.ts';
import { EventLog } from './eventLog.ts';

/**
 * What every console session of a process shares: one library, one etcd
 * feed, one events history. Sessions never hold their own copies, so a change
 * made in one is seen by all without a re-read.
 */
export interface ConsoleServices {
  client: Etcd3;
  hub: LibraryHub;
  etcd: EtcdDisplays;
  events: EventLog;
  paths: HomePaths;
  etcdLabel: string;
  close(): Promise<void>;
}

export async function openConsoleServices(client: Etcd3, paths: HomePaths, etcdLabel: string): Promise<ConsoleServices> {
  const hub = await LibraryHub.forStore(paths.store);
  const release = hub.retain();
  const etcd = new EtcdDisplays(client);
  try {
    await etcd.open();
  } catch (error) {
    release();
    throw error;
  }
  const events = new EventLog();
  const stopLibrary = hub.onChange((change) => events.add(change.by, change.what));
  return {
    client,
    hub,
    etcd,
    events,
    paths,
    etcdLabel,
    close: async () => {
      stopLibrary();
      release();
      await etcd.close();
    },
  };
}
