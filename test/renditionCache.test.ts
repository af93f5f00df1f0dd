import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RenditionCache } from '../console/imageServer/renditionCache.ts';
import { tempDir } from './helpers/fixtures.ts';

const exists = (path: string) => access(path).then(() => true, () => false);

test('the rendition cache evicts the least recently served, not the first made', async () => {
  const dir = await tempDir();
  const cache = new RenditionCache(dir, 3_000);
  const path = (name: string) => join(dir, '640x360', `${name}.jpg`);
  const serve = async (name: string) => (await cache.open(path(name), async () => Buffer.alloc(1_000, name))).close();

  for (const name of ['oldest', 'second', 'third']) await serve(name);
  // A hit on the oldest makes it the most recent: the next one in makes room by dropping the second.
  await serve('oldest');
  await serve('fourth');
  assert.equal(
    await Promise.all(['oldest', 'second', 'third', 'fourth'].map((name) => exists(path(name)))),
    [true, false, true, true],
  );
  assert.is(cache.totalBytes, 3_000);
});

test.run();
