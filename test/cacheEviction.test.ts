import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseEvictions, type CachedEntry } from '../viewer/cacheEviction.ts';

const MB = 1024 * 1024;
const entry = (name: string, lastUsedMs: number, bytes = MB): CachedEntry => ({ path: `/cache/1920x1080/${name}`, name, bytes, lastUsedMs });
const names = (entries: CachedEntry[]) => entries.map((e) => e.name);

test('within budget nothing is evicted', () => {
  assert.equal(chooseEvictions([entry('a', 1), entry('b', 2)], 1000 * MB, { maxBytes: 2 * MB, minFreeBytes: 100 * MB }, new Set()), []);
});

test('over the size budget the least recently used go first', () => {
  const entries = [entry('new', 30), entry('old', 10), entry('middle', 20)];
  assert.equal(names(chooseEvictions(entries, 1000 * MB, { maxBytes: 1 * MB, minFreeBytes: 0 }, new Set())), ['old', 'middle']);
});

test('photos in the current list are evicted only after every other photo', () => {
  const entries = [entry('current-old', 1), entry('other-new', 50), entry('current-new', 2), entry('other-old', 40)];
  const current = new Set(['current-old', 'current-new']);
  assert.equal(names(chooseEvictions(entries, 1000 * MB, { maxBytes: 2 * MB, minFreeBytes: 0 }, current)), ['other-old', 'other-new']);
  assert.equal(names(chooseEvictions(entries, 1000 * MB, { maxBytes: 1 * MB, minFreeBytes: 0 }, current)), ['other-old', 'other-new', 'current-old']);
});

test('a disk running full evicts until enough space is free, even under the size budget', () => {
  const entries = [entry('a', 1, 10 * MB), entry('b', 2, 10 * MB), entry('c', 3, 10 * MB)];
  assert.equal(names(chooseEvictions(entries, 5 * MB, { maxBytes: 1000 * MB, minFreeBytes: 20 * MB }, new Set())), ['a', 'b']);
});

test.run();
