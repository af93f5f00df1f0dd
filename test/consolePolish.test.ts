import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { announceKey, onlineKey, statusKey } from '../common/protocol/systemKeys.ts';
import { encodeNowShowing, nowShowingKey, type NowShowing } from '../common/protocol/codecs/commandCodecs.ts';
import { encodeViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { openConsoleServices, type ConsoleServices } from '../console/tui/app/consoleServices.ts';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { addLibraryPhotos, createAlbum } from '../data/library/albums.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { preparePending } from '../data/preparation/preparationRunner.ts';
import { KEY, openServices, openSession, type TestSession } from './helpers/consoleHarness.ts';
import { grainyJpeg, tempDir } from './helpers/fixtures.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import type { TerminalModel } from './helpers/terminalModel.ts';

/**
 * The console as a newcomer meets it (issue 17): what the terminal shows,
 * read from every byte the session wrote, and what the words say.
 */
interface Context {
  etcd: TestEtcd;
  home: string;
  source: string;
  services: ConsoleServices;
  session: TestSession;
}

const polish = suite<Context>('console polish');
const DISPLAY = 'd1700000-0000-4000-8000-00000000beef';
const BLOCK = '▀';

polish.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.home = await tempDir('photoframe-polish-home-');
  context.source = await tempDir();
  for (const [folder, name, colour] of [
    ['trip', 'sample-1.jpg', [200, 80, 40]],
    ['trip', 'harbour.jpg', [30, 90, 200]],
    ['garden', 'sample-1.jpg', [40, 180, 60]],
    ['garden', 'roses.jpg', [220, 40, 90]],
  ] as const) {
    await (await grainyJpeg(160, 120, [...colour])).toFile(join(context.source, folder, name)).catch(async () => {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(join(context.source, folder), { recursive: true });
      await (await grainyJpeg(160, 120, [...colour])).toFile(join(context.source, folder, name));
    });
  }
  const paths = homePaths(context.home);
  await importPhotos(new LibraryStore(paths.store), paths, { sources: [join(context.source, 'trip')], album: 'Trip' });
  await importPhotos(new LibraryStore(paths.store), paths, { sources: [join(context.source, 'garden')], album: 'Garden' });
  // Ready, as the preparation queue leaves them: only ready photos reach a display.
  await preparePending(new LibraryStore(paths.store), paths);
  await context.etcd.client.put(announceKey(DISPLAY)).value(
    encodeAnnouncement({ id: DISPLAY, hostname: 'kitchen-pi', version: '0.1.0', screen: { width: 1920, height: 1080 }, started_at: new Date().toISOString() }),
  );
  await context.etcd.client.put(onlineKey(DISPLAY)).value('{}');
  context.services = await openServices(context.etcd.client, context.home);
});

polish.after(async (context) => {
  await context.services?.close();
  await context.etcd?.stop();
});

polish.before.each((context) => {
  context.session = openSession(context.services);
});
polish.after.each((context) => {
  context.session.app.close();
});

/** A box's inner cells, from its border and label as the terminal shows them: [left, top, right, bottom], inclusive. */
function boxArea(terminal: TerminalModel, label: string): [number, number, number, number] {
  const lines = terminal.lines();
  const top = lines.findIndex((line) => line.includes(label));
  assert.ok(top >= 0, `no box "${label}" on screen:\n${terminal.text()}`);
  const left = lines[top]!.lastIndexOf('┌', lines[top]!.indexOf(label));
  const right = lines[top]!.indexOf('┐', left);
  let bottom = top + 1;
  while (bottom < lines.length && lines[bottom]![left] !== '└') bottom++;
  return [left + 1, top + 1, right - 1, bottom - 1];
}
const previewArea = (terminal: TerminalModel) => boxArea(terminal, ' Preview ');
const blocksIn = (terminal: TerminalModel, [left, top, right, bottom]: [number, number, number, number]) =>
  terminal.find(BLOCK).filter(([x, y]) => x >= left && x <= right && y >= top && y <= bottom).length;

const previewShown = (terminal: TerminalModel) => terminal.find(BLOCK).length > 20;

