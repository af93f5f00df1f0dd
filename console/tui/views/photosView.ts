import blessed from 'blessed';
import { UserError } from '../../../common/userError.ts';
import { addLibraryPhotos, findAlbum, removeAlbumPhotos } from '../../../data/library/albums.ts';
import type { Library, PhotoRecord } from '../../../data/library/librarySchema.ts';
import { basePhotos, filterPhotos } from '../../library/photoList.ts';
import { photoLabel } from '../../library/photoNames.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { photoShape } from '../../../data/library/smartRules.ts';
import { thumbnailPath } from '../../../data/renditions/renditions.ts';
import { progressBar } from '../../../data/photos/importProgress.ts';
import { importPhotos } from '../../../data/photos/importPhotos.ts';
import { oneLine } from '../../../data/photos/pathText.ts';
import type { SessionContext } from '../app/consoleApp.ts';
import { textFilter, viewElement, type View } from '../app/view.ts';
import { halfBlockCells, type PreviewCell } from '../preview/halfBlocks.ts';
import { thumbnailPixels } from '../preview/thumbnailPixels.ts';
import { ListWidget } from '../widgets/listWidget.ts';
import type { Cell } from '../widgets/columns.ts';
import { resolveName } from '../app/nameCompletion.ts';
import { republishAfterChange } from './displayActionKeys.ts';
import { publishShownAlbums } from '../../displays/albumPublisher.ts';
import { prepareInBackground } from '../../preparation/consolePreparation.ts';

const PREVIEW_DELAY_MS = 60;

/** STATE: `ready`, `preparing` (its check, thumbnail and renditions still to come), or `failed` (kept off every display). */
export function photoStateCell(photo: PhotoRecord): Cell {
  if (photo.state === 'preparing') return { text: 'preparing', tone: 'warn' };
  if (photo.state === 'failed') return { text: 'failed', tone: 'bad' };
  return { text: 'ready', tone: 'muted' };
}

/** What the preview box says instead of a picture for a photo not ready: why it failed, or that it is on its way. */
export function previewStateText(photo: PhotoRecord): string {
  if (photo.state === 'failed') {
    return `{red-fg}{bold}failed its check{/bold}{/red-fg}\n${blessed.escape(oneLine(photo.failure ?? 'no reason recorded'))}\n{grey-fg}kept off every display{/grey-fg}`;
  }
  return '{yellow-fg}preparing{/yellow-fg}\n{grey-fg}its check, thumbnail and renditions are being made in the background; it reaches the displays when ready{/grey-fg}';
}

/**
 * A filterable list of photos, of the library or of one album, with the
 * selected photo's thumbnail drawn beside it in half-block characters.
 */
