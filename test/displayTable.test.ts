import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Announcement } from '../common/protocol/codecs/announcementCodec.ts';
import type { EtcdDisplayView } from '../console/displays/displayDirectory.ts';
import { DisplayTable } from '../console/tui/views/displayTable.ts';
import { emptyLibrary, type Library } from '../data/library/librarySchema.ts';

const announcement = (id: string, hostname: string): Announcement => ({ id, hostname, version: '0.1.0', screen: null, started_at: '2026-01-01T00:00:00.000Z' });

/** 30 announced displays (pi-0 … pi-29), the first 10 also in the library, named screen-0 … screen-9. */
function fleet(): { library: Library; view: EtcdDisplayView } {
  const library = emptyLibrary();
  const view: EtcdDisplayView = { announcements: new Map(), online: new Set() };
  for (let i = 0; i < 30; i++) {
    const id = `id-${String(i).padStart(2, '0')}`;
    view.announcements.set(id, announcement(id, `pi-${i}`));
    if (i < 10) library.displays.push({ id, name: `screen-${i}`, albumId: null, hostname: `pi-${i}`, addedAt: '2026-01-01T00:00:00.000Z' });
  }
  return { library, view };
}

const names = (table: DisplayTable) => table.rows.map((row) => row.name);

test('typing on narrows the rows let through; deleting a character widens them again', () => {
  const { library, view } = fleet();
  const table = new DisplayTable(view);
  table.sync(library);
  assert.is(table.total, 30);
  table.setFilter('pi-1');
  assert.equal(names(table), ['pi-10', 'pi-11', 'pi-12', 'pi-13', 'pi-14', 'pi-15', 'pi-16', 'pi-17', 'pi-18', 'pi-19']);
  table.setFilter('pi-12');
  assert.equal(names(table), ['pi-12']);
  table.setFilter('pi-1');
  assert.is(table.rows.length, 10, 'the shorter text filters the whole list again');
  table.setFilter('SCREEN-3');
  assert.equal(names(table), ['screen-3'], 'case does not matter; library names are matched');
  table.setFilter('');
  assert.is(table.rows.length, 30);
});

test('a display coming online changes its entry in place; a new name or a new display makes the list again, in order', () => {
  const { library, view } = fleet();
  const table = new DisplayTable(view);
  table.sync(library);
  const rows = table.rows;
  const entry = table.entry('id-15')!;
  assert.is(entry.online, false);
  view.online.add('id-15');
  table.noteChanged(['id-15']);
  assert.equal(table.sync(library), { reordered: false, changed: new Set(['id-15']) });
  assert.is(table.entry('id-15'), entry, 'the same entry');
  assert.is(entry.online, true);
  assert.is(table.rows, rows, 'the same rows: nothing to set again');
  assert.is(table.rebuilds, 1);

  view.announcements.set('id-15', announcement('id-15', 'aaa-first'));
  table.noteChanged(['id-15']);
  assert.is(table.sync(library).reordered, true, 'renamed by its announcement');
  assert.is(table.rows[0]!.name, 'aaa-first');

  view.announcements.set('id-99', announcement('id-99', 'zzz-last'));
  table.noteChanged(['id-99']);
  assert.is(table.sync(library).reordered, true);
  assert.is(table.rows.at(-1)!.name, 'zzz-last');
  assert.is(table.total, 31);

  table.noteChanged(['not-a-display']);
  assert.is(table.sync(library).reordered, false, 'a key of a display nobody knows changes nothing');

  const renamed = { ...library, displays: library.displays.map((d) => (d.id === 'id-03' ? { ...d, name: 'a-renamed' } : d)) };
  assert.is(table.sync(renamed).reordered, true, 'a new library: the list made again');
  assert.is(table.rows[0]!.name, 'a-renamed');
});

test('the filter holds across a rebuild', () => {
  const { library, view } = fleet();
  const table = new DisplayTable(view);
  table.sync(library);
  table.setFilter('pi-2');
  view.announcements.set('id-40', announcement('id-40', 'pi-200'));
  table.noteChanged(['id-40']);
  table.sync(library);
  assert.ok(names(table).includes('pi-200'));
  assert.ok(names(table).every((name) => name.includes('pi-2')));
});

test.run();