polish('1: the preview is gone from the terminal after leaving the Photos view, in every view and overlay', async ({ session }) => {
  session.keys('3');
  await session.waitFor('Photos (4)');
  await session.waitForTerminal(previewShown);
  for (const [keys, shows] of [
    [['1'], 'Displays (1)'],
    [['4'], 'Groups'],
    [['5'], 'Events'],
  ] as const) {
    session.keys(...keys);
    await session.waitFor(shows);
    await session.waitForTerminal(shows);
    assert.is(session.terminal.find(BLOCK).length, 0, `blocks left over on the ${shows} view:\n${session.terminal.text()}`);
    assert.is(session.bufferCount(BLOCK), 0);
    session.keys('3');
    await session.waitForTerminal(previewShown);
  }
  // Help and a dialog drawn over the Photos view cover the preview too.
  session.keys('?');
  await session.waitFor('photoframe console · Photos');
  await session.waitForTerminal('photoframe console · Photos');
  assert.is(blocksIn(session.terminal, boxArea(session.terminal, ' help ')), 0, `blocks over the help:\n${session.terminal.text()}`);
  session.keys('x');
  await session.waitForTerminal(previewShown);
  session.keys('q');
  await session.waitFor('Leave the console?');
  await session.waitForTerminal('Leave the console?');
  assert.is(blocksIn(session.terminal, boxArea(session.terminal, ' confirm ')), 0, `blocks over the dialog:\n${session.terminal.text()}`);
  session.keys(KEY.escape);
  await session.waitForTerminal(previewShown);
  // Ctrl-L draws every cell again: the picture comes back whole, nothing else changes.
  session.keys('\x0c');
  await session.waitForTerminal(previewShown);
  // The settings editor of a display.
  session.keys('1');
  await session.waitFor('kitchen-pi');
  session.keys(KEY.enter);
  await session.waitFor('Settings');
  await session.waitForTerminal('Settings');
  assert.is(session.terminal.find(BLOCK).length, 0, `blocks over the settings editor:\n${session.terminal.text()}`);
});

polish('2: after a resize the preview is drawn inside its box, and the file names stay readable', async ({ session }) => {
  session.keys('3');
  await session.waitFor('Photos (4)');
  await session.waitForTerminal(previewShown);
  session.resize(80, 24);
  await session.waitForTerminal((terminal) => terminal.text().includes('Photos (4)') && previewShown(terminal));
  // Whatever is drawn in between, once settled every block is inside the box and every name whole.
  await session.waitForTerminal((terminal) => {
    const [left, top, right, bottom] = previewArea(terminal);
    return terminal.find(BLOCK).every(([x, y]) => x >= left && x <= right && y >= top && y <= bottom);
  }, 5000);
  const [left, top, right, bottom] = previewArea(session.terminal);
  assert.ok(right < 80 && left > 40, `box ${left}..${right}`);
  const blocks = session.terminal.find(BLOCK);
  assert.ok(blocks.length > 20);
  assert.ok(
    blocks.every(([x, y]) => x >= left && x <= right && y >= top && y <= bottom),
    `blocks outside the box:\n${session.terminal.text()}`,
  );
  const text = session.terminal.text();
  for (const name of ['sample-1.jpg', 'harbour.jpg', 'roses.jpg']) assert.match(text, name);
  assert.not.match(text, /▀[a-z]/);
});

/** The folder the suite's photos were imported from, read back from the library. */
const sourceOf = (services: ConsoleServices) => {
  const source = Object.values(services.hub.library.photos)[0]!.sources[0]!;
  return source.slice(0, source.lastIndexOf('/', source.lastIndexOf('/') - 1));
};

const photoNamed = (services: ConsoleServices, file: string) =>
  Object.values(services.hub.library.photos).filter((photo) => photo.sources.some((source) => source.endsWith(`/${file}`)));

/** Plays a viewer answering "what is on screen" for the display, as the viewer does at /R:, on its own connection as a viewer has. */
async function answerNowShowing(etcd: TestEtcd, answer: Omit<NowShowing, 'display'>): Promise<() => Promise<void>> {
  const client = await connectEtcd([etcd.endpoint]);
  const watcher = await client.watch().key(displayKey(DISPLAY, 'current_display')).create();
  watcher.on('put', (kv) => {
    const request = JSON.parse(kv.value.toString()) as string;
    // A put is sent when exec() (or then) is called.
    void client.put(nowShowingKey(request)).value(encodeNowShowing({ display: DISPLAY, ...answer })).exec();
  });
  return async () => {
    await watcher.cancel();
    client.close();
  };
}

const reportStatus = (etcd: TestEtcd, image: string, shownAt: Date) =>
  etcd.client.put(statusKey(DISPLAY)).value(
    encodeViewerStatus({ image, shown_at: shownAt.toISOString(), applied_revision: null, free_bytes: 5 * 1024 ** 3, power: 'on', paused: false, updated_at: new Date().toISOString() }),
  );

