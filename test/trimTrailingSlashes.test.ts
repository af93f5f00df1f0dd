import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { trimTrailingSlashes } from '../common/text/trimTrailingSlashes.ts';

test('trailing slashes go, inner ones stay', () => {
  assert.is(trimTrailingSlashes('http://host/photos///'), 'http://host/photos');
  assert.is(trimTrailingSlashes('http://host/photos'), 'http://host/photos');
  assert.is(trimTrailingSlashes('///'), '');
  assert.is(trimTrailingSlashes(''), '');
});

test('a long run of slashes not at the end is handled in one pass', () => {
  // 200,000 slashes then a letter: about 2e10 regex steps, 200,000 loop steps.
  const hostile = `${'/'.repeat(200_000)}x`;
  assert.is(trimTrailingSlashes(hostile), hostile);
  assert.is(trimTrailingSlashes(`${hostile}//`), hostile);
});

test.run();
