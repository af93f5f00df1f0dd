import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchFailureReason } from '../common/net/fetchFailure.ts';
import { RequestTimeout } from '../viewer/httpGet.ts';

test('a request failure is named by its socket error or its timeout, whichever client made it', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  assert.is(fetchFailureReason(refused, 200), 'ECONNREFUSED');
  assert.is(fetchFailureReason(new TypeError('fetch failed', { cause: refused }), 200), 'ECONNREFUSED');
  // fetch()'s timeout is a DOMException, whose numeric code (23) is no socket error.
  assert.is(fetchFailureReason(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 200), 'no answer in 200 ms');
  assert.is(fetchFailureReason(new RequestTimeout(200), 200), 'no answer in 200 ms');
});

test.run();