polish('3: photos are called by their file names, the hash only where two clash; times are local', async ({ etcd, services, session }) => {
  const [harbour] = photoNamed(services, 'harbour.jpg');
  const samples = photoNamed(services, 'sample-1.jpg');
  assert.is(samples.length, 2);
  session.keys('3');
  let screen = await session.waitFor('Photos (4)');
  for (const sample of samples) assert.match(screen, `sample-1.jpg (${sample.name.slice(0, 6)})`);
  assert.match(screen, /│\s+harbour\.jpg\s/);
  assert.not.match(screen, harbour!.name.slice(0, 6));

  await reportStatus(etcd, harbour!.name, new Date(Date.now() - 30_000));
  session.keys('1');
  screen = await session.waitFor(/kitchen-pi.*harbour\.jpg/);
  assert.not.match(screen, harbour!.name.slice(0, 6));

  const shownAt = new Date(Date.now() - 90_000);
  const stop = await answerNowShowing(etcd, { image: harbour!.name, album: 'Trip', shown_at: shownAt.toISOString(), power: 'on', paused: false });
  try {
    session.keys('w');
    // The local clock, as the machine's own formatting writes it.
    await session.waitFor(`kitchen-pi: harbour.jpg from "Trip" since ${shownAt.toTimeString().slice(0, 8)}`);
  } finally {
    await stop();
  }
  session.keys('5');
  screen = await session.waitFor('Events');
  assert.match(screen, `${new Date().toTimeString().slice(0, 5)}`);
});

polish('8: SINCE counts up with nothing written, also while paused; ID stays at 100 columns', async ({ etcd, services, session }) => {
  const [roses] = photoNamed(services, 'roses.jpg');
  await etcd.client.put(displayKey(DISPLAY, 'paused')).value('true');
  await reportStatus(etcd, roses!.name, new Date(Date.now() - 5_000));
  let screen = await session.waitFor(/kitchen-pi\s+paused.*roses\.jpg\s+\d+s/);
  assert.match(screen, /\bID\b/);
  assert.match(screen, /d1700000-/);
  const since = /roses\.jpg\s+(\d+s)/.exec(screen)![1]!;
  // No write to etcd from here: the console's own clock moves SINCE on.
  screen = await session.waitFor(new RegExp(`roses\\.jpg\\s+(?!${since})\\d+s`), 10_000);
  assert.match(screen, /kitchen-pi\s+paused/);
  await etcd.client.put(displayKey(DISPLAY, 'paused')).value('false');
});

polish('4: prompts, refusals and columns say the same thing, whole, in plain words', async ({ session }) => {
  await session.waitFor('kitchen-pi');
  session.keys(KEY.enter);
  let screen = await session.waitFor('Settings');
  // Every ACCEPTS entry whole, and the header line says what the viewer reported, not that it cannot.
  for (const accepts of ['a number above 0, in interval_units', 'H landscape, V portrait, S square', 'DEBUG, INFO, WARNING or ERROR', 'a number from 0 up to 10']) {
    assert.match(screen, accepts);
  }
  assert.not.match(screen, /not reported by viewers yet/);
  assert.match(screen, /on screen \S+.* · drift .* · free disk /);
  const settingsLines = screen.split('\n').filter((line) => /^│(name|description|orientation|interval|variance|use_halflife|brightness|contrast|saturation|log_level|order)/.test(line));
  assert.is(settingsLines.length, 13);
  for (const line of settingsLines) assert.not.match(line, /…\s*│$/, `cut: ${line}`);
  session.keys(...Array(7).fill('j'), KEY.enter);
  await session.waitFor('brightness (a number from 0 up to 10): 1');
  session.keys(KEY.backspace);
  session.type('99');
  session.keys(KEY.enter);
  screen = await session.waitFor('brightness must be a number from 0 up to 10');
  assert.not.match(screen, /read as 10/);
  session.keys('k', 'k', 'k', 'k', KEY.enter);
  await session.waitFor('interval_time (a number above 0, in interval_units): ');
  session.keys(...Array(4).fill(KEY.backspace));
  session.type('soon');
  session.keys(KEY.enter);
  screen = await session.waitFor('interval must be a number of seconds, minutes, hours or days');
  assert.not.match(screen, /settings\.interval_time/);
  // At 80 columns too, what is accepted is read whole.
  session.resize(80, 24);
  screen = await session.waitFor(/│orientation.*H landscape, V portrait, S square/);
  // (The detail box above holds the health lines too, so at 24 rows the list shows its first rows.)
  assert.match(screen, /│interval_units.*seconds, minutes, hours or days/);
  assert.match(screen, /on screen \S+.* · drift /);
  session.resize(100, 30);

  // :next without a name acts on the display selected; where none is, it says how to name one.
  session.keys('q');
  await session.waitFor('Displays (1)');
  session.keys(':');
  session.type('next');
  session.keys(KEY.enter);
  await session.waitFor('next: sent to display "kitchen-pi"');
  session.keys('3', ':');
  session.type('next');
  session.keys(KEY.enter);
  await session.waitFor('usage: :next DISPLAY|GROUP');

  // A filter that matches nothing is not an empty library.
  session.keys(':');
  session.type('photos 2024-03');
  session.keys(KEY.enter);
  screen = await session.waitFor('no photo matches "2024-03"');
  assert.not.match(screen, /i imports a folder/);
});

