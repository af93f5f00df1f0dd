import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { freePort } from '../common/net/freePort.ts';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { announceKey } from '../common/protocol/systemKeys.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { solidJpeg, tempDir } from './helpers/fixtures.ts';
import { originalViewer, originalViewerListening } from './helpers/originalSystem.ts';
import { runCli, startCli, type LongRunning } from './helpers/runCli.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

/**
 * Our console and server on one side; the original viewer on the other,
 * played by a Python script that reads keys, watches and registers as its
 * code does (test/original/original_viewer.py).
 */
interface Context {
  etcd: TestEtcd;
  home: string;
  server: LongRunning;
  serverUrl: string;
  source: string;
}

const ID = 'original-pi';

interface OriginalRead {
  settings: Record<string, unknown>;
  images: string[];
  problems: string[];
}

const reverse = suite<Context>('our console drives original viewers');

reverse.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.home = await tempDir('photoframe-home-');
  context.source = await tempDir();
  await solidJpeg(join(context.source, 'a.jpg'), 120, 80, [200, 30, 30]);
  await solidJpeg(join(context.source, 'b.jpg'), 120, 80, [30, 200, 30]);
  const imported = await runCli(withHome(context, 'import', '--wait', context.source, '--album', 'Family'));
  assert.is(imported.code, 0, imported.stderr);
  await context.etcd.client.put(announceKey(ID)).value(
    encodeAnnouncement({ id: ID, hostname: 'old-pi', version: 'original', screen: null, started_at: new Date().toISOString() }),
  );
  const port = await freePort();
  context.serverUrl = `http://127.0.0.1:${port}`;
  context.server = startCli(withHome(context, 'serve', '--host', '127.0.0.1', '--http-port', String(port), '--legacy-viewers'));
  await context.server.waitFor(/image server listening/);
});

reverse.after(async (context) => {
  await context.server?.stop();
  await context.etcd?.stop();
});

const withHome = (context: Context, ...args: string[]) => ['--etcd', context.etcd.endpoint, '--home', context.home, ...args];

async function revision(context: Context): Promise<number> {
  return Number((await context.etcd.client.get('/').exec()).header.revision);
}

reverse('display set writes values the original viewer reads right: whole intervals, units, upper-case levels', async (context) => {
  const start = await revision(context);
  // A malformed schedule is refused with where it goes wrong, and nothing is written.
  const refused = await runCli(withHome(context, 'display', 'set', ID, 'album=Family', 'schedule=23:00-6'));
  assert.is.not(refused.code, 0);
  assert.match(refused.stderr, /schedule "23:00-6": at character 7: expected a time such as 23:00/);
  assert.is(await revision(context), start, 'nothing written');
  // Our own schedule and timezone ride along; the original viewer ignores them.
  const result = await runCli(
    withHome(context, 'display', 'set', ID, 'album=Family', 'interval_time=1.5', 'interval_units=minutes', 'log_level=warning', 'brightness=0.8', 'schedule=Mon-Fri 23:00-06:15', 'timezone=Europe/Berlin'),
  );
  assert.is(result.code, 0, result.stderr);
  const read = (await originalViewer('read', context.etcd.endpoint, ID)) as OriginalRead;
  assert.equal(read.problems, []);
  assert.is(read.settings.schedule, undefined, 'not one of the fields an original viewer keeps');
  const wire = JSON.parse((await context.etcd.client.get(displayKey(ID, 'settings')).string())!);
  assert.is(wire.schedule, 'Mon-Fri 23:00-06:15');
  assert.is(wire.timezone, 'Europe/Berlin');
  assert.is(read.settings.interval_time, 90, '1.5 minutes as 90 seconds: the original truncates with int()');
  assert.is(read.settings.interval_units, 'seconds');
  assert.is(read.settings.log_level, 'WARNING');
  assert.is(read.settings.brightness, 0.8);
  const library = await new LibraryStore(homePaths(context.home).store).read();
  assert.equal(read.images, library.albums.find((a) => a.name === 'Family')!.photos);

  // An original viewer's watch hears one key per event: each key must be its own revision, images last.
  const events = (await originalViewer('events', context.etcd.endpoint, ID, String(start + 1), '3')) as { key: string; mod_revision: number }[];
  assert.equal(events.map((e) => e.key), [`/${ID}:settings`, `/${ID}:album`, `/${ID}:images`]);
  assert.is(new Set(events.map((e) => e.mod_revision)).size, 3, 'three puts, not one transaction');
});

reverse('an interval original viewers cannot follow is refused and nothing is written', async (context) => {
  const before = await context.etcd.client.get(displayKey(ID, 'settings')).string();
  const result = await runCli(withHome(context, 'display', 'set', ID, 'interval_time=0.5', 'interval_units=seconds'));
  assert.is.not(result.code, 0);
  assert.match(result.stderr, /not a whole number of seconds, minutes, hours or days/);
  assert.is(await context.etcd.client.get(displayKey(ID, 'settings')).string(), before);
  const fractional = await runCli(withHome(context, 'display', 'set', ID, 'variance_pct=2.5'));
  assert.match(fractional.stderr, /variance_pct must be a whole number/);
});

