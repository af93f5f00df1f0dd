import { open, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelCopy } from '../data/photos/kernelCopy.ts';
import { tempDir } from './helpers/fixtures.ts';

// make setup builds the addon (scripts/build-file-copy.sh): a machine without it imports correctly but slower, and this says so.
const copier = kernelCopy();

test('the in-kernel copy is built, and copies a file byte for byte', async () => {
  assert.ok(copier, 'data/photos/native/build/Release/file_copy.node is missing: run scripts/build-file-copy.sh');
  const dir = await tempDir();
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  await writeFile(join(dir, 'in'), bytes);
  const input = await open(join(dir, 'in'), 'r');
  const output = await open(join(dir, 'out'), 'wx+');
  try {
    assert.is(await copier!.copyRange(input.fd, output.fd, bytes.length + 1), bytes.length);
  } finally {
    await input.close();
    await output.close();
  }
  assert.ok((await readFile(join(dir, 'out'))).equals(bytes));
});

test('a source shorter than the size asked for ends the copy (Node\'s fs.copyFile spins forever on a file cut short mid-copy)', async () => {
  assert.ok(copier);
  const dir = await tempDir();
  await writeFile(join(dir, 'in'), Buffer.alloc(1000, 7));
  const input = await open(join(dir, 'in'), 'r');
  const output = await open(join(dir, 'out'), 'wx+');
  try {
    // As a file truncated after its size was read looks to the copy: it asks for more than there is.
    assert.is(await copier!.copyRange(input.fd, output.fd, 50_000_000), 1000);
  } finally {
    await input.close();
    await output.close();
  }
});

test('a bad descriptor is an error with its errno, not a crash', async () => {
  assert.ok(copier);
  try {
    await copier!.copyRange(987_654, 987_655, 10);
    assert.unreachable('copied from a closed descriptor');
  } catch (error) {
    assert.is((error as { errno?: number }).errno, 9, String(error));
  }
});

test.run();
