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

const announce = (context: Context, id: string, hostname: string) =>
  context.etcd.client.put(announceKey(id)).value(encodeAnnouncement({ id, hostname, version: '0.1.0', screen: null, started_at: new Date().toISOString() }));

cli.after(async (context) => {
  await context.etcd?.stop();
});

cli('import, then album create, add by file name, show, remove, rename and delete', async (context) => {
  const imported = await runCli(args(context, 'import', '--wait', context.source));
  assert.is(imported.code, 0, imported.stderr);
  assert.equal(await json(context, 'album', 'create', 'Trips'), { id: (await new LibraryStore(homePaths(context.home).store).read()).albums[0]!.id, name: 'Trips' });
  assert.equal(await json(context, 'album', 'add', 'Trips', 'sunset.jpg', 'dunes.jpg'), { album: 'Trips', added: 2, photos: 2, displaysUpdated: [] });
  const shown = await json(context, 'album', 'show', 'Trips');
  assert.equal(shown.photos.map((p: { file: string }) => p.file), ['sunset.jpg', 'dunes.jpg']);
  assert.equal(await json(context, 'album', 'remove', 'Trips', 'dunes.jpg'), { album: 'Trips', removed: 1, photos: 1, displaysUpdated: [] });
  assert.is((await json(context, 'album', 'rename', 'Trips', 'Voyages')).name, 'Voyages');
  const photos = await json(context, 'photos', '--album', 'Voyages');
  assert.equal(photos.map((p: { file: string }) => p.file), ['sunset.jpg']);
  assert.equal((await json(context, 'photos', '--filter', 'DUNES')).map((p: { file: string }) => p.file), ['dunes.jpg']);
  assert.is((await json(context, 'album', 'delete', 'Voyages')).deleted, true);
  assert.equal((await new LibraryStore(homePaths(context.home).store).read()).albums, []);
});

cli('album smart: a rule makes a smart album; a bad rule or photo changes nothing', async (context) => {
  const made = await json(context, 'album', 'smart', 'Summer 23', '--rule', 'year:2023', '--rule', 'name:sunset');
  assert.equal({ rule: made.rule, matches: made.matches, created: made.created }, { rule: 'year:2023 name:sunset', matches: 1, created: true });
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

cli('groups split their album across members, again when it changes; display actions reach every member', async (context) => {
  const source = await tempDir();
  for (let i = 0; i < 5; i++) await solidJpeg(join(source, `wall-${i}.jpg`), 60 + i, 40, [i * 40, 100, 200 - i * 30]);
  assert.is((await runCli(args(context, 'import', '--wait', source, '--album', 'Wall art'))).code, 0);
  const [left, right] = ['9a000000-0000-4000-8000-00000000000a', '9a000000-0000-4000-8000-00000000000b'];
  await announce(context, left, 'left-pi');
  await announce(context, right, 'right-pi');
  await json(context, 'group', 'create', 'Wall');
  await json(context, 'group', 'add', 'Wall', 'left-pi', 'right-pi');
  const set = await json(context, 'group', 'set', 'Wall', 'album=Wall art');
  assert.equal(set.displays, ['left-pi', 'right-pi']);
  const parts = async () => {
    const get = async (id: string) => JSON.parse((await context.etcd.client.get(`/${id}:images`).string()) ?? '[]') as string[];
    return [await get(left), await get(right)] as const;
  };
  const albumPhotos = async () => (await json(context, 'album', 'show', 'Wall art')).photos.map((p: { name: string }) => p.name).sort();
  let [a, b] = await parts();
  assert.is(Math.abs(a.length - b.length) <= 1, true, `${a.length} and ${b.length}`);
  assert.equal(a.filter((x) => b.includes(x)), [], 'no photo on two displays');
  assert.equal([...a, ...b].sort(), await albumPhotos());
  assert.match((await context.etcd.client.get(`/${left}:album`).string())!, /Wall art/);

  // Removing a photo from the album splits it again, without that photo.
  const gone = a[0]!;
  const removed = await json(context, 'album', 'remove', 'Wall art', gone);
  // The split is dealt anew at random, so the other member may by chance keep the very same list and not be written.
  assert.ok(removed.displaysUpdated.includes(left), 'the display that showed the removed photo is updated');
  [a, b] = await parts();
  assert.not.ok([...a, ...b].includes(gone));
  assert.equal([...a, ...b].sort(), await albumPhotos());

  // Settings given to a group go to every member, merged and complete.
  const bad = await runCli(args(context, 'group', 'set', 'Wall', 'interval_time=soon'));
  assert.match(bad.stderr, /settings\.interval_time must be/);
  await json(context, 'group', 'set', 'Wall', 'interval_time=20', 'interval_units=seconds');
  for (const id of [left, right]) {
    const stored = JSON.parse((await context.etcd.client.get(`/${id}:settings`).string())!);
    assert.equal([stored.interval_time, stored.interval_units, stored.log_level], [20, 'seconds', 'INFO']);
  }

  // An action on a group reaches every member, through the registry's encoders.
  assert.equal((await json(context, 'display', 'next', 'Wall')).map((r: { name: string }) => r.name), ['left-pi', 'right-pi']);
  for (const id of [left, right]) assert.is(await context.etcd.client.get(`/${id}:change_photo`).string(), '"forward"');
  await json(context, 'display', 'pause', 'left-pi');
  assert.is(await context.etcd.client.get(`/${left}:paused`).string(), 'true');
  await json(context, 'display', 'off', 'right-pi');
  assert.is(await context.etcd.client.get(`/${right}:power_state`).string(), '"off"');
  await json(context, 'display', 'restart-screen', 'right-pi');
  assert.is(await context.etcd.client.get(`/${right}:restart_screen`).string(), '"now"');

  // "What is on screen now": the display answers at /R: (here, as a viewer does, by hand).
  const watcher = await context.etcd.client.watch().key(`/${left}:current_display`).create();
  watcher.on('put', (kv) => {
    const request = JSON.parse(kv.value.toString());
    const answer = JSON.stringify({ display: left, image: a[0], album: 'Wall art', shown_at: '2026-11-22T08:00:00.000Z', power: 'on', paused: true });
    context.etcd.client.put(`/${request}:`).value(answer).then(
      () => process.env.DEBUG_NOW && console.log('answered', request),
      (error) => console.log('cannot answer', error),
    );
  });
  const now = await runCli(args(context, 'display', 'now', 'left-pi'), { TZ: 'America/New_York' });
  const nowJson = await json(context, 'display', 'now', 'left-pi');
  await watcher.cancel();
  assert.is(now.code, 0, now.stderr);
  // A person reads the file name and the local clock; a script gets the hash and ISO time.
  const file = (await json(context, 'photos')).find((p: { name: string }) => p.name === a[0]).file as string;
  assert.is(now.stdout.trim(), `left-pi: ${file} from "Wall art" since 2026-11-22 03:00:00 (paused)`);
  assert.is(nowJson[0].answer.image, a[0]);
  assert.is(nowJson[0].answer.shown_at, '2026-11-22T08:00:00.000Z');
  const unknown = await runCli(args(context, 'display', 'next', 'Nowhere'));
  assert.match(unknown.stderr, /no display or group "Nowhere"/);
});

cli.run();
