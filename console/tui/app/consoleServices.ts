import type { Etcd3 } from 'etcd3';
import type { HomePaths } from '../../../common/homePaths.ts';
import { CertificateBook } from '../../state/certificateBook.ts';
import { EtcdDisplays } from '../../state/etcdDisplays.ts';
import { LibraryHub } from '../../state/libraryHub.ts';
import { EventLog } from './eventLog.ts';
import { failureEventLines, PreparationWatch } from '../../state/preparationWatch.ts';
import { photoLabel } from '../../library/photoNames.ts';

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
  /** The background preparation queue, as the library shows it: the status line's `preparing N of M`. */
  preparation: PreparationWatch;
  /** Days left on each enrolled display's certificate. */
  certificates: CertificateBook;
  paths: HomePaths;
  etcdLabel: string;
  /** The X display the demo's viewer draws on, when the console runs in `photoframe demo`. */
  viewerScreen?: string;
  close(): Promise<void>;
}

export async function openConsoleServices(client: Etcd3, paths: HomePaths, etcdLabel: string, viewerScreen?: string): Promise<ConsoleServices> {
  const hub = await LibraryHub.forStore(paths.store);
  const release = hub.retain();
  const etcd = new EtcdDisplays(client);
  try {
    await etcd.open();
  } catch (error) {
    release();
    throw error;
  }
  const certificates = new CertificateBook(paths.home);
  await certificates.open();
  const events = new EventLog();
  const preparation = new PreparationWatch(hub.library);
  const stopLibrary = hub.onChange((change) => {
    events.add(change.by, change.what);
    // A photo that fails its check is news once, for every session of this process: the queue never retries it.
    const failed = preparation.observe(change.library);
    for (const line of failureEventLines(failed, (photo) => photoLabel(change.library, photo.name))) events.add('preparation', line, true);
  });
  // Displays coming and going are news too; the feed says which displays changed, presence tells the rest.
  const wasOnline = new Set(etcd.view.online);
  const stopPresence = etcd.onChange((ids) => {
    for (const id of ids) {
      const online = etcd.view.online.has(id);
      if (online === wasOnline.has(id)) continue;
      if (online) wasOnline.add(id);
      else wasOnline.delete(id);
      const name = hub.library.displays.find((d) => d.id === id)?.name ?? etcd.view.announcements.get(id)?.hostname ?? id;
      events.add(`display ${name}`, online ? 'came online' : 'went offline');
    }
  });
  return {
    client,
    hub,
    etcd,
    events,
    preparation,
    certificates,
    paths,
    etcdLabel,
    ...(viewerScreen ? { viewerScreen } : {}),
    close: async () => {
      stopLibrary();
      stopPresence();
      certificates.close();
      release();
      await etcd.close();
    },
  };
}
