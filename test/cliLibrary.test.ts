import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { announceKey } from '../common/protocol/systemKeys.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { solidJpeg, tempDir } from './helpers/fixtures.ts';
import { runCli } from './helpers/runCli.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

interface Context {
  etcd: TestEtcd;
  home: string;
  source: string;
}

const cli = suite<Context>('cli: albums, photos, displays');
const args = (context: Context, ...rest: string[]) => ['--etcd', context.etcd.endpoint, '--home', context.home, ...rest];
const json = async (context: Context, ...rest: string[]) => {
  const result = await runCli(args(context, ...rest, '--json'));
  assert.is(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
};

cli.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.home = await tempDir('photoframe-cli-home-');
  context.source = await tempDir();
  await solidJpeg(join(context.source, 'beach', 'sunset.jpg'), 120, 80, [250, 120, 10], { dateTaken: '2023:07:01 19:00:00' });
  await solidJpeg(join(context.source, 'beach', 'dunes.jpg'), 80, 120, [230, 200, 120], { dateTaken: '2022:07:02 10:00:00' });
});

cli.after(async (context) => {
  await context.etcd?.stop();
});

cli('import, then album create, add by file name, show, remove, rename and delete', async (context) => {
  const imported = await runCli(args(context, 'import', context.source));
  assert.is(imported.code, 0, imported.stderr);
  assert.match(imported.stderr, /imported 2\/2/, 'plain progress lines when stderr is not a terminal');
  assert.equal(await json(context, 'album', 'create', 'Trips'), { id: (await new LibraryStore(homePaths(context.home).store).read()).albums[0]!.id, name: 'Trips' });
  assert.equal(await json(context, 'album', 'add', 'Trips', 'sunset.jpg', 'dunes.jpg'), { album: 'Trips', added: 2, photos: 2 });
  const shown = await json(context, 'album', 'show', 'Trips');
  assert.equal(shown.photos.map((p: { file: string }) => p.file), ['sunset.jpg', 'dunes.jpg']);
  assert.equal(await json(context, 'album', 'remove', 'Trips', 'dunes.jpg'), { album: 'Trips', removed: 1, photos: 1 });
  assert.is((await json(context, 'album', 'rename', 'Trips', 'Voyages')).name, 'Voyages');
  const photos = await json(context, 'photos', '--album', 'Voyages');
  assert.equal(photos.map((p: { file: string }) => p.file), ['sunset.jpg']);
  assert.equal((await json(context, 'photos', '--filter', 'DUNES')).map((p: { file: string }) => p.file), ['dunes.jpg']);
  assert.is((await json(context, 'album', 'delete', 'Voyages')).deleted, true);
  assert.equal((await new LibraryStore(homePaths(context.home).store).read()).albums, []);
});

cli('album smart: a rule makes a smart album; a bad rule or photo changes nothing', async (context) => {
  const made = await json(context, 'album', 'smart', 'Summer 23', '--rule', 'year:2023', '--rule', 'keyword:beach');
  assert.equal({ rule: made.rule, matches: made.matches, created: made.created }, { rule: 'year:2023 keyword:beach', matches: 1, created: true });
  const before = await new LibraryStore(homePaths(context.home).store).read();
  const bad = await runCli(args(context, 'album', 'smart', 'Broken', '--rule', 'colour:red'));
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /^photoframe: rule "colour:red": unknown field "colour"/);
  const missing = await runCli(args(context, 'album', 'add', 'Summer 23', 'nope.jpg'));
  assert.match(missing.stderr, /smart album|no photo "nope.jpg"/);
  const unknown = await runCli(args(context, 'album', 'show', 'Nope'));
  assert.match(unknown.stderr, /unknown album "Nope"; albums are: Summer 23/);
  assert.equal(await new LibraryStore(homePaths(context.home).store).read(), before);
  const help = await runCli(['album', '--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /album smart NAME --rule RULE/);
});

cli('display rename names an announced display; forget removes it from the library and etcd', async (context) => {
  const id = 'c11d1500-0000-4000-8000-000000000001';
  await context.etcd.client.put(announceKey(id)).value(encodeAnnouncement({ id, hostname: 'hall-pi', version: '0.1.0', screen: null, started_at: new Date().toISOString() }));
  assert.equal(await json(context, 'display', 'rename', 'hall-pi', 'Hall'), { id, name: 'Hall', action: 'rename' });
  const displays = await json(context, 'displays');
  assert.equal(displays.map((d: { id: string; name: string }) => [d.id, d.name]), [[id, 'Hall']]);
  assert.equal(await json(context, 'display', 'forget', 'Hall'), { id, name: 'Hall', action: 'forget' });
  assert.equal(await json(context, 'displays'), []);
  assert.is(await context.etcd.client.get(announceKey(id)).string(), null);
  const unknown = await runCli(args(context, 'display', 'forget', 'Hall'));
  assert.match(unknown.stderr, /unknown display "Hall"/);
});

cli.run();
