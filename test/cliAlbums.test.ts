import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { announceKey } from '../common/protocol/systemKeys.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { solidJpeg, tempDir } from './helpers/fixtures.ts';
import { cliAt, runCli } from './helpers/runCli.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

interface Context {
  etcd: TestEtcd;
  home: string;
}

const albums = suite<Context>('cli: albums that depend on albums');
const args = (context: Context, ...rest: string[]) => cliAt(context).args(...rest);
const ok = (context: Context, ...rest: string[]) => cliAt(context).ok(...rest);
const libraryText = (context: Context) => readFile(homePaths(context.home).store, 'utf8');

albums.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.home = await tempDir('photoframe-albums-home-');
  const source = await tempDir();
  await solidJpeg(join(source, 'beach', 'sunset.jpg'), 60, 40, [250, 120, 10]);
  await ok(context, 'import', '--wait', source, '--album', 'Base');
});

albums.after(async (context) => {
  await context.etcd?.stop();
});

albums('a smart album rule that would refer to itself is refused with one line, and nothing changes', async (context) => {
  await ok(context, 'album', 'smart', 'FromBase', '--rule', 'album:Base');
  await ok(context, 'album', 'smart', 'FromFrom', '--rule', 'album:FromBase');
  const before = await libraryText(context);
  const cycle = await runCli(args(context, 'album', 'smart', 'FromBase', '--rule', 'album:FromFrom'));
  assert.is(cycle.code, 1);
  assert.is(cycle.stderr, 'photoframe: smart album "FromBase" would refer to itself: FromBase → FromFrom → FromBase\n');
  assert.is(await libraryText(context), before);
});

albums('deleting an album that smart albums refer to is refused, naming them, and nothing changes', async (context) => {
  const before = await libraryText(context);
  const refused = await runCli(args(context, 'album', 'delete', 'Base'));
  assert.is(refused.code, 1);
  assert.is(refused.stderr, 'photoframe: cannot delete album "Base": smart album "FromBase" refers to it; change or delete it first\n');
  assert.is(await libraryText(context), before);
});

albums('album commands refuse extra words and a missing action with one line, changing nothing', async (context) => {
  const before = await libraryText(context);
  const extra = await runCli(args(context, 'album', 'delete', 'Base', 'extra', 'args'));
  assert.is(extra.code, 1);
  assert.is(extra.stderr, 'photoframe: album delete takes no more words than NAME; got extra "extra args" (quote a name with spaces)\n');
  const bare = await runCli(args(context, 'album'));
  assert.is(bare.code, 1);
  assert.match(bare.stderr, /^photoframe: album needs an action: create, rename, delete, add, remove, show or smart \(photoframe album --help\)\n$/);
  assert.is(await libraryText(context), before);
});

albums('importing updates the displays (here a group of one) showing a smart album the new photos match', async (context) => {
  const display = 'ab000000-0000-4000-8000-0000000000a1';
  await context.etcd.client.put(announceKey(display)).value(encodeAnnouncement({ id: display, hostname: 'hall-pi', version: '0.1.0', screen: null, started_at: new Date().toISOString() }));
  await ok(context, 'album', 'smart', 'Shore', '--rule', 'name:shore');
  await ok(context, 'group', 'create', 'Hall');
  await ok(context, 'group', 'add', 'Hall', 'hall-pi');
  await ok(context, 'group', 'set', 'Hall', 'album=Shore');
  const images = async () => JSON.parse((await context.etcd.client.get(`/${display}:images`).string()) ?? '[]') as string[];
  assert.equal(await images(), []);
  const source = await tempDir();
  await solidJpeg(join(source, 'shore-1.jpg'), 50, 40, [10, 120, 250]);
  await solidJpeg(join(source, 'inland.jpg'), 50, 40, [120, 250, 10]);
  const imported = await ok(context, 'import', '--wait', source);
  assert.match(imported, /imported 2 photos; updated 1 display showing its albums/);
  const library = await new LibraryStore(homePaths(context.home).store).read();
  const shore = Object.values(library.photos).filter((p) => p.sources.some((s) => s.endsWith('shore-1.jpg')));
  assert.equal(await images(), shore.map((p) => p.name));
});

albums.run();
