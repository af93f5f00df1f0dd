import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { freePort } from '../common/net/freePort.ts';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { encodeImageServer } from '../common/protocol/codecs/imageServerCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { announceKey, IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { preparePending } from '../data/preparation/preparationRunner.ts';
import { solidJpeg, tempDir } from './helpers/fixtures.ts';
import { runCli, startCli, type CliResult } from './helpers/runCli.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

interface Context {
  etcd: TestEtcd;
  home: string;
  displayId: string;
}

const cli = suite<Context>('cli');

cli.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.home = await tempDir('photoframe-home-');
  const paths = homePaths(context.home);
  const source = await tempDir();
  await solidJpeg(join(source, 'one.jpg'), 120, 80, [10, 120, 250]);
  await solidJpeg(join(source, 'two.jpg'), 120, 80, [250, 120, 10]);
  await importPhotos(new LibraryStore(paths.store), paths, { sources: [source], album: 'Family' });
  // Ready, as the preparation queue leaves them: only ready photos reach a display.
  await preparePending(new LibraryStore(paths.store), paths);
  // A display announces itself the way a viewer does; the CLI finds it by id.
  context.displayId = 'c0ffee00-0000-4000-8000-000000000001';
  await context.etcd.client.put(announceKey(context.displayId)).value(
    encodeAnnouncement({ id: context.displayId, hostname: 'kitchen-pi', version: '0.1.0', screen: null, started_at: new Date().toISOString() }),
  );
});

cli.after(async (context) => {
  await context.etcd?.stop();
});

const withEtcd = (context: Context, ...args: string[]) => ['--etcd', context.etcd.endpoint, '--home', context.home, ...args];

/** The error contract: non-zero exit, one line on stderr naming the problem, nothing on stdout. */
function assertOneLineError(result: CliResult, pattern: RegExp): void {
  assert.is.not(result.code, 0, `exit code for: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^photoframe: /);
  assert.match(lines[0]!, pattern);
  assert.is(result.stdout, '');
}

async function snapshot(context: Context) {
  const keys = await context.etcd.client.getAll().prefix('/').strings();
  return { keys, library: await readFile(homePaths(context.home).store, 'utf8') };
}

cli('malformed options say what is wrong', async (context) => {
  const before = await snapshot(context);
  assertOneLineError(await runCli(withEtcd(context, 'import', '--wait', '--bogus', 'x')), /unknown option --bogus; usage: photoframe import/);
  // A typo gets the option meant, not Node's parser message.
  const typo = await runCli(withEtcd(context, 'albums', '--jsn'));
  assert.is(typo.stderr, 'photoframe: unknown option --jsn; did you mean --json?\n');
  assert.is(typo.code, 1);
  assertOneLineError(await runCli(withEtcd(context, 'viewer', '--windowed', '12by3')), /--windowed "12by3" is not a size: use WIDTHxHEIGHT/);
  assertOneLineError(await runCli(withEtcd(context, 'serve', '--http-port', '99999')), /--http-port "99999" is not a port/);
  assertOneLineError(await runCli(['--etcd', 'localhost', 'displays']), /--etcd has "localhost", which is not a URL/);
  assertOneLineError(await runCli(['displays'], { PHOTOFRAME_ETCD: 'ftp://x:1' }), /PHOTOFRAME_ETCD has "ftp:\/\/x:1": etcd URLs start with http/);
  assertOneLineError(await runCli(withEtcd(context, 'frobnicate')), /unknown command "frobnicate"/);
  assertOneLineError(await runCli(withEtcd(context, 'display', 'set', context.displayId, 'interval_time=soon')), /settings\.interval_time must be a number/);
  assertOneLineError(await runCli(withEtcd(context, 'display', 'set', context.displayId, 'colour=red')), /unknown setting "colour"/);
  assertOneLineError(await runCli(withEtcd(context, 'display', 'set', context.displayId, 'Family')), /"Family" is not key=value/);
  assert.equal(await snapshot(context), before, 'nothing written');
});

cli('etcd not reachable is one clear line', async (context) => {
  const deadPort = await freePort();
  const result = await runCli(['--etcd', `http://127.0.0.1:${deadPort}`, '--home', context.home, 'display', 'set', context.displayId, 'album=Family']);
  assertOneLineError(result, new RegExp(`cannot reach etcd at http://127.0.0.1:${deadPort} \\(.*ECONNREFUSED.*\\); start one with \`make etcd\``));
  assertOneLineError(await runCli(['--etcd', `http://127.0.0.1:${deadPort}`, 'displays']), /cannot reach etcd/);
});

cli('an unknown display or album is named, and nothing is written', async (context) => {
  const before = await snapshot(context);
  assertOneLineError(
    await runCli(withEtcd(context, 'display', 'set', 'living-room', 'album=Family')),
    /unknown display "living-room"; known displays: kitchen-pi \(c0ffee00-0000-4000-8000-000000000001\) \(see `photoframe displays`\)/,
  );
  assertOneLineError(
    await runCli(withEtcd(context, 'display', 'set', context.displayId, 'album=Holidays')),
    /unknown album "Holidays"; albums are: Family/,
  );
  assert.equal(await snapshot(context), before);
});