polish('4: an import that finds nothing says why, and claims no display it did not change', async ({ etcd, services, session }) => {
  // kitchen-pi is the one display of a group that shows all four photos.
  await services.hub.update('test', 'album Everything', (library) => {
    createAlbum(library, 'Everything');
    addLibraryPhotos(library, 'Everything', Object.keys(library.photos));
  });
  session.keys('4', 'c');
  session.type('Porch');
  session.keys(KEY.enter);
  await session.waitFor('group "Porch" created');
  session.keys('+');
  session.type('kitchen-pi');
  session.keys(KEY.enter);
  await session.waitFor(/Porch\s+—\s+split\s+—\s+kitchen-pi/);
  session.keys('s');
  session.type('Everything');
  session.keys(KEY.enter);
  await session.waitFor('album split across 1 display');
  const imagesRevision = async () => (await etcd.client.get(displayKey(DISPLAY, 'images')).exec()).kvs[0]!.mod_revision;
  const before = await imagesRevision();

  session.keys('3', 'i');
  await session.waitFor('import folder:');
  session.type('/nonexistent-photos');
  session.keys(KEY.enter);
  let screen = await session.waitFor('nothing imported: /nonexistent-photos: no such file or folder');
  assert.not.match(screen, /updated \d+ display/);

  // Photos the library has already: nothing changes, so no display is written or said to be.
  session.keys('i');
  session.type(join(sourceOf(services), 'trip'));
  session.keys(KEY.enter);
  screen = await session.waitFor(/imported 0, 2 already there, 0 skipped/);
  assert.not.match(screen, /updated \d+ display/);
  assert.is(await imagesRevision(), before);
});

polish('6: deleting an album a display shows names it, and can move it to another album first', async ({ etcd, services, session }) => {
  // From the test before: kitchen-pi is in group Porch, which shows Everything.
  session.keys('2');
  await session.waitFor('Everything');
  session.keys('G', 'd');
  let screen = await session.waitFor('Delete album "Everything"?');
  assert.match(screen, /kitchen-pi \(group Porch\) shows it/);
  assert.match(screen, /Another album first…/);
  session.keys(KEY.enter);
  await session.waitFor('nothing deleted');
  session.keys('d');
  await session.waitFor('Delete album "Everything"?');
  session.keys(KEY.tab, KEY.tab, KEY.enter);
  await session.waitFor('album for kitchen-pi (group Porch) instead of "Everything":');
  session.type('nowhere');
  session.keys(KEY.enter);
  await session.waitFor('no other album "nowhere"');
  session.keys(...Array(7).fill(KEY.backspace));
  session.type('tr');
  session.keys(KEY.tab);
  await session.waitFor('instead of "Everything": Trip');
  session.keys(KEY.enter);
  screen = await session.waitFor('album "Everything" deleted; kitchen-pi (group Porch) now shows "Trip"');
  assert.not.ok(services.hub.library.albums.some((a) => a.name === 'Everything'));
  const trip = services.hub.library.albums.find((a) => a.name === 'Trip')!;
  assert.equal(JSON.parse((await etcd.client.get(displayKey(DISPLAY, 'images')).string())!).sort(), [...trip.photos].sort());
});

