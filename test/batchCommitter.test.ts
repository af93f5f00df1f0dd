import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchCommitter } from '../data/photos/batchCommitter.ts';

test('items a batch hands back while the last commit is queued behind it are written by that last commit', async () => {
  // "copy" duplicates "photo": it can only be written once "photo" is, as the library's duplicates are.
  const written: string[] = [];
  let release!: () => void;
  const firstWriteHeld = new Promise<void>((resolve) => (release = resolve));
  let writes = 0;
  const committer = new BatchCommitter<string>(async (batch) => {
    if (writes++ === 0) await firstWriteHeld;
    const waiting = batch.filter((item) => item === 'copy' && !written.includes('photo') && !batch.includes('photo'));
    written.push(...batch.filter((item) => !waiting.includes(item)));
    return waiting;
  });
  committer.add('copy');
  void committer.commit();
  // The first write is still running when the import ends and asks for the last one.
  committer.add('photo');
  const finished = committer.finish();
  release();
  assert.equal(await finished, []);
  assert.equal(written.sort(), ['copy', 'photo']);
});

test('a failed write is reported by finish', async () => {
  const committer = new BatchCommitter<number>(async () => {
    throw new Error('disk full');
  });
  committer.add(1);
  void committer.commit();
  let failure: unknown;
  await committer.finish().catch((error: unknown) => (failure = error));
  assert.instance(failure, Error);
});

test.run();
