import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { announceKey } from '../common/protocol/systemKeys.ts';
import { solidJpeg, tempDir } from './helpers/fixtures.ts';
import { cliAt, runCli } from './helpers/runCli.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

interface Context {
  etcd: TestEtcd;
  home: string;
}

const modes = suite<Context>('cli: a group shows its album split or the same on every member');
const imagesOf = async (context: Context, id: string) => JSON.parse((await context.etcd.client.get(`/${id}:images`).string()) ?? '[]') as string[];

modes.before(async (context) => {
  context.etcd = await startTestEtcd();
  context.home = await tempDir('photoframe-group-mode-home-');
});

modes.after(async (context) => {
  await context.etcd?.stop();
});

modes('mode=same gives every member the whole album, mode=split deals it again; a wrong key or value changes nothing', async (context) => {
  const cli = cliAt(context);
  const source = await tempDir();
  for (let i = 0; i < 5; i++) await solidJpeg(join(source, `shop-${i}.jpg`), 40 + i, 30, [i * 40, 120, 200 - i * 30]);
  assert.is((await runCli(cli.args('import', '--wait', source, '--album', 'Shop'))).code, 0);
  const ids = ['7c000000-0000-4000-8000-00000000000a', '7c000000-0000-4000-8000-00000000000b', '7c000000-0000-4000-8000-00000000000c'];
  for (const [i, id] of ids.entries()) {
    await context.etcd.client.put(announceKey(id)).value(encodeAnnouncement({ id, hostname: `screen-${i}`, version: '0.1.0', screen: null, started_at: new Date().toISOString() }));
  }
  await cli.json('group', 'create', 'Windows');
  await cli.json('group', 'add', 'Windows', 'screen-0', 'screen-1', 'screen-2');

  const same = await cli.json('group', 'set', 'Windows', 'album=Shop', 'mode=same');
  assert.is(same.mode, 'same');
  assert.equal([...same.displaysUpdated].sort(), [...ids].sort(), 'every member was written');
  const album = [...(await imagesOf(context, ids[0]!))].sort();
  assert.is(album.length, 5, 'the whole album');
  for (const id of ids) assert.equal([...(await imagesOf(context, id))].sort(), album, 'each member holds the whole album');

  for (const [words, pattern] of [
    [['mode=mirror'], /mode=mirror is not a group mode: use mode=same .* or mode=split/],
    [['album=Shop', 'mood=split'], /mood/],
  ] as const) {
    const refused = await runCli(cli.args('group', 'set', 'Windows', ...words));
    assert.is.not(refused.code, 0, `group set ${words.join(' ')} is refused`);
    assert.match(refused.stderr, pattern);
  }
  for (const id of ids) assert.is((await imagesOf(context, id)).length, album.length, 'a refused set changed nothing: every member keeps the whole album');

  const split = await cli.json('group', 'set', 'Windows', 'mode=split');
  assert.is(split.mode, 'split');
  const lists = await Promise.all(ids.map((id) => imagesOf(context, id)));
  assert.equal(lists.flat().sort(), album, 'split: the members together hold the album, each photo once');
  assert.ok(Math.max(...lists.map((l) => l.length)) - Math.min(...lists.map((l) => l.length)) <= 1, 'in parts that differ by at most one');
});

modes.run();
