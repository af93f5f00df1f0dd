import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CleanupStack } from '../common/process/cleanupStack.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

test('two stops asked for at once stop everything once, newest first', async () => {
  const stack = new CleanupStack();
  const stopped: string[] = [];
  for (const name of ['etcd', 'server', 'screen', 'viewer']) {
    stack.push(async () => {
      await tick();
      stopped.push(name);
    });
  }
  // As a signal and the end of the run both did in the demo.
  await Promise.all([stack.run(), stack.run()]);
  assert.equal(stopped, ['viewer', 'screen', 'server', 'etcd']);
});

test('a cleanup that fails does not keep the others from running', async () => {
  const stack = new CleanupStack();
  const stopped: string[] = [];
  stack.push(async () => void stopped.push('first'));
  stack.push(async () => {
    throw new Error('already gone');
  });
  await stack.run();
  assert.equal(stopped, ['first']);
  await stack.run();
  assert.equal(stopped, ['first'], 'nothing runs twice');
});

test.run();
