import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { listDisplays, readEtcdDisplays } from '../../displays/displayDirectory.ts';
import type { Command } from '../command.ts';

export const displaysCommand: Command = {
  name: 'displays',
  summary: 'list the known displays and their ids',
  usage: 'photoframe displays [--json]',
  options: { json: { type: 'boolean' } },
  async run({ config, values }) {
    const client = await connectEtcd(config.etcdEndpoints);
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
  },
};

export const albumsCommand: Command = {
  name: 'albums',
  summary: 'list the albums in the library',
  usage: 'photoframe albums [--json]',
  options: { json: { type: 'boolean' } },
  async run({ config, values }) {
    const library = await new LibraryStore(homePaths(config.home).store).read();
    const albums = library.albums.map((a) => ({ id: a.id, name: a.name, photos: a.photos.length, createdAt: a.createdAt }));
    if (values.json) {
      process.stdout.write(`${JSON.stringify(albums, null, 2)}\n`);
      return;
    }
    if (albums.length === 0) {
      process.stdout.write('no albums yet: photoframe import DIR --album NAME\n');
      return;
    }
    printTable(['NAME', 'PHOTOS', 'ID'], albums.map((a) => [a.name, String(a.photos), a.id]));
  },
};

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}
