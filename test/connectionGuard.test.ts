import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientOf } from '../console/imageServer/connectionGuard.ts';

test('connections count against their IPv4 address, or their IPv6 /64', () => {
  assert.is(clientOf('192.0.2.7'), '192.0.2.7');
  assert.is(clientOf('::ffff:192.0.2.7'), '192.0.2.7');
  // One host is usually handed a whole /64: every address in it is the same client.
  assert.is(clientOf('2001:db8:1:2::1'), clientOf('2001:db8:1:2:ffff:ffff:ffff:fffe'));
  assert.is(clientOf('2001:0db8:0001:0002:0:0:0:1'), '2001:db8:1:2::/64');
  assert.is.not(clientOf('2001:db8:1:2::1'), clientOf('2001:db8:1:3::1'));
  assert.is(clientOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.is(clientOf('::1'), '0:0:0:0::/64');
});

test.run();
