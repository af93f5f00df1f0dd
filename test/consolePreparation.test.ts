import { basename, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import type { Library } from '../data/library/librarySchema.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { KEY, openServices, openSession } from './helpers/consoleHarness.ts';
import { grainyJpeg, tempDir } from './helpers/fixtures.ts';
import { startTestEtcd } from './helpers/testEtcd.ts';

/**
 * Issue 16 in the console: photos the import recorded but the background
 * queue has not checked yet. The queue's outcomes are written by another
 * process's store, as `photoframe serve` or `photoframe prepare` writes them;
 * the console learns them only from the library file changing.
 */
const FAILURE = 'VipsJpeg: premature end of JPEG file';

function byFile(library: Library, file: string): string {
  const photo = Object.values(library.photos).find((p) => p.sources.some((source) => basename(source) === file));
  if (!photo) throw new Error(`no photo imported from ${file}`);
  return photo.name;
}

test('albums count preparing and failed photos, the photos view shows each state, the status line the queue, the events each failure once', async () => {
  const etcd = await startTestEtcd();
  const home = await tempDir('photoframe-preparation-home-');
  const source = await tempDir();
  const paths = homePaths(home);
  for (const [file, colour] of [['harbour.jpg', [30, 90, 200]], ['roses.jpg', [220, 40, 90]], ['dunes.jpg', [200, 170, 90]]] as const) {
    await (await grainyJpeg(160, 120, [...colour])).toFile(join(source, file));
  }
  await importPhotos(new LibraryStore(paths.store), paths, { sources: [source], album: 'Trip' });
  // Another process, as the queue is: harbour and roses still preparing, dunes already checked.
  const queue = new LibraryStore(paths.store);
  let names: Record<string, string> = {};
  await queue.update((library) => {
    names = { harbour: byFile(library, 'harbour.jpg'), roses: byFile(library, 'roses.jpg'), dunes: byFile(library, 'dunes.jpg') };
    library.photos[names.harbour!]!.state = 'preparing';
    library.photos[names.roses!]!.state = 'preparing';
    delete library.photos[names.dunes!]!.state;
  });
  const services = await openServices(etcd.client, home);
  const session = openSession(services, 'test', { columns: 120, rows: 30 });
  try {
    session.keys('2');
    let screen = await session.waitFor(/Trip\s+manual\s+3, 2 preparing/);
    assert.match(screen, /queue: preparing 0 of 2/);

    session.keys('3');
    screen = await session.waitFor(/STATE/);
    assert.match(screen, /harbour\.jpg.*preparing/);
    assert.match(screen, /roses\.jpg.*preparing/);
    assert.match(screen, /dunes\.jpg.*ready/);

    // One photo checked: the queue moves on.
    await queue.update((library) => void delete library.photos[names.harbour!]!.state);
    screen = await session.waitFor(/queue: preparing 1 of 2/);
    assert.match(screen, /harbour\.jpg.*ready/);

    // The other found truncated: failed, the reason in the preview, the queue empty.
    await queue.update((library) => {
      library.photos[names.roses!]!.state = 'failed';
      library.photos[names.roses!]!.failure = FAILURE;
    });
    screen = await session.waitFor(/roses\.jpg.*failed/);
    assert.not.match(screen, /queue:/);
    session.keys('/');
    session.type('roses');
    session.keys(KEY.enter);
    screen = await session.waitFor(/failed its check/);
    assert.match(screen, /premature end of JPEG file/);

    session.keys('2');
    await session.waitFor(/Trip\s+manual\s+3, 1 failed/);

    // A later change that does not touch that photo tells nothing new about it.
    await queue.update((library) => void (library.albums[0]!.name = 'Trip 2024'));
    await session.waitFor(/Trip 2024\s+manual\s+3, 1 failed/);
    session.keys('5');
    screen = await session.waitFor(/failed its check/);
    const told = screen.split('\n').filter((line) => line.includes('failed its check'));
    assert.is(told.length, 1, screen);
    assert.match(told[0]!, /preparation\s+roses\.jpg failed its check: VipsJpeg: premature end of JPEG file; kept off the displays/);
  } finally {
    session.app.close();
    await services.close();
    await etcd.stop();
  }
});

test.run();
