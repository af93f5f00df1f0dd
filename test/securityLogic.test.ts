import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveGlobalConfig } from '../common/config.ts';
import { displayIdOfUser, displayUserName } from '../common/enrollment/displayIdentity.ts';
import { formatEnrollmentEnv, parseEnrollmentEnv } from '../common/enrollment/enrollmentEnv.ts';
import { assessEtcdVersion, rbacWarning } from '../common/etcd/etcdVersionRisks.ts';

const logic = suite('security logic');

logic('etcd versions with known RBAC bypasses are named, fixed ones are not', () => {
  const bookworm = assessEtcdVersion('3.4.23');
  assert.is(bookworm.risks.length, 5);
  assert.match(rbacWarning(bookworm) ?? '', /etcd 3\.4\.23 has 5 known RBAC bypasses/);
  // 3.4 never got the watch fix, so even its last release is flagged.
  assert.is(assessEtcdVersion('3.4.45').risks.length, 1);
  assert.is(assessEtcdVersion('3.5.16').risks.length, 4);
  assert.is(assessEtcdVersion('3.5.30').risks.length, 1);
  assert.is(assessEtcdVersion('3.5.33').risks.length, 0);
  assert.is(assessEtcdVersion('3.6.13').risks.length, 1);
  assert.is(assessEtcdVersion('3.6.14').risks.length, 0);
  assert.is(assessEtcdVersion('3.7.1').risks.length, 0);
  assert.is(rbacWarning(assessEtcdVersion('3.6.14')), null);
  const unknown = assessEtcdVersion('not a version');
  assert.ok(unknown.unknown);
  assert.is(rbacWarning(unknown), null);
});

logic('a display certificate name maps to its id and nothing else does', () => {
  assert.is(displayUserName('kitchen-1'), 'display-kitchen-1');
  assert.is(displayIdOfUser('display-kitchen-1'), 'kitchen-1');
  assert.is(displayIdOfUser('root'), null);
  assert.is(displayIdOfUser('display-'), null);
});

logic('photoframe.env round-trips names with quotes, dollars and spaces', () => {
  const text = formatEnrollmentEnv({ id: 'abc', name: 'Joe\'s "Kitchen" $HOME `x`', etcd: ['https://a:2379', 'https://b:2379'], imageServer: 'https://a:8470' });
  const parsed = parseEnrollmentEnv(text, 'photoframe.env');
  assert.equal(parsed, {
    PHOTOFRAME_ID: 'abc',
    PHOTOFRAME_NAME: 'Joe\'s "Kitchen" $HOME `x`',
    PHOTOFRAME_ETCD: 'https://a:2379,https://b:2379',
    PHOTOFRAME_IMAGE_SERVER: 'https://a:8470',
  });
  assert.throws(() => parseEnrollmentEnv('JUST TEXT\n', 'f'), /f line 1 is not KEY=value/);
  assert.throws(() => formatEnrollmentEnv({ id: 'a', name: 'two\nlines', etcd: [], imageServer: null }), /cannot span lines/);
});

logic('etcd is TLS by default with the console identity; http:// is plain; mixing is refused', () => {
  const home = '/nonexistent/photoframe-home';
  const secure = resolveGlobalConfig({ home }, {});
  assert.equal(secure.etcd.endpoints, ['https://127.0.0.1:2379']);
  assert.equal(secure.etcd.tls, { ca: `${home}/pki/ca.crt`, cert: `${home}/pki/console.crt`, key: `${home}/pki/console.key` });
  const plain = resolveGlobalConfig({ home, etcd: 'http://127.0.0.1:2379' }, {});
  assert.is(plain.etcd.tls, null);
  const fromEnv = resolveGlobalConfig({ home, etcdCert: '/x/me.crt' }, { PHOTOFRAME_ETCD_KEY: '/x/me.key', PHOTOFRAME_ETCD_CA: '/x/ca.crt' });
  assert.equal(fromEnv.etcd.tls, { ca: '/x/ca.crt', cert: '/x/me.crt', key: '/x/me.key' });
  assert.throws(() => resolveGlobalConfig({ home, etcd: 'http://a:1,https://b:2' }, {}), /mixes http:\/\/ and https:\/\//);
});

logic.run();
