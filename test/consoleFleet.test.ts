import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { announceKey, statusKey } from '../common/protocol/systemKeys.ts';
import type { ConsoleServices } from '../console/tui/app/consoleServices.ts';
import { tempDir } from './helpers/fixtures.ts';
import { KEY, openServices, openSession, type TestSession } from './helpers/consoleHarness.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

interface Context {
  etcd: TestEtcd;
  services: ConsoleServices;
  session: TestSession;
}

const fleet = suite<Context>('console: a fleet writing its status keys');
const DISPLAYS = 200;
const ids = Array.from({ length: DISPLAYS }, (_, i) => `c0ffee00-0000-4000-8000-${String(i).padStart(12, '0')}`);

fleet.before(async (context) => {
  context.etcd = await startTestEtcd();
  for (let i = 0; i < ids.length; i += 100) {
    await context.etcd.client.kv.txn({
      success: ids.slice(i, i + 100).map((id, j) => ({
        request_put: { key: Buffer.from(announceKey(id)), value: Buffer.from(encodeAnnouncement({ id, hostname: `pi-${i + j}`, version: '0.1.0', screen: null, started_at: new Date().toISOString() })) },
      })),
    });
  }
  context.services = await openServices(context.etcd.client, await tempDir('photoframe-console-fleet-'));
  context.session = openSession(context.services);
});

fleet.after(async (context) => {
  context.session?.app.close();
  await context.services?.close();
  await context.etcd?.stop();
});

fleet('status writes from every display, in bursts, end on the screen; a key acts on rows as etcd has them', async ({ etcd, session }) => {
  await session.waitFor(`Displays (${DISPLAYS})`);
  const status = (i: number, round: number) =>
    JSON.stringify({ image: `${i}-${round}.jpg`, shown_at: new Date().toISOString(), applied_revision: null, applied: {}, free_bytes: null, power: 'on', paused: false, updated_at: new Date().toISOString() });
  // Three rounds of every display's status, in a few transactions: redraws are held back (refreshPacer.ts), the last round wins.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < ids.length; i += 50) {
      await etcd.client.kv.txn({ success: ids.slice(i, i + 50).map((id, j) => ({ request_put: { key: Buffer.from(statusKey(id)), value: Buffer.from(status(i + j, round)) } })) });
    }
  }
  await session.waitFor(/pi-0\s.*\s0-2\.jpg/);
  // One more write, then at once a key: the filter's rows come from what etcd holds now, the write included.
  await etcd.client.put(statusKey(ids[199]!)).value(status(199, 3));
  session.keys('/');
  session.type('pi-199');
  session.keys(KEY.enter);
  await session.waitFor(/pi-199\s.*\s199-3\.jpg/);
  assert.match(session.text(), /Displays \(200\) \/pi-199/);
});

fleet.run();
