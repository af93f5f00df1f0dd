import { UserError } from '../../../common/userError.ts';
import { findAlbum } from '../../../data/library/albums.ts';
import type { CommandSpec } from '../app/commandLine.ts';
import type { RootViews, SessionContext } from '../app/consoleApp.ts';
import { albumsView } from './albumsView.ts';
import { displaysView } from './displaysView.ts';
import { eventsView } from './eventsView.ts';
import { photosView } from './photosView.ts';

/** The four views tab cycles through, and the `:` commands that work everywhere. */
export const consoleViews: RootViews = (context: SessionContext) => {
  const openAlbum = (name: string) => {
    const album = findAlbum(context.services.hub.library, name);
    if (!album) throw new UserError(`unknown album "${name}"; :albums lists them`);
    context.push(photosView(context, album.name));
  };
  const displays = displaysView(context);
  const albums = albumsView(context, { openAlbum });
  const photos = photosView(context, null);
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
    { verb: 'events', usage: ':events', description: 'what changed, who changed it, errors', run: () => context.switchTo(events) },
    { verb: 'quit', aliases: ['q'], usage: ':quit', description: 'end this session', run: () => context.quit() },
  ];
  return { views: [displays, albums, photos, events], commands };
};

function required(argument: string, usage: string): string {
  if (argument === '') throw new UserError(`usage: :${usage}`);
  return argument;
}
