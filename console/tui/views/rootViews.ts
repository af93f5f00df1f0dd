import { UserError } from '../../../common/userError.ts';
import { findAlbum } from '../../../data/library/albums.ts';
import type { CommandSpec } from '../app/commandLine.ts';
import { revokeFromConsole } from './revokeDisplay.ts';
import type { RootViews, SessionContext } from '../app/consoleApp.ts';
import { albumsView } from './albumsView.ts';
import { displaysView } from './displaysView.ts';
import { actionCommands } from './displayActionKeys.ts';
import { eventsView } from './eventsView.ts';
import { groupsView } from './groupsView.ts';
import { photosView } from './photosView.ts';
import { resolveName } from '../app/nameCompletion.ts';

/** The four views tab cycles through, and the `:` commands that work everywhere. */
export const consoleViews: RootViews = (context: SessionContext) => {
  const openAlbum = (name: string) => {
    const library = context.services.hub.library;
    const album = findAlbum(library, resolveName(name, library.albums.map((a) => a.name)));
    if (!album) throw new UserError(`unknown album "${name}"; :albums lists them`);
    context.push(photosView(context, album.name));
  };
  const displays = displaysView(context);
  const albums = albumsView(context, { openAlbum });
  const photos = photosView(context, null);
  const groups = groupsView(context);
  const events = eventsView(context);
  const commands: CommandSpec[] = [
    { verb: 'album', usage: ':album NAME', description: 'open an album\'s photos', run: (name) => openAlbum(required(name, 'album NAME')) },
    { verb: 'displays', usage: ':displays', description: 'the displays view', run: () => context.switchTo(displays) },
    { verb: 'albums', usage: ':albums', description: 'the albums view', run: () => context.switchTo(albums) },
    {
      verb: 'photos',
      usage: ':photos [TEXT]',
      description: 'the photos view, filtered by TEXT',
      run: (text) => {
        context.switchTo(photos);
        photos.filter!.apply(text);
      },
    },
    { verb: 'groups', usage: ':groups', description: 'the display groups view', run: () => context.switchTo(groups) },
    { verb: 'events', usage: ':events', description: 'what changed, who changed it, errors', run: () => context.switchTo(events) },
    ...actionCommands(context),
    { verb: 'revoke', usage: ':revoke DISPLAY', description: "cut a display off: etcd and the image server refuse its certificate (asks first)", run: (ref) => revokeFromConsole(context, required(ref, 'revoke DISPLAY')) },
    { verb: 'quit', aliases: ['q'], usage: ':quit', description: 'end this session', run: () => context.quit() },
  ];
  return { views: [displays, albums, photos, groups, events], commands };
};

function required(argument: string, usage: string): string {
  if (argument === '') throw new UserError(`usage: :${usage}`);
  return argument;
}
