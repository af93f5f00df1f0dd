import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { assignDisplay, parseDisplayChange } from '../../displays/assignDisplay.ts';
import { readEtcdDisplays } from '../../displays/displayDirectory.ts';
import { forgetDisplayRecord, renameDisplayRecord, type LibraryUpdate } from '../../displays/displayRecords.ts';
import { DISPLAY_ACTIONS as DISPLAY_ACTION_WORDS, describeNowShowing, isDisplayAction, resolveTargets, runDisplayAction, type DisplayAction } from '../../displays/displayControl.ts';
import { parseAssignments, stringOption } from '../argumentParsers.ts';
import { parseEtcdEndpoints } from '../../../common/config.ts';
import { decodeImageServer } from '../../../common/protocol/codecs/imageServerCodec.ts';
import { IMAGE_SERVER_KEY } from '../../../common/protocol/systemKeys.ts';
import { daysLeft } from '../../../common/tls/tlsMaterial.ts';
import { enrollDisplay, renewDisplay, revokeDisplay } from '../../security/enrollment.ts';
import type { CommandContext } from '../command.ts';

export async function runDisplay(context: CommandContext): Promise<number | void> {
  const [action] = context.positionals;
  if (action === 'rename' || action === 'forget') return runDisplayRecordAction(context);
  if (action === 'enroll' || action === 'renew' || action === 'revoke') return runDisplayIdentityAction(context, action);
  if (action !== undefined && isDisplayAction(action)) return runDisplayActionCommand(context, action);
  return runDisplaySet(context);
}

async function runDisplaySet({ config, positionals }: CommandContext): Promise<number | void> {
  const [action, displayRef, ...words] = positionals;
  if (action !== 'set') {
    throw new UserError(`display ${action === undefined ? 'needs an action' : `has no action "${action}"`}: use ${DISPLAY_ACTIONS}`);
  }
  if (!displayRef) throw new UserError('display set needs a display id or name: photoframe display set <display> album=<album>');
  // Parse every word before touching etcd, so a typo changes nothing.
  const change = parseDisplayChange(parseAssignments(words, 'use album=<album> or a setting such as interval_time=30'));
  const client = await connectEtcd(config.etcd);
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

const DISPLAY_ACTIONS = `\`photoframe display set|rename|forget|enroll|renew|revoke|${DISPLAY_ACTION_WORDS.join('|')} <display> ...\` (see photoframe display --help)`;

/** `display next kitchen`, `display off Hallway` (a group: every member), `display now kitchen`. */
async function runDisplayActionCommand({ config, values, positionals }: CommandContext, action: DisplayAction): Promise<number | void> {
  const ref = positionals[1];
  if (!ref) throw new UserError(`display ${action} needs a display or group: photoframe display ${action} <display or group>`);
  const library = await new LibraryStore(homePaths(config.home).store).read();
  const client = await connectEtcd(config.etcd);
  try {
    const { label, targets } = resolveTargets(library, await readEtcdDisplays(client), ref);
    const outcomes = await runDisplayAction(client, action, targets);
    if (values.json) {
      const rows = outcomes.map((o) => ({ id: o.target.id, name: o.target.name, action, ...(o.answer ? { answer: o.answer } : {}) }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (action === 'now') {
      for (const o of outcomes) process.stdout.write(`${describeNowShowing(o.target.name, o.answer!)}\n`);
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

/** `display enroll NAME`, `display renew <display>`, `display revoke <display>`: a display's identity. */
async function runDisplayIdentityAction({ config, values, positionals }: CommandContext, action: 'enroll' | 'renew' | 'revoke'): Promise<number | void> {
  const ref = positionals[1];
  if (!ref) throw new UserError(`display ${action} needs a ${action === 'enroll' ? 'name' : 'display id or name'}: photoframe display ${action} ${action === 'enroll' ? 'NAME' : '<display>'}`);
  if (positionals.length > 2) throw new UserError(`display ${action} takes one ${action === 'enroll' ? 'name (quote one with spaces)' : 'display'}, got ${positionals.length - 1}`);
  const out = stringOption(values, 'out');
  const store = new LibraryStore(homePaths(config.home).store);
  if (action === 'renew') {
    const library = await store.read();
    const id = library.displays.find((d) => d.id === ref || d.name === ref)?.id ?? ref;
    const renewed = await renewDisplay(config.home, id, out);
    const days = daysLeft(renewed.facts);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ id, bundle: renewed.bundle, not_after: renewed.facts.notAfter.toISOString(), days_left: days })}\n`
        : `renewed display ${id}'s certificate: valid for ${days} days, until ${renewed.facts.notAfter.toISOString().slice(0, 10)}; install ${renewed.bundle}/display.crt on the display (make deploy does)\n`,
    );
    return;
  }
  if (config.etcd.tls === null) {
    throw new UserError(`display ${action} needs etcd over TLS with auth (etcd at ${config.etcd.endpoints.join(',')} is plain http://, where every client can do anything)`);
  }
  const client = await connectEtcd(config.etcd);
  try {
    if (action === 'enroll') {
      const displayEtcd = stringOption(values, 'display-etcd');
      const endpoints = displayEtcd === undefined ? config.etcd.endpoints : parseEtcdEndpoints(displayEtcd, '--display-etcd');
      if (endpoints.some((endpoint) => endpoint.startsWith('http:'))) throw new UserError('--display-etcd must be https:// endpoints: an enrolled display speaks TLS only');
      const server = decodeImageServer((await client.get(IMAGE_SERVER_KEY).string()) ?? '');
      const enrolled = await enrollDisplay(client, store, config.home, { name: ref, etcdEndpoints: endpoints, imageServerUrl: server.ok ? server.value.url : null, out });
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ id: enrolled.id, name: enrolled.name, bundle: enrolled.bundle })}\n`
          : `${enrolled.id}\nenrolled display "${enrolled.name}": its bundle is ${enrolled.bundle} (make deploy PI=host BUNDLE=${enrolled.bundle} installs it)\n`,
      );
      if (!values.json && endpoints.every(isLoopbackEndpoint)) {
        process.stderr.write(`note: the bundle points the display at ${endpoints.join(',')}, which only this host can reach; use --display-etcd https://<this host>:2379 for a Pi\n`);
      }
      return;
    }
    const revoked = await revokeDisplay(client, store, config.home, ref);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ id: revoked.id, name: revoked.name, action: 'revoke' })}\n`
        : `revoked display "${revoked.name}" (${revoked.id}): its etcd user, role and keys are deleted, the image server refuses it, and its certificate is worthless\n`,
    );
  } finally {
    client.close();
  }
}

function isLoopbackEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
}