polish('5: rules are explained where they are typed; a wrong rule stays open; names complete with tab, in any case', async ({ services, session }) => {
  session.keys('2', '?');
  let screen = await session.waitFor('photoframe console · Albums');
  assert.match(screen, /smart album rules/);
  assert.match(screen, /keyword:W -keyword:W name:TEXT orientation:landscape\|portrait\|square/);
  session.keys('x', 's');
  await session.waitFor('smart album name:');
  session.type('Gardens');
  session.keys(KEY.enter);
  screen = await session.waitFor('rule (e.g. keyword:beach year:2023):');
  assert.match(screen, /fields: keyword:W -keyword:W name:TEXT/);
  session.type('name:roses bogus:1');
  session.keys(KEY.enter);
  // Still open, the text as typed, and the whole reason on the line under it.
  screen = await session.waitFor('rule · not valid yet: name:roses bogus:1');
  const reason = 'rule "bogus:1": unknown field "bogus"';
  assert.match(screen, reason);
  const reasonLine = screen.split('\n').find((line) => line.includes(reason))!;
  assert.ok(reasonLine.length <= 100 && !reasonLine.includes('…'), reasonLine);
  session.keys(...Array(8).fill(KEY.backspace), KEY.enter);
  await session.waitFor('smart album "Gardens" created');
  // The cursor is on the new album: r renames that one.
  session.keys('r');
  await session.waitFor('rename album "Gardens" to:');
  session.keys(KEY.escape);

  // Album names in any case, completed with tab, in prompts and on the : line.
  session.keys(':');
  session.type('album gard');
  session.keys(KEY.tab);
  await session.waitFor(':album Garden');
  await session.waitFor('tab: Garden, Gardens');
  session.keys(KEY.enter);
  await session.waitFor('Album Garden (2)');
  session.keys(':');
  session.type('album TRIP');
  session.keys(KEY.enter);
  await session.waitFor('Album Trip (2)');
  session.keys(':');
  session.type('ne');
  session.keys(KEY.tab);
  session.type('kit');
  session.keys(KEY.tab);
  await session.waitFor(':next kitchen-pi');
  session.keys(KEY.escape);
  session.keys('3');
  await session.waitFor('Photos (4)');
  // space marks and moves down, and the hints bar says so.
  assert.match(session.text(), /space mark & down/);
  session.keys(' ');
  await session.waitFor('1 marked');
  session.keys('a');
  await session.waitFor('add 1 photo to album:');
  session.type('garden');
  session.keys(KEY.enter);
  await session.waitFor('added 1 photo to album "Garden"');
  assert.not.ok(services.hub.library.albums.some((a) => a.name === 'garden'));
});

polish('7: ? shows where the console\'s data lives: etcd, home, the demo viewer\'s screen', async ({ etcd, home }) => {
  const services = await openConsoleServices(etcd.client, homePaths(home), etcd.endpoint, ':77');
  const session = openSession(services, 'about');
  try {
    session.keys('?');
    const screen = await session.waitFor('about:');
    const about = screen.replace(/[│\s]+/g, ' ');
    assert.match(about, `etcd ${etcd.endpoint}`);
    assert.match(about, `home ${home}`);
    assert.match(about, 'viewer on X display :77');
  } finally {
    session.app.close();
    await services.close();
  }
});

polish('8: help lines never run into each other; DRIFT and EACH are explained; an empty events view says so', async ({ etcd, home, session }) => {
  session.keys('?');
  let screen = await session.waitFor('photoframe console · Displays');
  assert.match(screen, /DRIFT: ok when the viewer has applied the newest write/);
  // Every command's description starts in the same column, however long its usage.
  for (let page = 0; page < 15; page++) session.keys('\x04');
  screen = await session.waitFor(/:restart-screen \[DISPLAY\|GROUP\]\s{2,}restart the screen/);
  const starts = screen
    .split('\n')
    .map((line) => ({ line, match: /│  (:\S+(?: \S+)?)( {2,})\S/.exec(line) }))
    .filter(({ match }) => match)
    .map(({ match }) => match!.index + 3 + match![1]!.length + match![2]!.length);
  assert.ok(starts.length >= 8, screen);
  assert.is(new Set(starts).size, 1, screen);
  session.keys('x', '4', '?');
  screen = await session.waitFor('photoframe console · Groups');
  assert.match(screen, /EACH: about how many of the album's photos each display/);
  session.keys('x');
  // A fresh process has no events yet.
  const fresh = await openConsoleServices(etcd.client, homePaths(home), 'fresh');
  const other = openSession(fresh, 'fresh');
  try {
    other.keys('5');
    await other.waitFor('no events yet');
  } finally {
    other.app.close();
    await fresh.close();
  }
});

polish.run();
