import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { announceKey } from '../common/protocol/systemKeys.ts';
import { solidJpeg, tempDir } from './helpers/fixtures.ts';
import { cliAt, runCli } from './helpers/runCli.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

interface Context {
  etcd: TestEtcd;
  home: string;
}

const groups = suite<Context>('cli: group membership keeps the split whole');
const args = (context: Context, ...rest: string[]) => cliAt(context).args(...rest);
const json = (context: Context, ...rest: string[]) => cliAt(context).json(...rest);
const imagesOf = async (context: Context, id: string) => JSON.parse((await context.etcd.client.get(`/${id}:images`).string()) ?? '[]') as string[];

groups.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.home = await tempDir('photoframe-groups-home-');
});

groups.after(async (context) => {
  await context.etcd?.stop();
});

groups('removing or forgetting a member splits the album again; the display that left shows none of it', async (context) => {
  const source = await tempDir();
  for (let i = 0; i < 7; i++) await solidJpeg(join(source, `wall-${i}.jpg`), 40 + i, 30, [i * 30, 90, 220 - i * 25]);
  assert.is((await runCli(args(context, 'import', '--wait', source, '--album', 'Wall art'))).code, 0);
  const ids = ['9b000000-0000-4000-8000-00000000000a', '9b000000-0000-4000-8000-00000000000b', '9b000000-0000-4000-8000-00000000000c'];
  for (const [i, id] of ids.entries()) {
    await context.etcd.client.put(announceKey(id)).value(encodeAnnouncement({ id, hostname: `pi-${i}`, version: '0.1.0', screen: null, started_at: new Date().toISOString() }));
  }
  await json(context, 'group', 'create', 'Wall');
  await json(context, 'group', 'add', 'Wall', 'pi-0', 'pi-1', 'pi-2');
  await json(context, 'group', 'set', 'Wall', 'album=Wall art');
  const album = (await json(context, 'album', 'show', 'Wall art')).photos.map((p: { name: string }) => p.name).sort();
  assert.is(album.length, 7);
  const assertSplit = async (members: string[]) => {
    const lists = await Promise.all(members.map((id) => imagesOf(context, id)));
    const all = lists.flat();
    assert.equal([...all].sort(), album, 'the members together show the whole album, each photo once');
  };
  await assertSplit(ids);

  await json(context, 'group', 'remove', 'Wall', 'pi-0');
  assert.equal(await imagesOf(context, ids[0]!), [], 'the removed display shows nothing of the group');
  await assertSplit(ids.slice(1));

  assert.is((await runCli(args(context, 'display', 'forget', 'pi-1'))).code, 0);
  assert.equal(await imagesOf(context, ids[1]!), [], 'the forgotten display shows nothing of the group');
  await assertSplit(ids.slice(2));
});

groups('group set on a group without displays refuses settings before changing the album', async (context) => {
  await json(context, 'group', 'create', 'Empty');
  const before = await readFile(homePaths(context.home).store, 'utf8');
  const refused = await runCli(args(context, 'group', 'set', 'Empty', 'album=Wall art', 'interval_time=30'));
  assert.is(refused.code, 1);
  assert.is(refused.stderr, 'photoframe: group "Empty" has no displays to set interval_time on\n');
  assert.is(await readFile(homePaths(context.home).store, 'utf8'), before, 'the album was not changed');
  assert.is((await json(context, 'group', 'show', 'Empty')).album, null);
});

groups.run();