cli('an unreachable image server stops an assignment before it is written', async (context) => {
  const deadPort = await freePort();
  await context.etcd.client.put(IMAGE_SERVER_KEY).value(encodeImageServer({ url: `http://127.0.0.1:${deadPort}`, token: 'x'.repeat(32) }));
  const before = await snapshot(context);
  assertOneLineError(
    await runCli(withEtcd(context, 'display', 'set', context.displayId, 'album=Family')),
    new RegExp(`cannot reach the image server at http://127.0.0.1:${deadPort} \\(ECONNREFUSED\\); start it with \`photoframe serve\``),
  );
  assert.equal(await snapshot(context), before);
  await context.etcd.client.delete().key(IMAGE_SERVER_KEY);
});

cli('display set writes the album as /<id>:images and merges settings', async (context) => {
  const port = await freePort();
  const server = startCli(withEtcd(context, 'serve', '--host', '127.0.0.1', '--http-port', String(port)));
  try {
    await server.waitFor(/image server listening/);
    await context.etcd.client.put(displayKey(context.displayId, 'settings')).value('{"brightness":0.9,"future_field":true}');
    const result = await runCli(withEtcd(context, 'display', 'set', context.displayId, 'album=Family', 'name=Kitchen', 'interval_time=30'));
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stdout, /display "Kitchen" \(c0ffee00-0000-4000-8000-000000000001\): set album "Family" \(2 photos\) and settings name, interval_time/);

    const library = await new LibraryStore(homePaths(context.home).store).read();
    const album = library.albums.find((a) => a.name === 'Family')!;
    const images = await context.etcd.client.get(displayKey(context.displayId, 'images')).string();
    assert.equal(JSON.parse(images!), album.photos);
    const settings = await context.etcd.client.get(displayKey(context.displayId, 'settings')).string();
    // Merged, complete, and in the original viewer's types: every original field, unit always written.
    assert.equal(JSON.parse(settings!), {
      future_field: true,
      name: 'Kitchen',
      description: '',
      orientation: 'H',
      interval_time: 30,
      interval_units: 'minutes',
      variance_pct: 0,
      use_halflife: false,
      brightness: 0.9,
      contrast: 1,
      saturation: 1,
      log_level: 'INFO',
      order: 'shuffle',
      interval_base: '*:*',
      transition: 'none',
      transition_ms: 800,
      fit: 'contain',
      caption: 'none',
    });

    const byName = await runCli(withEtcd(context, 'display', 'set', 'Kitchen', 'interval_units=minutes'));
    assert.is(byName.code, 0, byName.stderr);
    const listed = await runCli(withEtcd(context, 'displays', '--json'));
    assert.is(listed.code, 0, listed.stderr);
    const displays = JSON.parse(listed.stdout) as { id: string; name: string; album: string; hostname: string }[];
    assert.equal(
      displays.map(({ id, name, album: a, hostname }) => ({ id, name, album: a, hostname })),
      [{ id: context.displayId, name: 'Kitchen', album: 'Family', hostname: 'kitchen-pi' }],
    );
  } finally {
    await server.stop();
  }
});

cli('import reports skipped files on stderr and exits 2', async (context) => {
  const source = await tempDir();
  await solidJpeg(join(source, 'fine.jpg'), 40, 40, [1, 1, 1]);
  await import('node:fs/promises').then((fs) => fs.writeFile(join(source, 'broken.jpg'), 'nope'));
  const result = await runCli(withEtcd(context, 'import', '--wait', source, '--album', 'Misc'));
  assert.is(result.code, 2);
  assert.match(result.stderr, new RegExp(`skipped ${join(source, 'broken.jpg')}: not an image`));
  assert.match(result.stdout, /imported 1 photo, 1 skipped into album "Misc" \(\+1\)/);
});

cli('a fresh home is created on first use, even by display set', async (context) => {
  const home = join(await tempDir(), 'brand-new-home');
  const result = await runCli(['--etcd', context.etcd.endpoint, '--home', home, 'display', 'set', context.displayId, 'interval_time=45']);
  assert.is(result.code, 0, result.stderr);
  const library = await new LibraryStore(homePaths(home).store).read();
  assert.equal(library.displays.map((d) => d.id), [context.displayId]);
});

cli('a corrupt library is one line naming the file, and is left as it was', async (context) => {
  const home = await tempDir();
  const store = homePaths(home).store;
  const broken = '{"version": 1,\n  "photos": {\n';
  await import('node:fs/promises').then((fs) => fs.writeFile(store, broken));
  assertOneLineError(await runCli(['--etcd', context.etcd.endpoint, '--home', home, 'albums']), new RegExp(`library ${store} is not valid JSON`));
  assert.is(await readFile(store, 'utf8'), broken);
});

cli('a local etcd on a port already in use says so in one line', async (context) => {
  const taken = new URL(context.etcd.endpoint).port;
  const result = await runCli(['--home', await tempDir(), 'etcd', '--client-port', taken, '--peer-port', String(await freePort())]);
  assertOneLineError(result, new RegExp(`cannot start etcd on 127.0.0.1:${taken}: .*address already in use`));
});

cli.run();
