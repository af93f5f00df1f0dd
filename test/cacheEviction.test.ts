import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseEvictions, type CachedEntry, type EvictionGuards } from '../viewer/cacheEviction.ts';

const MB = 1024 * 1024;
const entry = (name: string, lastUsedMs: number, bytes = MB): CachedEntry => ({ path: `/cache/1920x1080/${name}`, name, bytes, lastUsedMs });
const names = (entries: CachedEntry[]) => entries.map((e) => e.name);
const guards = (current: string[] = [], pinned: string[] = []): EvictionGuards => ({ current: new Set(current), pinned: new Set(pinned.map((n) => entry(n, 0).path)) });

test('within budget nothing is evicted', () => {
  assert.equal(chooseEvictions([entry('a', 1), entry('b', 2)], 1000 * MB, { maxBytes: 2 * MB, minFreeBytes: 100 * MB }, guards()), []);
});

test('over the size budget the least recently used go first', () => {
  const entries = [entry('new', 30), entry('old', 10), entry('middle', 20)];
  assert.equal(names(chooseEvictions(entries, 1000 * MB, { maxBytes: 1 * MB, minFreeBytes: 0 }, guards())), ['old', 'middle']);
});

test('photos in the current list are evicted only after every other photo', () => {
  const entries = [entry('current-old', 1), entry('other-new', 50), entry('current-new', 2), entry('other-old', 40)];
  const current = guards(['current-old', 'current-new']);
  assert.equal(names(chooseEvictions(entries, 1000 * MB, { maxBytes: 2 * MB, minFreeBytes: 0 }, current)), ['other-old', 'other-new']);
  assert.equal(names(chooseEvictions(entries, 1000 * MB, { maxBytes: 1 * MB, minFreeBytes: 0 }, current)), ['other-old', 'other-new', 'current-old']);
});

test('a disk running full evicts until enough space is free, even under the size budget', () => {
  const entries = [entry('a', 1, 10 * MB), entry('b', 2, 10 * MB), entry('c', 3, 10 * MB)];
  assert.equal(names(chooseEvictions(entries, 5 * MB, { maxBytes: 1000 * MB, minFreeBytes: 20 * MB }, guards())), ['a', 'b']);
});

test('a disk running full never costs photos in the current list; only the size budget can', () => {
  const entries = [entry('a', 1, 10 * MB), entry('b', 2, 10 * MB), entry('other', 3, 10 * MB)];
  const lowDisk = { maxBytes: 1000 * MB, minFreeBytes: 1024 * MB };
  assert.equal(names(chooseEvictions(entries, 5 * MB, lowDisk, guards(['a', 'b']))), ['other']);
  assert.equal(names(chooseEvictions(entries, 5 * MB, { maxBytes: 15 * MB, minFreeBytes: 1024 * MB }, guards(['a', 'b']))), ['other', 'a']);
});

test('pinned photos (being handed out, downloading, on screen) are never evicted, whatever the budget', () => {
  const entries = [entry('returning', 1), entry('downloading', 2), entry('on-screen', 3), entry('spare', 4)];
  const pinned = guards([], ['returning', 'downloading', 'on-screen']);
  assert.equal(names(chooseEvictions(entries, 0, { maxBytes: 0, minFreeBytes: 1024 * MB }, pinned)), ['spare']);
});

test.run();
