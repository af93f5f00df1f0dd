import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { announceKey, statusKey } from '../common/protocol/systemKeys.ts';
import type { ConsoleServices } from '../console/tui/app/consoleServices.ts';
import type { View } from '../console/tui/app/view.ts';
import { tempDir } from './helpers/fixtures.ts';
import { KEY, openServices, openSession, type TestSession } from './helpers/consoleHarness.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

interface Context {
  etcd: TestEtcd;
  services: ConsoleServices;
  session: TestSession;
  /** Display ids the rows drawn asked their details of (each drawn row asks its certificate's days). */
  asked: Set<string>;
}

/**
 * The displays view with 1,000 displays: it keeps them all (count, order,
 * filter, selection) but builds only the rows on screen, and a change to a
 * display scrolled off builds nothing.
 */
const window = suite<Context>('console: the displays view of 1,000 draws only what is on screen');
const DISPLAYS = 1000;
const ids = Array.from({ length: DISPLAYS }, (_, i) => `c0ffee01-0000-4000-8000-${String(i).padStart(12, '0')}`);
/** The session is 100×30: its table has 24 rows (pi-0, pi-1, pi-10, pi-100 … in name order). */
const ROWS_ON_SCREEN = 24;
const status = (image: string) =>
  JSON.stringify({ image, shown_at: new Date().toISOString(), applied_revision: null, applied: {}, free_bytes: null, power: 'on', paused: false, updated_at: new Date().toISOString() });

async function putStatuses(etcd: TestEtcd, which: number[], image: (i: number) => string): Promise<void> {
  for (let i = 0; i < which.length; i += 100) {
    await etcd.client.kv.txn({ success: which.slice(i, i + 100).map((n) => ({ request_put: { key: Buffer.from(statusKey(ids[n]!)), value: Buffer.from(status(image(n))) } })) });
  }
}

/** Until the console's etcd feed holds these statuses (the feed, not the screen: a change off screen shows nothing). */
async function fed(services: ConsoleServices, which: number[], image: (i: number) => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!which.every((n) => services.etcd.keys.get(ids[n]!)?.status?.image === image(n))) {
    if (Date.now() > deadline) throw new Error('the console never heard the status writes');
    await sleep(20);
  }
}

/** Names whose row is on screen now. */
function namesOnScreen(text: string): Set<string> {
  return new Set([...text.matchAll(/│(pi-\d+)\s/g)].map((m) => m[1]!));
}

window.before(async (context) => {
  context.etcd = await startTestEtcd();
  for (let i = 0; i < ids.length; i += 100) {
    await context.etcd.client.kv.txn({
      success: ids.slice(i, i + 100).map((id, j) => ({
        request_put: { key: Buffer.from(announceKey(id)), value: Buffer.from(encodeAnnouncement({ id, hostname: `pi-${i + j}`, version: '0.1.0', screen: null, started_at: new Date().toISOString() })) },
      })),
    });
  }
  context.services = await openServices(context.etcd.client, await tempDir('photoframe-console-window-'));
  context.asked = new Set();
  const certificates = context.services.certificates;
  const daysLeft = certificates.daysLeft.bind(certificates);
  certificates.daysLeft = (id) => {
    context.asked.add(id);
    return daysLeft(id);
  };
  context.session = openSession(context.services);
});

window.after(async (context) => {
  context.session?.app.close();
  await context.services?.close();
  await context.etcd?.stop();
});

window('every display has a status, yet only the rows on screen are built; G scrolls to the last display and selects it', async ({ etcd, services, session, asked }) => {
  await session.waitFor(`Displays (${DISPLAYS})`);
  const all = ids.map((_, i) => i);
  asked.clear();
  // Every redraw while the statuses arrive (paced ones, the second's tick) builds rows on screen only.
  await putStatuses(etcd, all, (i) => `${i}-a.jpg`);
  await fed(services, all, (i) => `${i}-a.jpg`);
  // A redraw after every status arrived: the first row shows its photo.
  await session.waitFor(/│pi-0\s.*\s0-a\.jpg/);
  const text = session.text();
  const shown = namesOnScreen(text);
  assert.is(shown.size, ROWS_ON_SCREEN, text);
  assert.ok(asked.size > 0 && asked.size <= ROWS_ON_SCREEN, `${asked.size} displays' rows built for ${ROWS_ON_SCREEN} on screen`);
  for (const id of asked) assert.ok(shown.has(`pi-${ids.indexOf(id)}`), `pi-${ids.indexOf(id)} was built but is not on screen`);

  session.keys('G');
  await session.waitFor(/│pi-999\s.*\s999-a\.jpg/);
  assert.not.ok(namesOnScreen(session.text()).has('pi-0'), 'scrolled away from the top');
  assert.match(session.text(), /Displays \(1000\)/);
  session.keys(KEY.enter);
  await session.waitFor('Display pi-999');
  session.keys(KEY.escape);
  await session.waitFor(`Displays (${DISPLAYS})`);
  session.keys('g');
  await session.waitFor(/│pi-0\s/);
});

window('a status change of a display off screen builds no row; one on screen builds only the rows on screen', async ({ etcd, services, session, asked }) => {
  await session.waitFor(/│pi-0\s/);
  const displays = (session.app as unknown as { roots: View[] }).roots[0]!;
  assert.is(displays.title, 'Displays');
  // Another view on top: nothing but this test asks the displays view to redraw.
  session.keys('2');
  await session.waitFor(/Albums/);
  const offScreen = Array.from({ length: 100 }, (_, i) => 500 + i);
  await putStatuses(etcd, offScreen, (i) => `${i}-b.jpg`);
  await fed(services, offScreen, (i) => `${i}-b.jpg`);
  asked.clear();
  assert.is(displays.refreshLive!(), false, 'nothing it shows changed');
  assert.is(asked.size, 0, 'no row was built');

  await putStatuses(etcd, [0], () => '0-c.jpg');
  await fed(services, [0], () => '0-c.jpg');
  assert.is(displays.refreshLive!(), true);
  assert.ok(asked.has(ids[0]!) && asked.size <= ROWS_ON_SCREEN, `${asked.size} rows built`);
  session.keys('1');
  await session.waitFor(/│pi-0\s.*\s0-c\.jpg/);
});

window('/ filters the 1,000 as typed, counts stay, and the selection follows the rows', async ({ session }) => {
  await session.waitFor(/│pi-0\s/);
  session.keys('/');
  session.type('pi-99');
  await session.waitFor(/Displays \(1000\) \/pi-99/);
  assert.equal([...namesOnScreen(session.text())].sort(), ['pi-99', 'pi-990', 'pi-991', 'pi-992', 'pi-993', 'pi-994', 'pi-995', 'pi-996', 'pi-997', 'pi-998', 'pi-999']);
  session.keys(KEY.backspace);
  await session.waitFor(/Displays \(1000\) \/pi-9(?!9)/);
  // The selection stays on the display it was on (pi-99, the first that matched), scrolled into view among more rows.
  const wider = namesOnScreen(session.text());
  assert.ok(wider.has('pi-99') && wider.has('pi-969') && wider.size === ROWS_ON_SCREEN, `a shorter filter lets more through again; the screen shows:\n${session.text()}`);
  session.keys(KEY.enter, 'G', KEY.enter);
  await session.waitFor('Display pi-999');
  session.keys(KEY.escape);
  await session.waitFor(/Displays \(1000\) \/pi-9/);
  session.keys(KEY.escape);
  await session.waitFor(/Displays \(1000\)\s/);
});

window.run();
