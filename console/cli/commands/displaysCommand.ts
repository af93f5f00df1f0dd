import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { listDisplays, readEtcdDisplays } from '../../displays/displayDirectory.ts';
import type { CommandContext } from '../command.ts';
import { printTable } from '../printTable.ts';

export async function runDisplays({ config, values }: CommandContext): Promise<number | void> {
  const client = await connectEtcd(config.etcd);
  let etcd;
  try {
    etcd = await readEtcdDisplays(client);
  } finally {
    client.close();
  }
  const listings = listDisplays(await new LibraryStore(homePaths(config.home).store).read(), etcd);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(listings, null, 2)}\n`);
    return;
  }
  if (listings.length === 0) {
    process.stdout.write('no displays yet: start `photoframe viewer` on a display and it announces itself\n');
    return;
  }
  printTable(
    ['NAME', 'ID', 'STATE', 'ALBUM', 'HOST'],
    listings.map((d) => [d.name, d.id, d.online ? 'online' : 'offline', d.album ?? '-', d.hostname ?? '-']),
  );
}
