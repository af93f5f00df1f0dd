import { UserError } from '../../../common/userError.ts';
import { findDisplay } from '../../../data/library/displays.ts';
import { revokeDisplay } from '../../security/enrollment.ts';
import type { SessionContext } from '../app/consoleApp.ts';

/**
 * Cuts a display off from the console, as `photoframe display revoke` does:
 * asked first, with what it does spelled out, since it cannot be undone
 * (the display must be enrolled anew).
 */
export async function revokeFromConsole(context: SessionContext, ref: string): Promise<void> {
  const { client, hub, paths, events, certificates } = context.services;
  const display = findDisplay(hub.library, ref);
  if (!display) throw new UserError(`unknown display "${ref}"`);
  const question = `Revoke display "${display.name}" (${display.id})? Its screen goes black, etcd and the image server refuse its certificate, and it must be enrolled anew.`;
  if (!(await context.confirm(question, 'Revoke'))) {
    context.status('nothing revoked');
    return;
  }
  await context.run(async () => {
    // Through the hub, so every session sees the display gone at once.
    const library = { read: async () => hub.library, update: <T,>(change: (l: typeof hub.library) => T | Promise<T>) => hub.update(context.who, `revoked display ${display.name}`, change) };
    const revoked = await revokeDisplay(client, library, paths.home, display.id);
    await certificates.reload();
    return `display "${revoked.name}" revoked`;
  });
}
