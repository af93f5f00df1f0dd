import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { assignDisplay, parseDisplayChange } from '../../displays/assignDisplay.ts';
import { parseAssignments } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

export async function runDisplay({ config, positionals }: CommandContext): Promise<number | void> {
  const [action, displayRef, ...words] = positionals;
  if (action !== 'set') {
    throw new UserError(`display ${action === undefined ? 'needs an action' : `has no action "${action}"`}: use \`photoframe display set <display> album=<album>\``);
  }
  if (!displayRef) throw new UserError('display set needs a display id or name: photoframe display set <display> album=<album>');
  // Parse every word before touching etcd, so a typo changes nothing.
  const change = parseDisplayChange(parseAssignments(words, 'use album=<album> or a setting such as interval_time=30'));
  const client = await connectEtcd(config.etcdEndpoints);
  try {
    const result = await assignDisplay(client, new LibraryStore(homePaths(config.home).store), displayRef, change);
    const parts: string[] = [];
    if (result.album) parts.push(`album "${result.album.name}" (${result.album.photos.length} photos)`);
    if (result.settings) parts.push(`settings ${Object.keys(change.settings).join(', ')}`);
    process.stdout.write(`display "${result.displayName}" (${result.displayId}): set ${parts.join(' and ')}\n`);
  } finally {
    client.close();
  }
}
