import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { encodeViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { announceKey, onlineKey, statusKey } from '../common/protocol/systemKeys.ts';
import type { ConsoleServices } from '../console/tui/app/consoleServices.ts';
import { setAlbumRule } from '../data/library/albums.ts';
import { setGroupAlbum } from '../data/library/groups.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { parseRule } from '../data/library/smartRules.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { preparePending } from '../data/preparation/preparationRunner.ts';
import { readinessCounts } from '../data/library/photoReadiness.ts';
import { untilValue } from './helpers/etcdWait.ts';
import { KEY, openServices, openSession, type TestSession } from './helpers/consoleHarness.ts';
import { solidJpeg, tempDir } from './helpers/fixtures.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

interface Context {
  etcd: TestEtcd;
  home: string;
  services: ConsoleServices;
  session: TestSession;
}

const tui = suite<Context>('console app');
const DISPLAY = 'd1500000-0000-4000-8000-00000000c0de';

tui.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.home = await tempDir('photoframe-tui-home-');
  const source = await tempDir();
  await solidJpeg(join(source, 'beach', 'sunset.jpg'), 120, 80, [250, 120, 10], { dateTaken: '2023:07:01 19:00:00' });
  await solidJpeg(join(source, 'beach', 'dunes.jpg'), 80, 120, [230, 200, 120], { dateTaken: '2023:07:02 10:00:00' });
  await solidJpeg(join(source, 'home', 'kitchen.jpg'), 100, 100, [20, 40, 200], { dateTaken: '2021:01:05 08:00:00' });
  const paths = homePaths(context.home);
  await importPhotos(new LibraryStore(paths.store), paths, { sources: [join(source, 'beach')], album: 'Family' });
  await importPhotos(new LibraryStore(paths.store), paths, { sources: [join(source, 'home')] });
  // Ready, as the preparation queue leaves them: only ready photos reach a display.
  await preparePending(new LibraryStore(paths.store), paths);
  await context.etcd.client.put(announceKey(DISPLAY)).value(
    encodeAnnouncement({ id: DISPLAY, hostname: 'kitchen-pi', version: '0.1.0', screen: { width: 1920, height: 1080 }, started_at: new Date().toISOString() }),
  );
  await context.etcd.client.put(onlineKey(DISPLAY)).value('{}');
  context.services = await openServices(context.etcd.client, context.home);
});

tui.after(async (context) => {
  await context.services?.close();
  await context.etcd?.stop();
});

tui.before.each((context) => {
  context.session = openSession(context.services);
});
tui.after.each((context) => {
  context.session.app.close();
});

tui('displays are live: online, version, interval and going offline appear without a key', async ({ etcd, session }) => {
  let screen = await session.waitFor('kitchen-pi');
  assert.match(screen, /kitchen-pi\s+online/);
  // At 100 columns VERSION gives way to ID in the table; the display's own view has it.
  session.keys(KEY.enter);
  await session.waitFor(/version 0\.1\.0/);
  session.keys('q');
  await session.waitFor('Displays (1)');
  await etcd.client.put(displayKey(DISPLAY, 'settings')).value(JSON.stringify({ interval_time: 45, interval_units: 'seconds' }));
  await session.waitFor(/kitchen-pi\s+online\s+—\s+45s/);
  await etcd.client.delete().key(onlineKey(DISPLAY));
  screen = await session.waitFor(/kitchen-pi\s+offline/);
  assert.match(screen, /offline.*\ds ago/);
  await etcd.client.put(onlineKey(DISPLAY)).value('{}');
  await session.waitFor(/kitchen-pi\s+online/);
});

tui('what a viewer reports shows live: its photo, whether it is behind the newest write, its free disk', async ({ etcd, session }) => {
  await session.waitFor('kitchen-pi');
  const written = await etcd.client.put(displayKey(DISPLAY, 'change_photo')).value('"forward"').exec();
  const revision = written.header.revision;
  const report = (applied: string) =>
    encodeViewerStatus({
      image: 'a1b2c3d4e5f60718293a4b5c.jpg',
      shown_at: new Date(Date.now() - 120_000).toISOString(),
      applied_revision: applied,
      free_bytes: 12 * 1024 ** 3,
      power: 'on',
      paused: false,
      updated_at: new Date().toISOString(),
    });
  await etcd.client.put(statusKey(DISPLAY)).value(report(String(Number(revision) - 1)));
  // A photo the library does not know is named as the viewer reports it.
  await session.waitFor(/a1b2c3d4e5f\S*\s+2m\s+behind/);
  await etcd.client.put(statusKey(DISPLAY)).value(report(revision));
  const screen = await session.waitFor(/a1b2c3d4e5f\S*\s+2m\s+ok/);
  assert.match(screen, /12G/);
});