reverse('importing into an album updates the displays that show it, in one write an original viewer hears', async (context) => {
  await solidJpeg(join(context.source, 'more', 'c.jpg'), 120, 80, [30, 30, 200]);
  const listener = await originalViewerListening(context.etcd.endpoint, ID, 1, 15);
  const result = await runCli(withHome(context, 'import', '--wait', join(context.source, 'more'), '--album', 'Family'));
  assert.is(result.code, 0, result.stderr);
  // serve keeps the preparation queue here: it publishes the list once the photo is ready, and --wait waits for that.
  assert.match(result.stdout, /imported 1 photo[^]*prepared: 1 ready/);
  assert.equal(await listener.heard, [`/${ID}:images`], 'the first and only key it hears is the new list');
  const again = await runCli(withHome(context, 'import', '--wait', join(context.source, 'more'), '--album', 'Family'));
  assert.is(again.code, 0, again.stderr);
  assert.not.match(again.stdout, /updated/, 'an unchanged list is not written again');
  const library = await new LibraryStore(homePaths(context.home).store).read();
  const photos = library.albums.find((a) => a.name === 'Family')!.photos;
  assert.is(photos.length, 3);
  const read = (await originalViewer('read', context.etcd.endpoint, ID)) as OriginalRead;
  assert.equal(read.images, photos);
});

reverse('serve --legacy-viewers warns that it is unauthenticated', async (context) => {
  await context.server.waitFor(/warning: --legacy-viewers is on: anyone who can reach this port/);
});

reverse('an original viewer registers, gets its album, writes its settings, and downloads by plain name', async (context) => {
  const pkid = 'legacy-pi-1';
  const first = (await originalViewer('register', `${context.serverUrl}/register`, pkid, '123456789')) as [string, string[]];
  assert.equal(first, [pkid, []], 'a new display has no album yet');
  let library = await new LibraryStore(homePaths(context.home).store).read();
  const recorded = library.displays.find((d) => d.id === pkid);
  assert.ok(recorded, 'the display is recorded in the library');
  assert.is(recorded!.freeBytes, 123456789);
  const settings = (await originalViewer('read', context.etcd.endpoint, pkid)) as OriginalRead;
  assert.equal(settings.problems, []);
  assert.ok(await context.etcd.client.get(displayKey(pkid, 'settings')).string(), 'settings written on registration');

  const assigned = await runCli(withHome(context, 'display', 'set', pkid, 'album=Family'));
  assert.is(assigned.code, 0, assigned.stderr);
  const [, names] = (await originalViewer('register', `${context.serverUrl}/register`, pkid, '1000')) as [string, string[]];
  library = await new LibraryStore(homePaths(context.home).store).read();
  assert.equal(names, library.albums.find((a) => a.name === 'Family')!.photos);
  const downloaded = (await originalViewer('download', `${context.serverUrl}/download/${names[0]}`, join(await tempDir(), 'x.jpg'))) as { status: number; type: string };
  assert.equal(downloaded, { status: 200, type: 'image/jpeg' });
});

reverse('import prints its report even when the displays showing the album cannot be updated', async (context) => {
  await solidJpeg(join(context.source, 'offline', 'd.jpg'), 120, 80, [90, 90, 90]);
  const result = await runCli(['--etcd', 'http://127.0.0.1:1', '--home', context.home, 'import', '--wait', join(context.source, 'offline'), '--album', 'Family', '--json']);
  assert.is(result.code, 3, result.stderr);
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; imported: unknown[]; displaysUpdated: string[] });
  const report = lines.find((line) => line.type === 'report')!;
  assert.is(report.imported.length, 1);
  assert.equal(report.displaysUpdated, []);
  assert.match(result.stderr, /^photoframe: imported, but cannot update the displays showing "Family": cannot reach etcd/);
  // serve, keeping the preparation queue, gives the displays the photo once it is ready; a rerun then has nothing left to write.
  const rerun = await runCli(withHome(context, 'import', '--wait', join(context.source, 'offline'), '--album', 'Family'));
  assert.is(rerun.code, 0, rerun.stderr);
  const family = (await new LibraryStore(homePaths(context.home).store).read()).albums.find((a) => a.name === 'Family')!.photos;
  const read = (await originalViewer('read', context.etcd.endpoint, ID)) as OriginalRead;
  assert.equal(read.images, family);
});

reverse('legacy routes still refuse what is not a library photo, and the token routes keep their token', async (context) => {
  for (const path of ['/download/..%2Flibrary.json', '/download/library.json', '/download/%2e%2e']) {
    const response = await fetch(`${context.serverUrl}${path}`);
    assert.is(response.status, 404, path);
  }
  const library = await new LibraryStore(homePaths(context.home).store).read();
  const name = Object.keys(library.photos)[0]!;
  assert.is((await fetch(`${context.serverUrl}/images/${name}`)).status, 401);
  const bad = await fetch(`${context.serverUrl}/register`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'pkid=../x&freespace=1' });
  assert.is(bad.status, 400);
});

reverse.run();
