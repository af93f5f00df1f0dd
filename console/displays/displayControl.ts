import type { Etcd3 } from 'etcd3';
import type { NowShowing } from '../../common/protocol/codecs/commandCodecs.ts';
import type { DisplayTopic } from '../../common/protocol/displayKeys.ts';
import type { TopicValues } from '../../common/protocol/topicRegistry.ts';
import { UserError } from '../../common/userError.ts';
import { findDisplay } from '../../data/library/displays.ts';
import { findGroup } from '../../data/library/groups.ts';
import { groupsOf, type GroupRecord, type Library } from '../../data/library/librarySchema.ts';
import { stepGroup } from './groupClock.ts';
import type { EtcdDisplayView } from './displayDirectory.ts';
import { sendCommand } from './commandWrites.ts';
import { askNowShowing } from './nowShowingRequest.ts';
import { localClock } from '../library/localTime.ts';
import { photoLabel } from '../library/photoNames.ts';

/** What a person can tell a display (or every display of a group) to do. */
export const DISPLAY_ACTIONS = ['next', 'back', 'pause', 'resume', 'off', 'on', 'reboot', 'restart-screen', 'now'] as const;
export type DisplayAction = (typeof DISPLAY_ACTIONS)[number];

export function isDisplayAction(word: string): word is DisplayAction {
  return (DISPLAY_ACTIONS as readonly string[]).includes(word);
}

type Write = { [K in DisplayTopic]: { topic: K; value: TopicValues[K] } }[DisplayTopic];

/** Each action is one key written through the registry's encoder; `now` is a request with an answer. */
const WRITES: Record<Exclude<DisplayAction, 'now'>, Write> = {
  next: { topic: 'change_photo', value: 'forward' },
  back: { topic: 'change_photo', value: 'back' },
  pause: { topic: 'paused', value: true },
  resume: { topic: 'paused', value: false },
  off: { topic: 'power_state', value: 'off' },
  on: { topic: 'power_state', value: 'on' },
  reboot: { topic: 'reboot', value: 'now' },
  'restart-screen': { topic: 'restart_screen', value: 'now' },
};

export interface ActionTarget {
  id: string;
  name: string;
}

/** A display (by id, name or hostname) or a group (every member), as the action's targets. */
export interface ResolvedTargets {
  label: string;
  targets: ActionTarget[];
  /** When the name was a group's. */
  group?: GroupRecord;
}

export function resolveTargets(library: Library, etcd: EtcdDisplayView, ref: string): ResolvedTargets {
  const display = findDisplay(library, ref);
  if (display) return { label: `display "${display.name}"`, targets: [{ id: display.id, name: display.name }] };
  for (const [id, announcement] of etcd.announcements) {
    if (id === ref || announcement.hostname === ref) return { label: `display "${announcement.hostname || id}"`, targets: [{ id, name: announcement.hostname || id }] };
  }
  const group = findGroup(library, ref);
  if (group) {
    if (group.displayIds.length === 0) throw new UserError(`group "${group.name}" has no displays yet: photoframe group add ${group.name} DISPLAY`);
    return {
      label: `group "${group.name}"`,
      targets: group.displayIds.map((id) => ({ id, name: library.displays.find((d) => d.id === id)?.name ?? id })),
      group,
    };
  }
  const names = [...library.displays.map((d) => d.name), ...groupsOf(library).map((g) => `${g.name} (group)`)];
  throw new UserError(`no display or group "${ref}"; ${names.length ? `known: ${names.join(', ')}` : 'no display has announced itself yet'}`);
}

export interface ActionOutcome {
  target: ActionTarget;
  answer?: NowShowing;
}

/**
 * Sends the action to every target, in a few guarded transactions that a
 * retry cannot apply twice (commandWrites.ts); `now` asks each and returns
 * the answers.
 */
export async function runDisplayAction(client: Etcd3, action: DisplayAction, targets: readonly ActionTarget[], nowTimeoutMs = 5000): Promise<ActionOutcome[]> {
  if (action === 'now') {
    return Promise.all(targets.map(async (target) => ({ target, answer: await askNowShowing(client, target.id, target.name, nowTimeoutMs) })));
  }
  const write = WRITES[action];
  await sendCommand(client, targets.map((target) => target.id), write.topic, write.value as never);
  return targets.map((target) => ({ target }));
}

/**
 * The action on what a name resolved to: next or back on a `same` group moves
 * the group's shared clock (every member to the same slot, together, see
 * groupClock.ts); anything else is runDisplayAction's command to each display.
 */
export async function runResolvedAction(client: Etcd3, action: DisplayAction, resolved: ResolvedTargets, nowTimeoutMs = 5000): Promise<ActionOutcome[]> {
  const group = resolved.group;
  if ((action === 'next' || action === 'back') && group && (group.mode ?? 'split') === 'same') {
    await stepGroup(client, group, action === 'next' ? 1 : -1);
    return resolved.targets.map((target) => ({ target }));
  }
  return runDisplayAction(client, action, resolved.targets, nowTimeoutMs);
}

/** One line for a "what is on screen" answer, for a person: the photo by its file name, the time by the local clock. */
export function describeNowShowing(name: string, answer: NowShowing, library: Library, now = new Date()): string {
  const state = [answer.power === 'off' ? 'screen off' : null, answer.paused ? 'paused' : null].filter(Boolean).join(', ');
  const shownAt = answer.shown_at ? new Date(answer.shown_at) : null;
  const since = shownAt === null ? '' : Number.isNaN(shownAt.getTime()) ? ` since ${answer.shown_at}` : ` since ${localClock(shownAt, now)}`;
  const image = answer.image === null || answer.image === undefined ? 'nothing' : photoLabel(library, answer.image);
  return `${name}: ${image}${answer.album ? ` from "${answer.album}"` : ''}${since}${state ? ` (${state})` : ''}`;
}