tui('albums: create, rename, and delete asks first with Cancel focused', async ({ services, session }) => {
  session.keys('2');
  await session.waitFor('Family');
  session.keys('n');
  await session.waitFor('new album name:');
  session.type('Trips');
  session.keys(KEY.enter);
  await session.waitFor('album "Trips" created');
  assert.ok(services.hub.library.albums.some((a) => a.name === 'Trips'));
  session.keys('G', 'r');
  await session.waitFor('rename album "Trips" to: Trips');
  session.keys(...Array(5).fill(KEY.backspace));
  session.type('Voyages');
  session.keys(KEY.enter);
  await session.waitFor('album renamed to "Voyages"');
  session.keys('G', 'd');
  let screen = await session.waitFor('Delete album "Voyages"?');
  assert.match(screen, /Cancel/);
  session.keys(KEY.enter);
  await session.waitFor('nothing deleted');
  assert.ok(services.hub.library.albums.some((a) => a.name === 'Voyages'), 'enter on the focused Cancel keeps the album');
  session.keys('d');
  await session.waitFor('Delete album "Voyages"?');
  session.keys(KEY.tab, KEY.enter);
  screen = await session.waitFor('album "Voyages" deleted');
  assert.not.ok(services.hub.library.albums.some((a) => a.name === 'Voyages'));
  assert.not.match(screen, /Voyages\s+manual/);
});

tui('a smart album shows its live match count while the rule is typed', async ({ services, session }) => {
  session.keys('2', 's');
  await session.waitFor('smart album name:');
  session.type('Summer 2023');
  session.keys(KEY.enter);
  await session.waitFor('rule (e.g. keyword:beach year:2023):');
  session.type('year:2023');
  await session.waitFor('rule · 2 matches: year:2023');
  session.type(' orientation:portrait');
  await session.waitFor('rule · 1 match: year:2023 orientation:portrait');
  session.type(' bogus:1');
  await session.waitFor('unknown field "bogus"');
  session.keys(...Array(8).fill(KEY.backspace), KEY.enter);
  const screen = await session.waitFor(/Summer 2023\s+smart\s+1\s/);
  assert.match(screen, /year:2023 orientation:portrait/);
  const album = services.hub.library.albums.find((a) => a.name === 'Summer 2023');
  assert.equal(album?.rule?.all.map((c) => c.kind), ['year', 'orientation']);
});

