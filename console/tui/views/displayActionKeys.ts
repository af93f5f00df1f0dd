import type { KeyBinding } from '../app/keyRegistry.ts';
import { UserError } from '../../../common/userError.ts';
import type { SessionContext } from '../app/consoleApp.ts';
import type { CommandSpec } from '../app/commandLine.ts';
import { describeNowShowing, resolveTargets, runResolvedAction, type DisplayAction } from '../../displays/displayControl.ts';
import { albumIsShown, publishAlbum } from '../../displays/albumPublisher.ts';

/** Each action once: its key in the displays and groups views, its `:` command, its help line. */
const ACTIONS: { action: DisplayAction; key: string; hint?: string; description: string; confirm?: string }[] = [
  { action: 'next', key: '>', hint: 'next', description: 'next photo' },
  { action: 'back', key: '<', description: 'previous photo' },
  { action: 'pause', key: 'p', hint: 'pause', description: 'pause the slideshow (the photo stays)' },
  { action: 'resume', key: 'u', description: 'resume the slideshow' },
  { action: 'off', key: 'o', hint: 'off', description: 'screen off' },
  { action: 'on', key: 'O', description: 'screen on' },
  { action: 'reboot', key: 'R', description: 'reboot the display (asks first)', confirm: 'Reboot' },
  { action: 'restart-screen', key: 'S', description: 'restart the screen (asks first)', confirm: 'Restart screen' },
  { action: 'now', key: 'w', hint: 'what\'s on', description: 'ask what is on screen now' },
];

/** Runs an action on a display or group named as a person would name it, reporting on the status line. */
export async function performAction(context: SessionContext, action: DisplayAction, ref: string, confirm?: string): Promise<void> {
  const { client, hub, etcd, events } = context.services;
  const resolved = resolveTargets(hub.library, etcd.view, ref);
  const { label, targets } = resolved;
  if (confirm && !(await context.confirm(`${confirm}: ${label}${targets.length > 1 ? ` (${targets.length} displays)` : ''}?`, confirm))) {
    context.status('nothing sent');
    return;
  }
  await context.run(async () => {
    if (action === 'now') context.status(`asking ${label} what it shows…`);
    const outcomes = await runResolvedAction(client, action, resolved);
    const summary =
      action === 'now' ? outcomes.map((o) => describeNowShowing(o.target.name, o.answer!, hub.library)).join(' · ') : `${action}: sent to ${label}`;
    events.add(context.who, summary);
    return summary;
  });
}

export function actionBindings(context: SessionContext, selectedRef: () => string): KeyBinding[] {
  return ACTIONS.map((spec) => ({
    keys: [spec.key],
    hint: spec.hint,
    description: spec.description,
    run: () => performAction(context, spec.action, selectedRef(), spec.confirm),
  }));
}

export function actionCommands(context: SessionContext): CommandSpec[] {
  return ACTIONS.map((spec) => ({
    verb: spec.action,
    usage: `:${spec.action} [DISPLAY|GROUP]`,
    description: spec.description,
    run: (ref: string) => {
      // Without a name, the display (or group) selected in the view; elsewhere, how to name one.
      const target = ref.trim() || context.selectedTarget();
      if (!target) throw new UserError(`usage: :${spec.action} DISPLAY|GROUP (or select a display first)`);
      return performAction(context, spec.action, target, spec.confirm);
    },
  }));
}

/** After a session changes an album's photos: the displays and groups showing it get them now. */
export async function republishAfterChange(context: SessionContext, albumId: string): Promise<string> {
  const library = context.services.hub.library;
  const album = library.albums.find((a) => a.id === albumId);
  if (!album || !albumIsShown(library, albumId)) return '';
  const written = await publishAlbum(context.services.client, library, album);
  return written.length ? `; updated ${written.length} display${written.length === 1 ? '' : 's'}` : '';
}
