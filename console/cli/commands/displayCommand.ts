import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { assignDisplays, parseDisplayChange } from '../../displays/assignDisplay.ts';
import { readEtcdDisplays } from '../../displays/displayDirectory.ts';
import { forgetDisplayRecord, renameDisplayRecord, type LibraryUpdate } from '../../displays/displayRecords.ts';
import { DISPLAY_ACTIONS as DISPLAY_ACTION_WORDS, describeNowShowing, isDisplayAction, resolveTargets, runResolvedAction, type DisplayAction } from '../../displays/displayControl.ts';
import { parseAssignments } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';
import { decodeViewerStatus } from '../../../common/protocol/codecs/viewerStatusCodec.ts';
import { displayPrefix } from '../../../common/protocol/displayKeys.ts';
import { statusKey } from '../../../common/protocol/systemKeys.ts';
import { healthFlags, presenceState, statusAgeMs } from '../../displays/displayHealth.ts';
import { healthLines } from '../../displays/healthText.ts';

export async function runDisplay(context: CommandContext): Promise<number | void> {
  const [action] = context.positionals;
  if (action === 'rename' || action === 'forget') return runDisplayRecordAction(context);
  if (action === 'enroll' || action === 'renew' || action === 'revoke') {
    // Loaded apart: enrolling a shop's worth of displays in a loop should not pay for the library's image stack.
    return (await import('./displayIdentityCommand.ts')).runDisplayIdentityAction(context, action);
  }
  if (action === 'show') return runDisplayShow(context);
  if (action !== undefined && isDisplayAction(action)) return runDisplayActionCommand(context, action);
  return runDisplaySet(context);
}

async function runDisplaySet({ config, positionals }: CommandContext): Promise<number | void> {
  const [action, ...rest] = positionals;
  if (action !== 'set') {
    throw new UserError(`display ${action === undefined ? 'needs an action' : `has no action "${action}"`}: use ${DISPLAY_ACTIONS}`);
  }
  // The displays come first, then the key=value words: `display set kitchen hall album=Family`.
  // Without any key=value word, everything after the first display is a malformed assignment, and said so.
  const firstAssignment = rest.findIndex((word) => word.includes('='));
  const split = firstAssignment < 0 ? Math.min(1, rest.length) : firstAssignment;
  const displayRefs = rest.slice(0, split);
  const words = rest.slice(split);
  if (displayRefs.length === 0) throw new UserError('display set needs a display id or name: photoframe display set <display>... album=<album>');
  // Parse every word before touching etcd, so a typo changes nothing.
  const change = parseDisplayChange(parseAssignments(words, 'use album=<album> or a setting such as interval_time=30'));
  const client = await connectEtcd(config.etcd);
  try {
    const results = await assignDisplays(client, new LibraryStore(homePaths(config.home).store), displayRefs, change);
    for (const result of results) {
      const parts: string[] = [];
      if (result.album) parts.push(`album "${result.album.name}" (${result.album.photos.length} photos)`);
      if (result.settings) parts.push(`settings ${Object.keys(change.settings).join(', ')}`);
      process.stdout.write(`display "${result.displayName}" (${result.displayId}): set ${parts.join(' and ')}\n`);
    }
  } finally {
    client.close();
  }
}

const DISPLAY_ACTIONS = `\`photoframe display set|show|rename|forget|enroll|renew|revoke|${DISPLAY_ACTION_WORDS.join('|')} <display> ...\` (see photoframe display --help)`;

/** `display next kitchen`, `display off Hallway` (a group: every member), `display now kitchen`. */
async function runDisplayActionCommand({ config, values, positionals }: CommandContext, action: DisplayAction): Promise<number | void> {
  const ref = positionals[1];
  if (!ref) throw new UserError(`display ${action} needs a display or group: photoframe display ${action} <display or group>`);
  const library = await new LibraryStore(homePaths(config.home).store).read();
  const client = await connectEtcd(config.etcd);
  try {
    const resolved = resolveTargets(library, await readEtcdDisplays(client), ref);
    const { label, targets } = resolved;
    const outcomes = await runResolvedAction(client, action, resolved);
    if (values.json) {
      const rows = outcomes.map((o) => ({ id: o.target.id, name: o.target.name, action, ...(o.answer ? { answer: o.answer } : {}) }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (action === 'now') {
      for (const o of outcomes) process.stdout.write(`${describeNowShowing(o.target.name, o.answer!, library)}\n`);
    } else {
      process.stdout.write(`${action}: sent to ${label}${targets.length > 1 ? ` (${targets.length} displays)` : ''}\n`);
    }
  } finally {
    client.close();
  }
}

async function runDisplayRecordAction({ config, values, positionals }: CommandContext): Promise<number | void> {
  const [action, displayRef, newName] = positionals;
  if (!displayRef) throw new UserError(`display ${action} needs a display id or name: photoframe display ${action} <display>${action === 'rename' ? ' NEW_NAME' : ''}`);
  if (action === 'rename' && !newName) throw new UserError('display rename needs the new name: photoframe display rename <display> NEW_NAME');
  const store = new LibraryStore(homePaths(config.home).store);
  const update: LibraryUpdate = (change) => store.update(change);
  const client = await connectEtcd(config.etcd);
  try {
    const etcd = await readEtcdDisplays(client);
    const result =
      action === 'rename'
        ? await renameDisplayRecord(update, etcd, displayRef, newName!)
        : await forgetDisplayRecord(update, client, etcd, displayRef);
    const text = action === 'rename' ? `display ${result.id} is now "${result.name}"` : `forgot display "${result.name}" (${result.id})`;
    process.stdout.write(values.json ? `${JSON.stringify({ id: result.id, name: result.name, action }, null, 2)}\n` : `${text}\n`);
  } finally {
    client.close();
  }
}

/** `display show kitchen [--json]`: what the viewer reports about itself (its status and health) and the flags the console derives. */
async function runDisplayShow({ config, values, positionals }: CommandContext): Promise<number | void> {
  const ref = positionals[1];
  if (!ref) throw new UserError('display show needs a display: photoframe display show <display> [--json]');
  const library = await new LibraryStore(homePaths(config.home).store).read();
  const client = await connectEtcd(config.etcd);
  try {
    const etcd = await readEtcdDisplays(client);
    const { targets } = resolveTargets(library, etcd, ref);
    if (targets.length !== 1) throw new UserError(`display show takes one display; "${ref}" is a group of ${targets.length}`);
    const { id, name } = targets[0]!;
    const [rawStatus, keys] = await Promise.all([client.get(statusKey(id)).string(), client.getAll().prefix(displayPrefix(id)).exec()]);
    const decoded = rawStatus === null ? null : decodeViewerStatus(rawStatus);
    const status = decoded?.ok ? decoded.value : null;
    const written = keys.kvs.reduce<bigint | null>((max, kv) => (max === null || BigInt(kv.mod_revision) > max ? BigInt(kv.mod_revision) : max), null);
    const input = { status, statusSeenAt: null, writtenRevision: written, now: new Date() };
    const online = etcd.online.has(id);
    if (values.json) {
      const age = statusAgeMs(input);
      const report = {
        id,
        name,
        online,
        state: presenceState(online, input),
        flags: healthFlags(input),
        status_age_ms: age === null ? null : Math.round(age),
        written_revision: written === null ? null : written.toString(),
        status,
      };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      process.stdout.write(`display "${name}" (${id})\n${healthLines({ ...input, online }).join('\n')}\n`);
    }
  } finally {
    client.close();
  }
}