tui('photos: / filters as you type, esc restores; the preview is drawn in 256 colours', async ({ session }) => {
  session.keys('3');
  await session.waitFor('Photos (3)');
  session.keys('/');
  session.type('beach');
  let screen = await session.waitFor('Photos (2 of 3) /beach');
  assert.match(screen, /sunset\.jpg/);
  assert.not.match(screen, /kitchen\.jpg/);
  session.keys(KEY.enter);
  session.keys('q');
  screen = await session.waitFor('Photos (3)');
  assert.match(screen, /kitchen\.jpg/);
  // The first photo's thumbnail is drawn by blessed with 256-colour half blocks in the preview box.
  const deadline = Date.now() + 5000;
  while (!/\x1b\[48;5;\d+;38;5;\d+m▀/.test(session.written()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.match(session.written(), /\x1b\[48;5;\d+;38;5;\d+m▀/);
});

tui('a truecolor terminal gets 24-bit half blocks', async ({ services }) => {
  const session = openSession(services, 'truecolor', { columns: 100, rows: 30 }, 'truecolor');
  try {
    session.keys('3');
    await session.waitFor('Photos (3)');
    const deadline = Date.now() + 5000;
    while (!/\x1b\[38;2;\d+;\d+;\d+;48;2;\d+;\d+;\d+m▀/.test(session.written()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(session.written(), /\x1b\[38;2;\d+;\d+;\d+;48;2;\d+;\d+;\d+m▀/);
  } finally {
    session.app.close();
  }
});

tui(':album opens an album; marked photos are added to one and removed from it', async ({ services, session }) => {
  session.keys('2', 'n');
  session.type('Picks');
  session.keys(KEY.enter);
  await session.waitFor('album "Picks" created');
  session.keys('3');
  await session.waitFor('Photos (3)');
  session.keys(' ', ' ');
  await session.waitFor('2 marked');
  session.keys('a');
  session.type('Picks');
  session.keys(KEY.enter);
  await session.waitFor('added 2 photos to album "Picks"');
  session.keys(':');
  session.type('album Picks');
  session.keys(KEY.enter);
  await session.waitFor('Album Picks (2)');
  session.keys('x');
  await session.waitFor('Remove 1 photo from album "Picks"?');
  session.keys(KEY.enter);
  await session.waitFor('nothing removed');
  assert.is(services.hub.library.albums.find((a) => a.name === 'Picks')?.photos.length, 2, 'enter on the focused Cancel keeps the photos');
  session.keys('x');
  await session.waitFor('Remove 1 photo from album "Picks"?');
  session.keys(KEY.tab, KEY.enter);
  await session.waitFor('Album Picks (1)');
  assert.is(services.hub.library.albums.find((a) => a.name === 'Picks')?.photos.length, 1);
  session.keys('q');
  await session.waitFor('Photos (3)');
});

tui('? help comes from the key registry; errors show on the status line and the console keeps running', async ({ session }) => {
  session.keys('2', '?');
  let screen = await session.waitFor('photoframe console · Albums');
  assert.match(screen, /n\s+create an album/);
  assert.match(screen, /d delete\s+delete the album \(asks first\)/);
  session.keys('x');
  session.keys(':');
  session.type('frobnicate');
  session.keys(KEY.enter);
  await session.waitFor('unknown command ":frobnicate"');
  session.app.keys.addGlobal({ keys: ['F'], description: 'a handler that fails', run: () => { throw new Error('boom in a handler'); } });
  session.keys('F');
  await session.waitFor('error: boom in a handler');
  session.keys('1');
  screen = await session.waitFor('Displays (1)');
  assert.match(screen, /kitchen-pi/);
});

tui('resizes down to 80×24 keep the view; below that the console says so', async ({ session }) => {
  session.keys('2');
  await session.waitFor('Albums');
  session.app.resize(80, 24);
  let screen = await session.waitFor('Family');
  assert.is(screen.split('\n')[0]!.length <= 80, true);
  assert.match(screen, /q back/);
  session.app.resize(79, 24);
  screen = await session.waitFor('The terminal is 79×24; the console needs at least 80×24');
  session.app.resize(80, 23);
  await session.waitFor('The terminal is 80×23');
  session.app.resize(80, 24);
  screen = await session.waitFor('Family');
  assert.not.match(screen, /needs at least/);
});

tui('a change in one session appears in another', async ({ services, session }) => {
  const other = openSession(services, 'other');
  try {
    other.keys('2');
    await other.waitFor('Family');
    session.keys('2', 'n');
    session.type('Shared');
    session.keys(KEY.enter);
    await other.waitFor(/Shared\s+manual\s+0/);
    const events = openSession(services, 'events');
    events.keys('5');
    const screen = await events.waitFor('created album Shared');
    assert.match(screen, /test\s+created album Shared/);
    assert.match(screen, /display kitchen-pi\s+went offline/);
    assert.match(screen, /display kitchen-pi\s+came online/);
    events.app.close();
  } finally {
    other.app.close();
  }
});

tui('display actions write through the registry; reboot asks first; the settings editor checks in place', async ({ etcd, session }) => {
  await session.waitFor('kitchen-pi');
  session.keys('>');
  await session.waitFor('next: sent to display "kitchen-pi"');
  assert.is(await etcd.client.get(displayKey(DISPLAY, 'change_photo')).string(), '"forward"');
  session.keys('p');
  await session.waitFor(/pause: sent to/);
  assert.is(await etcd.client.get(displayKey(DISPLAY, 'paused')).string(), 'true');
  await session.waitFor(/kitchen-pi\s+paused/);
  session.keys('u');
  await session.waitFor(/kitchen-pi\s+online/);
  session.keys('R');
  await session.waitFor('Reboot: display "kitchen-pi"?');
  session.keys(KEY.enter);
  await session.waitFor('nothing sent');
  assert.is(await etcd.client.get(displayKey(DISPLAY, 'reboot')).string(), null);
  session.keys('a');
  session.type('Family');
  session.keys(KEY.enter);
  await session.waitFor('no image server is published in etcd');

  session.keys(KEY.enter);
  let screen = await session.waitFor('Settings');
  assert.match(screen, /interval_time\s+45/);
  assert.match(screen, /brightness\s+1 \(default\)/);
  session.keys('j', 'j', 'j', KEY.enter);
  await session.waitFor('interval_time (');
  session.keys(KEY.backspace, KEY.backspace);
  session.type('soon');
  session.keys(KEY.enter);
  screen = await session.waitFor(/interval_time\s+45.*interval must be a number/);
  assert.match(await etcd.client.get(displayKey(DISPLAY, 'settings')).string() ?? '', /"interval_time":\s*45/);
  session.keys(KEY.enter, ...Array(4).fill(KEY.backspace));
  session.type('90');
  session.keys(KEY.enter);
  await session.waitFor(/interval_time\s+90\s/);
  const stored = JSON.parse((await etcd.client.get(displayKey(DISPLAY, 'settings')).string())!);
  assert.is(stored.interval_time, 90);
  assert.is(stored.log_level, 'INFO', 'written complete, in the original viewer\'s types');
  session.keys('q');
  await session.waitFor('Displays (1)');
});

tui('groups: create, add a display, set an album; the album is dealt to the members', async ({ etcd, services, session }) => {
  session.keys('4', 'c');
  session.type('Wall');
  session.keys(KEY.enter);
  await session.waitFor('group "Wall" created');
  session.keys('+');
  session.type('kitchen-pi');
  session.keys(KEY.enter);
  await session.waitFor(/Wall\s+—\s+split\s+—\s+kitchen-pi/);
  session.keys('s');
  session.type('Family');
  session.keys(KEY.enter);
  await session.waitFor('album split across 1 display');
  const images = JSON.parse((await etcd.client.get(displayKey(DISPLAY, 'images')).string())!);
  const family = services.hub.library.albums.find((a) => a.name === 'Family')!;
  assert.equal([...images].sort(), [...family.photos].sort());
  session.keys('m');
  await session.waitFor(/Wall\s+Family\s+same\s+\d+\s+kitchen-pi/);
  assert.is(services.hub.library.groups?.find((g) => g.name === 'Wall')?.mode, 'same', 'm switched the group to same');
  session.keys('m');
  await session.waitFor(/Wall\s+Family\s+split\s+~\d+\s+kitchen-pi/);
  session.keys('1');
  await session.waitFor(/kitchen-pi\s+online\s+group Wall/);
});

tui('import a folder from the photos view: progress on the status line, then the new photos, on the displays too', async ({ etcd, services, session }) => {
  const folder = await tempDir();
  for (let i = 0; i < 6; i++) await solidJpeg(join(folder, `new-${i}.jpg`), 50 + i, 40, [i * 30, 90, 140]);
  // The group the display is in shows a smart album that the import will add to.
  await services.hub.update('test', 'fresh album', (library) => {
    setAlbumRule(library, 'Fresh', parseRule(['name:new-'], library));
    setGroupAlbum(library, 'Wall', 'Fresh');
  });
  session.keys('3');
  await session.waitFor('Photos (3)');
  session.keys('i');
  await session.waitFor('import folder:');
  session.type(folder);
  session.keys(KEY.enter);
  // Not the folder: under the suite's longer TMPDIR the line is wider than the terminal.
  await session.waitFor('imported 6, 0 already there, 0 skipped; preparing 6 in the background');
  await session.waitFor('Photos (9)');
  assert.is(Object.keys(services.hub.library.photos).length, 9);
  const fresh = Object.values(services.hub.library.photos).filter((photo) => photo.sources.some((source) => source.includes('new-'))).map((photo) => photo.name);
  // Recorded as preparing, then prepared in the background: the display gets each as it becomes ready.
  const all = JSON.stringify([...fresh].sort());
  await untilValue(etcd.client, displayKey(DISPLAY, 'images'), (value) => value !== null && JSON.stringify((JSON.parse(value) as string[]).sort()) === all);
  assert.is(readinessCounts(services.hub.library, fresh).failed, 0);
});

tui(':next and friends act on a display by name', async ({ etcd, session }) => {
  await etcd.client.delete().key(displayKey(DISPLAY, 'change_photo'));
  session.keys(':');
  session.type('back kitchen-pi');
  session.keys(KEY.enter);
  await session.waitFor('back: sent to display "kitchen-pi"');
  assert.is(await etcd.client.get(displayKey(DISPLAY, 'change_photo')).string(), '"back"');
  session.keys(':');
  session.type('next nowhere');
  session.keys(KEY.enter);
  await session.waitFor('no display or group "nowhere"');
});

tui('the mouse: a click selects a row, the wheel moves the selection', async ({ services, session }) => {
  session.keys('2');
  await session.waitFor('Family');
  const albums = services.hub.library.albums.map((a) => a.name);
  assert.ok(albums.length >= 3, `albums: ${albums}`);
  // SGR mouse reports (1-based): press and release on the third album's row (screen row 6).
  session.keys('\x1b[<0;10;6M', '\x1b[<0;10;6m');
  session.keys('r');
  await session.waitFor(`rename album "${albums[2]}" to:`);
  session.keys(KEY.escape);
  session.keys('\x1b[<65;10;6M');
  session.keys('r');
  await session.waitFor(`rename album "${albums[Math.min(5, albums.length - 1)]}" to:`);
  session.keys(KEY.escape);
});

tui('esc on the first view asks before ending the session', async ({ session }) => {
  session.keys('1');
  await session.waitFor('Displays (1)');
  let ended = false;
  void session.app.exited.then(() => (ended = true));
  session.keys(KEY.escape);
  await session.waitFor('Leave the console?');
  session.keys(KEY.escape);
  await session.waitFor('still here');
  assert.not.ok(ended, 'a single esc keeps the session');
  session.keys('q');
  await session.waitFor('Leave the console?');
  session.keys(KEY.tab, KEY.enter);
  await session.app.exited;
});

tui.run();
