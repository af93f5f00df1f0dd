import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { listDisplays, readEtcdDisplays } from '../../displays/displayDirectory.ts';
import type { CommandContext } from '../command.ts';
import { printTable } from '../printTable.ts';
import { CERTIFICATE_WARNING_DAYS, displayCertificates } from '../../security/enrollment.ts';

export async function runDisplays({ config, values }: CommandContext): Promise<number | void> {
  const client = await connectEtcd(config.etcd);
  let etcd;
  try {
    etcd = await readEtcdDisplays(client);
  } finally {
    client.close();
  }
  const certificates = await displayCertificates(config.home);
  const listings = listDisplays(await new LibraryStore(homePaths(config.home).store).read(), etcd).map((listing) => {
    const certificate = certificates.get(listing.id);
    return { ...listing, certificate_days_left: certificate ? certificate.daysLeft : null };
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(listings, null, 2)}\n`);
    return;
  }
  if (listings.length === 0) {
    process.stdout.write('no displays yet: start `photoframe viewer` on a display and it announces itself\n');
    return;
  }
  printTable(
    ['NAME', 'ID', 'STATE', 'ALBUM', 'HOST', 'CERT'],
    listings.map((d) => [d.name, d.id, d.online ? 'online' : 'offline', d.album ?? '-', d.hostname ?? '-', certificateCell(d.certificate_days_left)]),
  );
  const expiring = listings.filter((d) => d.certificate_days_left !== null && d.certificate_days_left <= CERTIFICATE_WARNING_DAYS);
  for (const d of expiring) {
    process.stderr.write(`warning: display "${d.name}"'s certificate ${d.certificate_days_left! < 0 ? 'has expired' : `expires in ${d.certificate_days_left} days`}; photoframe display renew ${d.id}\n`);
  }
}

/** Days left on a display's certificate; "-" for a display without one (a plain etcd's). */
function certificateCell(days: number | null): string {
  if (days === null) return '-';
  if (days < 0) return 'EXPIRED';
  return days <= CERTIFICATE_WARNING_DAYS ? `${days}d!` : `${days}d`;
}