export function photosView(context: SessionContext, albumName: string | null): View {
  const hub = context.services.hub;
  const element = viewElement(context);
  const albumId = albumName === null ? null : (findAlbum(hub.library, albumName)?.id ?? null);
  if (albumName !== null && albumId === null) throw new UserError(`unknown album "${albumName}"`);
  const marked = new Set<string>();
  const list = new ListWidget<PhotoRecord>({
    screen: context.screen,
    parent: element,
    label: 'Photos',
    columns: [
      { title: ' ', width: 1 },
      // The file name is what a person looks for: SHAPE, then SIZE give way before it is cut.
      { title: 'FILE', width: 'flex', min: 21 },
      { title: 'TAKEN', width: 16 },
      // Whether the displays may show it: SIZE and SHAPE give way first.
      { title: 'STATE', width: 9, optional: true, drop: 2000 },
      { title: 'SIZE', width: 9, optional: true },
      { title: 'SHAPE', width: 9, optional: true },
    ],
    cells: (photo) => [
      marked.has(photo.name) ? { text: '*', tone: 'warn' } : ' ',
      photoLabel(hub.library, photo.name),
      photo.takenAt ? photo.takenAt.replace('T', ' ').slice(0, 16) : { text: '—', tone: 'muted' },
      photoStateCell(photo),
      `${photo.width}×${photo.height}`,
      photoShape(photo),
    ],
    empty: () => {
      // A filter that matches nothing is not an empty library: say which it is.
      if (filter.text.trim() !== '' && basePhotos(hub.library, albumId).length > 0) return `no photo matches "${filter.text.trim()}"; esc clears the filter`;
      return albumName === null ? 'no photos: i imports a folder' : 'no photos in this album: add some from the Photos view (a)';
    },
    position: { top: 0, left: 0, width: '60%', height: '100%' },
  });
  list.setFocused(true);
  const preview = blessed.box({ screen: context.screen, parent: element, top: 0, left: '60%', width: '40%', height: '100%', border: { type: 'line' }, label: ' Preview ', tags: true, style: { border: { fg: 'grey' } } });
  const filter = textFilter(() => rebuild());
  let shownLibrary: Library | null = null;
  let rows: readonly PhotoRecord[] = [];
  let previewCells: PreviewCell[][] = [];
  let previewFor = '';
  let previewTimer: NodeJS.Timeout | undefined;

  const title = () => (albumName === null ? 'Photos' : `Album ${hub.library.albums.find((a) => a.id === albumId)?.name ?? albumName}`);
  // Typing extends the filter a letter at a time; each narrower filter only searches what the last one kept.
  let filteredFrom: { base: readonly PhotoRecord[]; text: string; rows: readonly PhotoRecord[] } | null = null;
  const filtered = (base: readonly PhotoRecord[]) => {
    const text = filter.text.trim().toLowerCase();
    const start = filteredFrom && filteredFrom.base === base && text.startsWith(filteredFrom.text) ? filteredFrom.rows : base;
    const result = filterPhotos(start, text);
    filteredFrom = { base, text, rows: result };
    return result;
  };
  const relabel = (total: number) =>
    list.setLabel(`${title()} (${rows.length === total ? total : `${rows.length} of ${total}`})${filter.text ? ` /${filter.text}` : ''}${marked.size ? ` · ${marked.size} marked` : ''}`);
  const rebuild = () => {
    const base = basePhotos(hub.library, albumId);
    rows = filtered(base);
    list.setRows(rows, (p) => p.name);
    relabel(base.length);
    schedulePreview();
  };
  const refresh = () => {
    if (shownLibrary !== hub.library) {
      shownLibrary = hub.library;
      rebuild();
    } else list.draw();
    // After a resize the box has a new size: a picture is made for it.
    schedulePreview();
  };
  const previewSize = () => ({ columns: Math.max(4, (preview.width as number) - 2), rows: Math.max(2, (preview.height as number) - 2) });
  let pendingFor: string | null = null;
  const schedulePreview = () => {
    const photo = list.selected();
    const { columns, rows: lines } = previewSize();
    // The state is part of what is shown: a photo that becomes ready gets its thumbnail drawn.
    const key = photo ? `${photo.name}:${photo.state ?? 'ready'}:${columns}x${lines}` : '';
    // Refreshes come with every change in etcd; one already on its way for the same photo and size is left to finish.
    if (key === previewFor || key === pendingFor) return;
    clearTimeout(previewTimer);
    pendingFor = key;
    const done = (cells: PreviewCell[][], content: string) => {
      if (pendingFor !== key) return;
      pendingFor = null;
      previewFor = key;
      previewCells = cells;
      preview.setContent(content);
      context.render();
    };
    previewTimer = setTimeout(() => {
      if (!photo) return done([], '');
      if (photo.state === 'failed') return done([], previewStateText(photo));
      void thumbnailPixels(thumbnailPath(context.services.paths.thumbnails, photo.name), columns, lines)
        .then(({ rgb, width, height }) => done(halfBlockCells(rgb, width, height, context.colorMode), ''))
        .catch(() => done([], photo.state === 'preparing' ? previewStateText(photo) : '{grey-fg}no thumbnail{/grey-fg}'));
    }, PREVIEW_DELAY_MS);
    previewTimer.unref?.();
  };
  list.onSelect = () => schedulePreview();
  // The picture goes into blessed's own screen buffer as the box is drawn, so blessed owns those cells:
  // another view, the help or a dialog repaints them, and nothing is drawn when the box is hidden.
  // Clipped to the box's inside, so a picture made for a larger box (before a resize) never spills out.
  preview.on('render', (coords: { xi: number; xl: number; yi: number; yl: number } | undefined) => {
    if (!coords || previewCells.length === 0) return;
    const lines = (context.screen as unknown as { lines: (PreviewCell[] & { dirty?: boolean })[] }).lines;
    const [left, right, top, bottom] = [coords.xi + 1, coords.xl - 1, coords.yi + 1, coords.yl - 1];
    for (let row = 0; row < previewCells.length && top + row < bottom; row++) {
      const line = lines[top + row];
      if (!line) break;
      const cells = previewCells[row]!;
      for (let column = 0; column < cells.length && left + column < right; column++) {
        if (!line[left + column]) break;
        line[left + column] = [...cells[column]!] as PreviewCell;
      }
      line.dirty = true;
    }
  });
  const chosen = (): string[] => {
    if (marked.size) return [...marked];
    const photo = list.selected();
    if (!photo) throw new UserError('no photo selected');
    return [photo.name];
  };
  const addToAlbum = async () => {
    const names = chosen();
    const typed = await context.prompt(`add ${names.length} photo${names.length === 1 ? '' : 's'} to album: `, '', { complete: 'albums' });
    if (!typed) return;
    const target = resolveName(typed, hub.library.albums.map((a) => a.name));
    await context.run(async () => {
      const { text, albumId: changed } = await hub.update(
        context.who,
        (r: { text: string }) => r.text,
        (library) => {
          const { album, added } = addLibraryPhotos(library, target, names);
          marked.clear();
          return { text: `added ${added} photo${added === 1 ? '' : 's'} to album "${album.name}"`, albumId: album.id };
        },
      );
      return text + (await republishAfterChange(context, changed));
    });
  };
  const removeFromAlbum = async () => {
    if (albumId === null) throw new UserError('open an album (Albums view, enter) to remove photos from it');
    const names = chosen();
    // Destructive, and marks are easy to forget: ask first, with the focus on Cancel.
    const what = `${names.length} photo${names.length === 1 ? '' : 's'}`;
    if (!(await context.confirm(`Remove ${what} from album "${albumName}"? They stay in the library.`, 'Remove'))) return context.status('nothing removed');
    await context.run(async () => {
      const text = await hub.update(
        context.who,
        (r: string) => r,
        (library) => {
          const { album, removed } = removeAlbumPhotos(library, albumId, names);
          marked.clear();
          return `removed ${removed} photo${removed === 1 ? '' : 's'} from album "${album.name}"`;
        },
      );
      return text + (await republishAfterChange(context, albumId));
    });
  };
  const importFolder = async () => {
    const folder = await context.prompt(`import folder${albumName ? ` into "${albumName}"` : ''}: `, '', { complete: 'none' });
    if (!folder) return;
    const album = albumId === null ? undefined : hub.library.albums.find((a) => a.id === albumId)?.name;
    await context.run(async () => {
      let shown = 0;
      const report = await importPhotos(new LibraryStore(hub.store.path), context.services.paths, {
        sources: [folder],
        album,
        // A redraw every 200 ms is smooth enough and costs the import nothing.
        onProgress: (progress) => {
          if (Date.now() - shown < 200) return;
          shown = Date.now();
          context.status(`importing ${progressBar(progress)}`);
        },
      });
      // Unchanged files (skipped by their size and time on a rerun) are in the library as much as duplicates are.
      const counts = `imported ${report.imported.length}, ${report.duplicates.length + report.unchanged.length} already there, ${report.skipped.length} skipped`;
      // Why a file was skipped, as the CLI says it: the first reason, the rest in the events.
      const [first] = report.skipped;
      const why = first ? ` (${oneLine(`${first.path}: ${first.reason}`)}${report.skipped.length > 1 ? `; ${report.skipped.length - 1} more in the events` : ''})` : '';
      context.services.events.add(context.who, `${counts} from ${folder}`, report.skipped.length > 0);
      for (const skipped of report.skipped.slice(1, 20)) context.services.events.add(context.who, oneLine(`skipped ${skipped.path}: ${skipped.reason}`), true);
      const nothingFound = report.imported.length + report.duplicates.length + report.unchanged.length === 0;
      if (nothingFound && first) throw new UserError(`nothing imported: ${oneLine(`${first.path}: ${first.reason}`)}`);
      // Under the library lock, as the CLI's import: displays of the album and of smart albums that now match more.
      // Only a list that changed is written, and only those are counted.
      const written = await hub.store.update((locked) => publishShownAlbums(context.services.client, locked));
      // The photos are recorded as preparing: their checks, thumbnails and renditions follow, and they reach the displays as they become ready.
      if (report.imported.length > 0) prepareInBackground(context.services.client, context.services.paths);
      // The folder goes last: a long path is what the status line may cut off.
      // The import's second phase goes on after this message: the status line shows the queue once it clears.
      const preparing = report.imported.length > 0 ? `; preparing ${report.imported.length} in the background` : '';
      return `${counts}${preparing}${written.length ? `; updated ${written.length} display${written.length === 1 ? '' : 's'}` : ''}${why} from ${folder}`;
    });
  };
  return {
    get title() {
      return title();
    },
    element,
    list,
    keys: {
      title: albumName === null ? 'photos' : 'album photos',
      bindings: [
        {
          keys: ['space'],
          hint: 'mark & down',
          description: 'mark or unmark the photo, and move down to the next',
          run: () => {
            const photo = list.selected();
            if (!photo) return;
            if (!marked.delete(photo.name)) marked.add(photo.name);
            list.move(1);
            relabel(basePhotos(hub.library, albumId).length);
          },
        },
        { keys: ['a'], hint: 'add to album', description: 'add the marked (or selected) photos to an album', run: addToAlbum },
        ...(albumName === null
          ? []
          : [{ keys: ['x', 'delete'], hint: 'remove', description: 'remove the marked (or selected) photos from this album', run: removeFromAlbum }]),
        { keys: ['i'], hint: 'import', description: 'import a folder (progress and ETA on the status line)', run: importFolder },
      ],
    },
    filter,
    refresh,
    helpNotes: [
      'STATE: ready photos reach the displays; preparing ones are still being checked, thumbnailed and rendered in the background (the status line shows the queue); failed ones were found corrupt and never reach a display (the preview says why)',
    ],
    dispose() {
      clearTimeout(previewTimer);
    },
  };
}
