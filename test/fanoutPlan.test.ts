import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ETCD_DEFAULT_WRITE_LIMITS, etcdWriteLimitsFromEnv } from '../common/etcd/etcdWriteLimits.ts';
import { UserError } from '../common/userError.ts';
import { encodeTopic } from '../common/protocol/topicRegistry.ts';
import { DuplicateDisplayError, planFanout, planReads, REQUEST_ENVELOPE_BYTES, txnDeleteBytes, txnPutBytes, ValueTooLargeError, type DisplayWrites, type FanoutPlan } from '../console/displays/fanoutPlan.ts';

const photos = (count: number, tag = 'p') => Array.from({ length: count }, (_, i) => `${tag}${String(i).padStart(6, '0')}0123456789abcdef.jpg`);
const displayIds = (count: number) => Array.from({ length: count }, (_, i) => `d0000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const albumOf = (id: string, list: string[]): DisplayWrites => ({
  displayId: id,
  writes: [encodeTopic(id, 'album', { id: 'a1', name: 'Shop' }), encodeTopic(id, 'images', list)],
});
const displayOfKey = (key: string) => key.slice(1, key.indexOf(':'));

/** The plan's invariants, whatever the input: limits kept, one key per display per transaction, each display's keys in order. */
function assertWithinLimits(plan: FanoutPlan, limits: { maxTxnOps: number; maxRequestBytes: number }) {
  const positionOf = new Map<string, number>();
  for (const [wave, txns] of plan.waves.entries()) {
    for (const txn of txns) {
      assert.ok(txn.puts.length <= limits.maxTxnOps, `a transaction holds ${txn.puts.length} ops, over ${limits.maxTxnOps}`);
      const bytes = txn.puts.reduce((sum, put) => sum + (put.value === null ? txnDeleteBytes(put.key) : txnPutBytes(put.key, put.value)), 0);
      assert.is(txn.bytes, bytes);
      assert.ok(bytes + REQUEST_ENVELOPE_BYTES <= limits.maxRequestBytes, `a transaction of ${bytes} bytes is over the limit`);
      const displays = txn.puts.map((put) => displayOfKey(put.key));
      assert.is(new Set(displays).size, displays.length, 'no display has two keys in one transaction');
      for (const display of displays) {
        assert.ok((positionOf.get(display) ?? -1) < wave, 'a display’s keys go out in later and later waves');
        positionOf.set(display, wave);
      }
    }
  }
}

test('1,000 displays given an album: the album keys in one wave, the images in the next, 128 ops a transaction at most', () => {
  const list = photos(200);
  const desired = displayIds(1000).map((id) => albumOf(id, list));
  const plan = planFanout(desired, new Map(), ETCD_DEFAULT_WRITE_LIMITS);
  assertWithinLimits(plan, ETCD_DEFAULT_WRITE_LIMITS);
  assert.is(plan.waves.length, 2);
  assert.ok(plan.waves[0]!.every((txn) => txn.puts.every((put) => put.key.endsWith(':album'))), 'the first wave holds the album keys');
  assert.ok(plan.waves[1]!.every((txn) => txn.puts.every((put) => put.key.endsWith(':images'))), 'the images come last');
  assert.is(plan.waves[0]!.length, 8, '1,000 album keys fill 8 transactions of 128');
  // 200 names of ~30 bytes: ~6.6 KB a list, so about 230 fit in 1.5 MiB, and the op count decides.
  assert.is(plan.waves[1]!.length, 8);
  assert.is(plan.changed.size, 1000);
  assert.is(plan.valueBytes, desired.reduce((sum, d) => sum + d.writes.reduce((s, w) => s + Buffer.byteLength(w.value ?? ''), 0), 0));
});

test('large lists are packed by bytes, under --max-request-bytes', () => {
  const list = photos(3000); // ~100 KB a list: 15 to a 1.5 MiB request
  const plan = planFanout(displayIds(100).map((id) => albumOf(id, list)), new Map(), ETCD_DEFAULT_WRITE_LIMITS);
  assertWithinLimits(plan, ETCD_DEFAULT_WRITE_LIMITS);
  const sizes = plan.waves[1]!.map((txn) => txn.puts.length);
  assert.ok(Math.max(...sizes) < 20 && Math.max(...sizes) >= 10, `images per transaction: ${sizes.join(', ')}`);
  assert.is(sizes.reduce((a, b) => a + b, 0), 100);
});

test('smaller configured limits are kept too', () => {
  const limits = { maxTxnOps: 16, maxRequestBytes: 64 * 1024 };
  const plan = planFanout(displayIds(300).map((id, i) => albumOf(id, photos(50 + (i % 40)))), new Map(), limits);
  assertWithinLimits(plan, limits);
  assert.ok(plan.waves[1]!.length >= Math.ceil(300 / 16));
});

test('a key already holding its value is not written; a display with only its list to change gets it in the first wave', () => {
  const [a, b, c] = displayIds(3) as [string, string, string];
  const list = photos(5);
  const desired = [albumOf(a, list), albumOf(b, list), albumOf(c, list)];
  const current = new Map<string, string>();
  for (const write of desired[0]!.writes) current.set(write.key, write.value!); // a: all there
  current.set(desired[1]!.writes[0]!.key, desired[1]!.writes[0]!.value!); // b: album there, list not
  const plan = planFanout(desired, current, ETCD_DEFAULT_WRITE_LIMITS);
  assertWithinLimits(plan, ETCD_DEFAULT_WRITE_LIMITS);
  assert.is(plan.unchanged, 3);
  assert.equal([...plan.changed.keys()].sort(), [b, c].sort());
  assert.equal(plan.changed.get(b), [`/${b}:images`]);
  assert.equal(plan.waves[0]!.flatMap((txn) => txn.puts.map((put) => put.key)).sort(), [`/${b}:images`, `/${c}:album`].sort());
  assert.equal(plan.waves[1]!.flatMap((txn) => txn.puts.map((put) => put.key)), [`/${c}:images`]);
  assert.equal(planFanout([albumOf(a, list)], current, ETCD_DEFAULT_WRITE_LIMITS).waves, [], 'nothing to write: no transaction at all');
});

test('a delete goes in its own later wave, and only where the key is there', () => {
  const [a, b] = displayIds(2) as [string, string];
  const desired = [a, b].map((id) => ({ displayId: id, writes: [...albumOf(id, photos(3)).writes, { key: `/${id}:images_manifest`, value: null }] }));
  const plan = planFanout(desired, new Map([[`/${a}:images_manifest`, '{"sha256": "x"}']]), ETCD_DEFAULT_WRITE_LIMITS);
  assertWithinLimits(plan, ETCD_DEFAULT_WRITE_LIMITS);
  assert.equal(plan.waves[2]!.flatMap((txn) => txn.puts), [{ key: `/${a}:images_manifest`, value: null }], 'after the images, only where a manifest key is held');
  assert.is(plan.unchanged, 1);
});

test('a value no request can hold, and a display named twice, are refused before anything is planned', () => {
  const [a] = displayIds(1) as [string];
  assert.throws(() => planFanout([albumOf(a, photos(60_000))], new Map(), ETCD_DEFAULT_WRITE_LIMITS), (error: unknown) => error instanceof ValueTooLargeError && /--max-request-bytes/.test(error.message));
  assert.throws(() => planFanout([albumOf(a, photos(1)), albumOf(a, photos(2))], new Map(), ETCD_DEFAULT_WRITE_LIMITS), (error: unknown) => error instanceof DuplicateDisplayError);
});

test('txnPutBytes counts protobuf lengths, varints included', () => {
  assert.is(txnPutBytes('/k:images', 'v'), 2 + (2 + (2 + 9 + 2 + 1)));
  const long = 'x'.repeat(300); // a 2-byte length
  assert.is(txnPutBytes('/k', long), (() => {
    const put = 2 + 2 + 1 + 2 + 300;
    const op = 1 + 2 + put;
    return 1 + 2 + op;
  })());
});

test('reads go in batches of at most maxTxnOps keys whose answers fit a request', () => {
  const keys = Array.from({ length: 1000 }, (_, i) => ({ key: `/d${i}:images`, expectBytes: 7000 }));
  const batches = planReads(keys, ETCD_DEFAULT_WRITE_LIMITS);
  assert.is(batches.flat().length, 1000);
  assert.ok(batches.every((batch) => batch.length <= 128));
  const big = planReads(keys.map((k) => ({ ...k, expectBytes: 200_000 })), ETCD_DEFAULT_WRITE_LIMITS);
  assert.ok(big.every((batch) => batch.length <= 7), 'large answers: a few keys a batch');
  assert.is(big.flat().length, 1000);
});

test('the limits follow the environment, and a wrong value is a clear error', () => {
  assert.equal(etcdWriteLimitsFromEnv({}), ETCD_DEFAULT_WRITE_LIMITS);
  assert.equal(etcdWriteLimitsFromEnv({ PHOTOFRAME_ETCD_MAX_TXN_OPS: '64', PHOTOFRAME_ETCD_MAX_REQUEST_BYTES: '1048576' }), { maxTxnOps: 64, maxRequestBytes: 1048576 });
  assert.throws(() => etcdWriteLimitsFromEnv({ PHOTOFRAME_ETCD_MAX_TXN_OPS: 'many' }), (error: unknown) => error instanceof UserError && /PHOTOFRAME_ETCD_MAX_TXN_OPS must be a whole number/.test(error.message));
  assert.throws(() => etcdWriteLimitsFromEnv({ PHOTOFRAME_ETCD_MAX_REQUEST_BYTES: '100' }), (error: unknown) => error instanceof UserError);
});

test.run();
