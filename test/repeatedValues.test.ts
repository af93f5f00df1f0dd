import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { openDisplayFeed, type FeedChange } from '../viewer/displayFeed.ts';
import { ViewerApp, type Timers } from '../viewer/viewerApp.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';
import { recordingScreen } from './helpers/recordingScreen.ts';

/**
 * A value etcd holds twice in a row (a put the console's client sent again
 * after etcd had applied it, during an election) reaches a viewer as two
 * events. The real viewer model, fed by the real feed from a real etcd,
 * takes the second as no change: the same photo stays, nothing is redrawn,
 * and the slideshow's timer is not started again.
 */
const repeated = suite<{ etcd: TestEtcd }>('repeated values');

repeated.before(async (context) => {
  context.etcd = await startTestEtcd();
});
repeated.after(async (context) => {
  await context.etcd?.stop();
});

repeated('the same list, settings, album and power written twice: the playlist keeps its place, no redraw, the timer runs on', async ({ etcd }) => {
  const { client } = etcd;
  const id = 'twice';
  const recorder = recordingScreen();
  const { shown, drawn } = recorder;
  // The slideshow's timers, recorded: a restarted slideshow clears and arms its timer again.
  const timerCalls: string[] = [];
  let handles = 0;
  const timers: Timers = {
    set: (_callback, delayMs) => (timerCalls.push(`set ${delayMs}`), ++handles),
    clear: (handle) => void timerCalls.push(`clear ${String(handle)}`),
  };
  const app = new ViewerApp(id, {
    screen: recorder.screen,
    fetchImage: recorder.fetchImage,
    prepareFrame: recorder.prepareFrame,
    remember: () => {},
    reboot: () => {},
    restartScreen: async () => {},
    answerNowShowing: () => {},
    timers,
  });
  const heard: FeedChange[] = [];
  const feed = await openDisplayFeed(client, id, {
    snapshot: (changes) => changes.forEach((change) => app.apply(change, false)),
    change: (change) => {
      heard.push(change);
      app.apply(change, true);
    },
    broken: (error) => assert.unreachable(error.message),
  });
  // Every event before the marker has been applied once the marker has: a watch delivers in revision order.
  const marker = async (n: number) => {
    // A topic no viewer knows: logged and ignored.
    await client.put(`/${id}:test_marker`).value(`"${n}"`);
    while (!heard.some((change) => change.key === `/${id}:test_marker` && change.value === `"${n}"`)) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  const writeTwice = async (topic: string, value: string) => {
    await client.put(`/${id}:${topic}`).value(value);
    await client.put(`/${id}:${topic}`).value(value);
  };
  try {
    const settings = '{"order": "sequence", "interval_time": 30, "interval_units": "seconds"}';
    const list = '["a.jpg", "b.jpg", "c.jpg"]';
    await client.put(displayKey(id, 'settings')).value(settings);
    await client.put(displayKey(id, 'power_state')).value('"on"');
    let frame = drawn();
    await client.put(displayKey(id, 'images')).value(list);
    await frame;
    frame = drawn();
    await client.put(displayKey(id, 'change_photo')).value('"forward"');
    await frame;
    await marker(1);
    assert.equal(shown, ['a.jpg', 'b.jpg']);
    const place = app.state.playlist;
    const since = app.nowShowing().shown_at;
    timerCalls.length = 0;

    await writeTwice('images', list);
    await writeTwice('settings', settings);
    await writeTwice('album', '{"id": "x", "name": "X"}');
    await writeTwice('power_state', '"on"');
    await writeTwice('paused', 'false');
    await marker(2);

    assert.ok(heard.filter((change) => change.key.endsWith(':images')).length >= 3, 'the repeated list reached the viewer');
    assert.equal(shown, ['a.jpg', 'b.jpg'], 'nothing drawn again');
    assert.is(app.nowShowing().image, 'b.jpg');
    assert.is(app.nowShowing().shown_at, since);
    assert.is(app.state.playlist.cursor, place.cursor, 'the playlist keeps its place');
    assert.equal(timerCalls, [], 'the slideshow timer was neither cleared nor armed again');
    // And it is still a slideshow: next moves on from where it was.
    frame = drawn();
    await client.put(displayKey(id, 'change_photo')).value('"forward"');
    await frame;
    assert.equal(shown, ['a.jpg', 'b.jpg', 'c.jpg']);
  } finally {
    app.stop();
    await feed.close();
  }
});

repeated.run();
