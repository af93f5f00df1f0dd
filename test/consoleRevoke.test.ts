import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import type { ConsoleServices } from '../console/tui/app/consoleServices.ts';
import { enrollDisplay } from '../console/security/enrollment.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { KEY, openServices, openSession, type TestSession } from './helpers/consoleHarness.ts';
import { startSecureTestEtcd, type SecureTestEtcd } from './helpers/secureTestEtcd.ts';

interface Context {
  etcd: SecureTestEtcd;
  services: ConsoleServices;
  session: TestSession;
  id: string;
}

const tui = suite<Context>('console: certificates and revocation');

tui.before(async (context) => {
  context.etcd = await startSecureTestEtcd();
  const store = new LibraryStore(join(context.etcd.home, 'library.json'));
  context.id = (await enrollDisplay(context.etcd.admin, store, context.etcd.home, { name: 'Porch', etcdEndpoints: [context.etcd.endpoint] })).id;
  context.services = await openServices(context.etcd.admin, context.etcd.home);
  context.session = openSession(context.services, 'test', { columns: 120, rows: 30 });
});
tui.after(async (context) => {
  context.session?.app.close();
  await context.services?.close();
  await context.etcd?.stop();
});

tui('the displays list shows the days left on each certificate', async ({ session }) => {
  const screen = await session.waitFor('Porch');
  assert.match(screen, /CERT/);
  assert.match(screen, /364d/);
});

tui('X revokes the selected display only after confirming, and the user is gone from etcd', async ({ etcd, session, services, id }) => {
  session.keys('X');
  let screen = await session.waitFor('Revoke display "Porch"');
  assert.match(screen, /Cancel/);
  session.keys(KEY.enter);
  await session.waitFor('nothing revoked');
  assert.ok((await etcd.admin.getUsers()).some((user) => user.name === `display-${id}`), 'Cancel keeps the display');
  session.keys('X');
  await session.waitFor('Revoke display "Porch"');
  session.keys(KEY.tab, KEY.enter);
  screen = await session.waitFor('display "Porch" revoked');
  assert.not.ok((await etcd.admin.getUsers()).some((user) => user.name === `display-${id}`));
  assert.not.ok(services.hub.library.displays.some((display) => display.id === id));
});

tui.run();
