import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { identifyClient } from '../console/imageServer/clientIdentity.ts';
import { PhotoAllowance } from '../console/imageServer/photoAllowance.ts';
import { decodeImageServer, encodeImageServer } from '../common/protocol/codecs/imageServerCodec.ts';

const GRACE = 60_000;

test('a display may fetch its current list, and the previous one only within the grace period', () => {
  const allowance = new PhotoAllowance(GRACE);
  assert.is(allowance.allows('a.jpg', 0), false, 'nothing before a list is known');
  allowance.replaceList(['a.jpg', 'b.jpg'], 1_000);
  assert.is(allowance.allows('a.jpg', 1_000), 'current');
  allowance.replaceList(['c.jpg'], 10_000);
  assert.is(allowance.allows('c.jpg', 10_000), 'current');
  assert.is(allowance.allows('a.jpg', 10_000), 'previous', 'a download started before the change still completes');
  assert.is(allowance.allows('a.jpg', 10_000 + GRACE - 1), 'previous');
  assert.is(allowance.allows('a.jpg', 10_000 + GRACE), false, 'the grace period ends');
  assert.is(allowance.allows('z.jpg', 10_001), false, 'never listed');
});

test('only the list just before is in grace, and a repeated list does not restart it', () => {
  const allowance = new PhotoAllowance(GRACE);
  allowance.replaceList(['a.jpg'], 0);
  allowance.replaceList(['b.jpg'], 1_000);
  allowance.replaceList(['c.jpg'], 2_000);
  assert.is(allowance.allows('b.jpg', 2_000), 'previous');
  assert.is(allowance.allows('a.jpg', 2_000), false, 'two lists back is not in grace');
  // The same photos written again (reordered, as a shuffle does) are no change: the grace of b is not extended, nor c dropped.
  allowance.replaceList(['c.jpg'], 30_000);
  assert.is(allowance.allows('b.jpg', 2_000 + GRACE), false);
  assert.is(allowance.allows('c.jpg', 90_000), 'current');
});

test('a deleted list (an empty one) leaves only the grace of the last', () => {
  const allowance = new PhotoAllowance(GRACE);
  allowance.replaceList(['a.jpg'], 0);
  allowance.replaceList([], 5_000);
  assert.is(allowance.allows('a.jpg', 5_001), 'previous');
  assert.is(allowance.allows('a.jpg', 5_000 + GRACE), false);
});

test('a client is known by its certificate: console, display, or refused with the reason', () => {
  assert.equal(identifyClient({ authorized: true, authorizationError: null, commonName: 'root' }), { kind: 'console' });
  assert.equal(identifyClient({ authorized: true, authorizationError: null, commonName: 'display-kitchen' }), { kind: 'display', id: 'kitchen' });
  const none = identifyClient({ authorized: false, authorizationError: 'UNABLE_TO_GET_ISSUER_CERT', commonName: null });
  assert.equal(none.kind === 'refused' && [none.status, /no client certificate/.test(none.message)], [401, true]);
  const stranger = identifyClient({ authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', commonName: 'display-kitchen' });
  assert.equal(stranger.kind === 'refused' && [stranger.status, /not from this installation's CA/.test(stranger.message)], [401, true]);
  const expired = identifyClient({ authorized: false, authorizationError: 'CERT_HAS_EXPIRED', commonName: 'display-kitchen' });
  assert.equal(expired.kind === 'refused' && [expired.status, /expired; renew it/.test(expired.message)], [401, true]);
  // Our own CA's server certificates can act as clients too; they are not displays.
  const etcdServer = identifyClient({ authorized: true, authorizationError: null, commonName: 'etcd' });
  assert.equal(etcdServer.kind === 'refused' && [etcdServer.status, /"etcd" is not a display/.test(etcdServer.message)], [403, true]);
  const hostile = identifyClient({ authorized: true, authorizationError: null, commonName: 'x\ny'.repeat(100) });
  assert.ok(hostile.kind === 'refused' && !hostile.message.includes('\n') && hostile.message.length < 200, 'a client-chosen name is made printable and short');
});

test('image_server: HTTPS form holds the URL and CA fingerprint, no token; the plain form keeps its token', () => {
  const fingerprint = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
  const secure = { url: 'https://console.example.org:8470', ca_sha256: fingerprint };
  assert.equal(decodeImageServer(encodeImageServer(secure)), { ok: true, value: secure });
  assert.not.ok(encodeImageServer(secure).includes('token'));
  assert.equal(decodeImageServer(JSON.stringify({ url: 'https://x:1', ca_sha256: fingerprint.toLowerCase() })), {
    ok: true,
    value: { url: 'https://x:1', ca_sha256: fingerprint },
  });
  const plain = { url: 'http://10.0.0.2:8470', token: '0123456789abcdef0123' };
  assert.equal(decodeImageServer(encodeImageServer(plain)), { ok: true, value: plain });
  assert.match((decodeImageServer(JSON.stringify({ url: 'https://x:1', ca_sha256: 'AB:CD' })) as { error: string }).error, /ca_sha256 must be a SHA-256 fingerprint/);
  assert.is(decodeImageServer(JSON.stringify({ url: 'https://x:1', token: 'short' })).ok, false);
});

test.run();
