import { homePaths } from '../../../common/homePaths.ts';
import { UserError } from '../../../common/userError.ts';
import { addLibraryPhotos, createAlbum, deleteAlbum, removeAlbumPhotos, renameAlbum, requireAlbum, setAlbumRule } from '../../../data/library/albums.ts';
import type { Library } from '../../../data/library/librarySchema.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { albumPhotos, evaluateRule, formatRule, parseRule, RuleError } from '../../../data/library/smartRules.ts';
import { albumIsShown, publishAlbum } from '../../displays/albumPublisher.ts';
import { resolvePhotoRefs } from '../../library/photoRefs.ts';
import { withEtcdAfterSave } from '../etcdWhenNeeded.ts';
import { filterPhotos, photoFileName } from '../../library/photoList.ts';
import { stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';
import { printTable } from '../printTable.ts';

/** `photoframe album …`: the console's album actions for scripts. */
export async function runAlbum({ config, values, positionals }: CommandContext): Promise<number | void> {
  const [action, name, ...rest] = positionals;
  const store = new LibraryStore(homePaths(config.home).store);
  const json = values.json === true;
  const say = (text: string, data: unknown): void => void process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
  const need = (value: string | undefined, what: string): string => {
    if (value === undefined || value === '') throw new UserError(`album ${action} needs ${what}; usage: photoframe album ${action} ${what}`);
    return value;
  };
  // A stray word is most likely a name that needed quotes: refuse it rather than act on part of the name.
  const noMore = (extra: readonly string[], usage: string): void => {
    if (extra.length) throw new UserError(`album ${action} takes no more words than ${usage}; got extra "${extra.join(' ')}" (quote a name with spaces)`);
  };
  // Album membership is live: displays and groups showing the album get its new photos at once.
  const republish = async (albumId: string): Promise<string[]> => {
    const library = await store.read();
    const album = library.albums.find((a) => a.id === albumId);
    if (!album || !albumIsShown(library, albumId)) return [];
    return withEtcdAfterSave(config, `album "${album.name}"`, (client) => publishAlbum(client, library, album));
  };
  const updated = (displays: string[]) => (displays.length ? `; updated ${displays.length} display${displays.length === 1 ? '' : 's'} showing it` : '');
  switch (action) {
    case 'create': {
      noMore(rest, 'NAME');
      const album = await store.update((library) => createAlbum(library, need(name, 'NAME')));
      return say(`created album "${album.name}"`, { id: album.id, name: album.name });
    }
    case 'rename': {
      const newName = need(rest[0], 'NAME NEW_NAME');
      noMore(rest.slice(1), 'NAME NEW_NAME');
      const album = await store.update((library) => renameAlbum(library, need(name, 'NAME NEW_NAME'), newName));
      return say(`renamed album to "${album.name}"`, { id: album.id, name: album.name });
    }
    case 'delete': {
      noMore(rest, 'NAME');
      const album = await store.update((library) => deleteAlbum(library, need(name, 'NAME')));
      return say(`deleted album "${album.name}"; its photos stay in the library`, { id: album.id, name: album.name, deleted: true });
    }
    case 'add': {
      const filter = stringOption(values, 'filter');
      if (rest.length === 0 && filter === undefined) throw new UserError('album add needs photos or --filter TEXT; usage: photoframe album add NAME PHOTO...');
      const result = await store.update((library) => {
        const names = filter === undefined ? resolvePhotoRefs(library, rest) : filterPhotos(Object.values(library.photos), filter).map((p) => p.name);
        return addLibraryPhotos(library, need(name, 'NAME PHOTO...'), names);
      });
      const displays = await republish(result.album.id);
      return say(`added ${result.added} photos to album "${result.album.name}" (${result.album.photos.length} now)${updated(displays)}`, {
        album: result.album.name,
        added: result.added,
        photos: result.album.photos.length,
        displaysUpdated: displays,
      });
    }
    case 'remove': {
      if (rest.length === 0) throw new UserError('album remove needs photos; usage: photoframe album remove NAME PHOTO...');
      const result = await store.update((library) => removeAlbumPhotos(library, need(name, 'NAME PHOTO...'), resolvePhotoRefs(library, rest)));
      const displays = await republish(result.album.id);
      return say(`removed ${result.removed} photos from album "${result.album.name}" (${result.album.photos.length} left)${updated(displays)}`, {
        album: result.album.name,
        removed: result.removed,
        photos: result.album.photos.length,
        displaysUpdated: displays,
      });
    }
    case 'show': {
      noMore(rest, 'NAME');
      const library = await store.read();
      const album = requireAlbum(library, need(name, 'NAME'));
      const photos = albumPhotos(library, album).flatMap((n) => library.photos[n] ?? []);
      if (json) {
        return say('', {
          id: album.id,
          name: album.name,
          kind: album.rule ? 'smart' : 'manual',
          rule: album.rule ? formatRule(album.rule, library) : null,
          photos: photos.map((p) => ({ name: p.name, file: photoFileName(p), takenAt: p.takenAt, width: p.width, height: p.height })),
        });
      }
      process.stdout.write(`album "${album.name}": ${album.rule ? `smart (${formatRule(album.rule, library)})` : 'manual'}, ${photos.length} photos\n`);
      if (photos.length) printTable(['NAME', 'FILE', 'TAKEN'], photos.map((p) => [p.name, photoFileName(p), p.takenAt ?? '-']));
      return;
    }
    case 'smart': {
      noMore(rest, 'NAME');
      const rules = ruleTexts(values.rule);
      const result = await store.update((library: Library) => {
        const albumName = need(name, 'NAME --rule RULE');
        let rule, outcome;
        try {
          rule = parseRule(rules, library);
          outcome = setAlbumRule(library, albumName, rule);
        } catch (error) {
          if (error instanceof RuleError) throw new UserError(error.message);
          throw error;
        }
        return { ...outcome, matches: evaluateRule(rule, library).length, text: formatRule(rule, library) };
      });
      const displays = await republish(result.album.id);
      return say(`${result.created ? 'created' : 'updated'} smart album "${result.album.name}" (${result.text}): ${result.matches} photos match${updated(displays)}`, {
        displaysUpdated: displays,
        id: result.album.id,
        name: result.album.name,
        rule: result.text,
        matches: result.matches,
        created: result.created,
      });
    }
    default:
      throw new UserError(`album ${action === undefined ? 'needs an action' : `has no action "${action}"`}: create, rename, delete, add, remove, show or smart (photoframe album --help)`);
  }
}

function ruleTexts(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}
