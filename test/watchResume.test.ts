import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resumeWatchesFromDelivered } from '../common/etcd/watchResume.ts';

/**
 * Where a watch resumes after its stream breaks, as etcd3's Watcher keeps it
 * (request.start_revision), fed the responses a cluster sends. etcd3 1.1.2
 * took every header's revision; on a cluster that lost or replayed changes.
 */
type Response = { created?: boolean; header: { revision: string }; events?: { kv: { mod_revision: string } }[] };
const { Watcher } = createRequire(import.meta.url)('etcd3/lib/watch.js') as {
  Watcher: { prototype: { updateRevision(this: { request: { start_revision?: number | string } }, res: Response): void } };
};
resumeWatchesFromDelivered();

function resumePoint(start: number | string | undefined, ...responses: Response[]): string | number | undefined {
  const watcher = { request: { start_revision: start } };
  for (const response of responses) Watcher.prototype.updateRevision.call(watcher, response);
  return watcher.request.start_revision;
}

test('a watch created from revision 101 on a member at 105 still resumes from 101: 101…105 are not yet delivered', () => {
  assert.is(String(resumePoint(101, { created: true, header: { revision: '105' } })), '101');
});

test('re-created on a member that is behind, a watch does not move back and replay what it delivered', () => {
  const delivered = resumePoint(101, { header: { revision: '120' }, events: [{ kv: { mod_revision: '120' } }] });
  assert.is(delivered, '121');
  assert.is(resumePoint(delivered, { created: true, header: { revision: '90' } }), '121');
  // A progress notice from the lagging member says nothing new either.
  assert.is(resumePoint(delivered, { header: { revision: '95' } }), '121');
});

test('events and a caught-up progress notice move it forward; a watch from now starts after its creation', () => {
  assert.is(resumePoint(101, { header: { revision: '130' }, events: [{ kv: { mod_revision: '110' } }, { kv: { mod_revision: '112' } }] }), '113');
  assert.is(resumePoint('113', { header: { revision: '140' } }), '141');
  assert.is(resumePoint(undefined, { created: true, header: { revision: '50' } }), '51');
});

test.run();
