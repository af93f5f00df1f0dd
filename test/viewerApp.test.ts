import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ViewerApp, type Timers, type ViewerPorts } from '../viewer/viewerApp.ts';
import { namesOf } from '../viewer/photoList.ts';
import { encodeImagesManifest } from '../common/protocol/codecs/imagesManifestCodec.ts';
import { encodeManifest, PackedNames } from '../common/protocol/packedNames.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { recordingScreen } from './helpers/recordingScreen.ts';

/** Timers a test fires by hand: the slideshow's decisions without waiting for a clock. */
function manualTimers() {
  const armed = new Map<number, { callback: () => void; delayMs: number }>();
  let next = 1;
  const timers: Timers = {
    set: (callback, delayMs) => {
      armed.set(next, { callback, delayMs });
      return next++;
    },
    clear: (handle) => armed.delete(handle as number),
  };
  const fire = () => {
    const first = [...armed][0];
    if (!first) return assert.unreachable('no timer is armed');
    const [handle, timer] = first;
    armed.delete(handle);
    timer.callback();
  };
  return { timers, armed, fire };
}

/**
 * ViewerApp's decisions with its outside world recorded: which photo is on
 * screen after each change. The real window, etcd and image server are in e2e.test.ts.
 */
function harness() {
  const recorder = recordingScreen();
  const { shown, drawn } = recorder;
  const remembered: [string, string | null][] = [];
  const commands: string[] = [];
  const clock = manualTimers();
  const ports: ViewerPorts = {
    screen: recorder.screen,
    fetchImage: recorder.fetchImage,
    prepareFrame: recorder.prepareFrame,
    remember: (key, value) => remembered.push([key, value]),
    reboot: () => commands.push('reboot'),
    restartScreen: async () => {
      commands.push('restart_screen');
    },
    answerNowShowing: (request, answer) => commands.push(`${request}=${JSON.stringify(answer)}`),
    now: () => new Date('2026-11-22T10:00:00.000Z'),
    timers: clock.timers,
  };
  const app = new ViewerApp('d1', ports);
  // These tests follow the list's order; shuffling has its own tests.
  app.apply({ key: '/d1:settings', value: '{"order":"sequence"}' }, false);
  remembered.length = 0;
  return { app, ports, shown, remembered, commands, drawn, clock };
}

test('a new list shows its first photo; next and back move through it', async () => {
  const { app, shown, drawn } = harness();
  let frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg","b.jpg","c.jpg"]' }, true);
  await frame;
  frame = drawn();
  app.apply({ key: '/d1:change_photo', value: '"next"' }, true);
  await frame;
  frame = drawn();
  app.apply({ key: '/d1:change_photo', value: '"back"' }, true);
  await frame;
  frame = drawn();
  app.apply({ key: '/d1:change_photo', value: '"back"' }, true);
  await frame;
  assert.equal(shown, ['a.jpg', 'b.jpg', 'a.jpg', 'c.jpg']);
  app.stop();
});

test('malformed values are ignored and not remembered; the screen keeps its photo', async () => {
  const { app, shown, remembered, drawn } = harness();
  const frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg","b.jpg"]' }, true);
  await frame;
  app.apply({ key: '/d1:images', value: '["a.jpg", 42' }, true);
  app.apply({ key: '/d1:images', value: '["../../etc/passwd"]' }, true);
  app.apply({ key: '/d1:settings', value: '[1]' }, true);
  app.apply({ key: '/d1:reboot', value: '{"when": "lat' }, true);
  app.apply({ key: '/d1:change_photo', value: '{"step":1}' }, true);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(shown, ['a.jpg']);
  assert.equal(namesOf(app.state.playlist.images), ['a.jpg', 'b.jpg']);
  assert.equal(remembered, [['/d1:images', '["a.jpg","b.jpg"]']]);
  app.stop();
});

test('a change_photo read at start-up is history, not a command', async () => {
  const { app, shown, drawn } = harness();
  const frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg","b.jpg"]' }, false);
  app.apply({ key: '/d1:change_photo', value: '"next"' }, false);
  await frame;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(shown, ['a.jpg']);
  app.stop();
});

test('power_state off blanks the screen; on brings the photo back; other displays are ignored', async () => {
  const { app, shown, drawn } = harness();
  let frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg"]' }, true);
  await frame;
  frame = drawn();
  app.apply({ key: '/d1:power_state', value: '"off"' }, true);
  await frame;
  app.apply({ key: '/d2:power_state', value: '"on"' }, true);
  frame = drawn();
  app.apply({ key: '/d1:power_state', value: '"on"' }, true);
  await frame;
  assert.equal(shown, ['a.jpg', '<black>', 'a.jpg']);
  app.stop();
});

test('a one-photo display whose fetch failed shows it once the image server is republished', async () => {
  const { app, shown, drawn } = harness();
  let serverUp = false;
  const failing = app as unknown as { ports: ViewerPorts };
  failing.ports.fetchImage = async (name) => {
    if (!serverUp) throw new Error('connect ECONNREFUSED 127.0.0.1:8470');
    return name;
  };
  app.apply({ key: '/d1:images', value: '["only.jpg"]' }, true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(shown, [], 'nothing to show while the server is down');
  serverUp = true;
  const frame = drawn();
  app.apply({ key: '/photoframe/image_server', value: '{"url":"http://127.0.0.1:8470","token":"0123456789abcdef"}' }, true);
  await frame;
  assert.equal(shown, ['only.jpg']);
  app.stop();
});

test('the original server\'s "forward", a heartbeat-style settings object, and "stop"', async () => {
  const { app, shown, drawn } = harness();
  let frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg", "b.jpg"]' }, true);
  await frame;
  frame = drawn();
  app.apply({ key: '/d1:change_photo', value: '"forward"' }, true);
  await frame;
  frame = drawn();
  app.apply(
    {
      key: '/d1:settings',
      value: '{"name": "Hall", "description": "", "orientation": "H", "interval_time": 30, "interval_units": "S", "variance_pct": 0, "use_halflife": 0, "brightness": "0.750", "contrast": "1.000", "saturation": "1.000", "log_level": "INFO", "order": "sequence"}',
    },
    true,
  );
  await frame;
  assert.is(app.state.settings.interval_time, 30);
  assert.is(app.state.settings.interval_units, 'seconds');
  assert.is(app.state.settings.brightness, 0.75);
  assert.is(app.state.settings.use_halflife, false);
  frame = drawn();
  app.apply({ key: '/d1:power_state', value: '"STOP"' }, true);
  await frame;
  assert.is(app.state.power, 'off');
  assert.equal(shown, ['a.jpg', 'b.jpg', 'b.jpg', '<black>'], 'the brightness change redraws, stop blanks');
  app.stop();
});

test('commands act once per live write: reboot, restart_screen, current_display; read at start they are history', async () => {
  const { app, commands, drawn } = harness();
  const frame = drawn();
  app.apply({ key: '/d1:album', value: '{"id":"al1","name":"Summer"}' }, false);
  app.apply({ key: '/d1:images', value: '["a.jpg"]' }, false);
  app.apply({ key: '/d1:reboot', value: '"now"' }, false);
  app.apply({ key: '/d1:current_display', value: '"old-request"' }, false);
  await frame;
  assert.equal(commands, []);
  app.apply({ key: '/d1:reboot', value: '"now"' }, true);
  app.apply({ key: '/d1:restart_screen', value: '"now"' }, true);
  app.apply({ key: '/d1:current_display', value: '"req-1"' }, true);
  app.apply({ key: '/d1:current_display', value: '"../escape"' }, true);
  assert.equal(commands, [
    'reboot',
    'restart_screen',
    'req-1={"display":"d1","image":"a.jpg","album":"Summer","shown_at":"2026-11-22T10:00:00.000Z","power":"on","paused":false}',
  ]);
  app.stop();
});

test('paused stops the slideshow timer and keeps the photo; resume plans the next change', async () => {
  const { app, shown, drawn, clock } = harness();
  app.apply({ key: '/d1:settings', value: '{"order":"sequence","interval_time":1,"interval_units":"seconds"}' }, true);
  let frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg", "b.jpg"]' }, true);
  await frame;
  assert.is(clock.armed.size, 1);
  app.apply({ key: '/d1:paused', value: 'true' }, true);
  assert.is(clock.armed.size, 0, 'no timer while paused');
  frame = drawn();
  app.apply({ key: '/d1:change_photo', value: '"forward"' }, true);
  await frame;
  assert.is(clock.armed.size, 0, 'a step while paused does not restart the slideshow');
  app.apply({ key: '/d1:paused', value: 'false' }, true);
  assert.equal([...clock.armed.values()].map((t) => t.delayMs), [1000]);
  frame = drawn();
  clock.fire();
  await frame;
  assert.equal(shown, ['a.jpg', 'b.jpg', 'a.jpg']);
  app.stop();
});

test('a one-photo list that grows and keeps its photo starts the slideshow', async () => {
  const { app, shown, drawn, clock } = harness();
  let frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg"]' }, true);
  await frame;
  assert.is(clock.armed.size, 0, 'nothing to change to');
  app.apply({ key: '/d1:images', value: '["a.jpg", "b.jpg"]' }, true);
  assert.is(clock.armed.size, 1);
  frame = drawn();
  clock.fire();
  await frame;
  assert.equal(shown, ['a.jpg', 'b.jpg']);
  app.apply({ key: '/d1:images', value: '["b.jpg"]' }, true);
  assert.is(clock.armed.size, 0, 'down to one photo: the timer goes');
  app.stop();
});

test('"what is on screen" names the photo drawn, not one still being fetched', async () => {
  const { app, ports, commands, drawn } = harness();
  const frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg", "b.jpg"]' }, true);
  await frame;
  let release: () => void = () => {};
  ports.fetchImage = (name) => new Promise((resolve) => (release = () => resolve(name)));
  app.apply({ key: '/d1:change_photo', value: '"forward"' }, true);
  app.apply({ key: '/d1:current_display', value: '"req-2"' }, true);
  assert.match(commands[0]!, /^req-2=\{"display":"d1","image":"a.jpg"/);
  release();
  app.stop();
});

test('a download that finishes after newer states were set does not keep the final state off the screen', async () => {
  const { app, ports, shown, drawn } = harness();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // b's download is slow and every decode takes a while: b's fetch ends while c waits to be decoded.
  ports.fetchImage = async (name) => {
    if (name === 'b.jpg') await sleep(100);
    return name;
  };
  const decode = ports.prepareFrame;
  ports.prepareFrame = async (file, size, settings) => {
    await sleep(200);
    return decode(file, size, settings);
  };
  const frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg", "b.jpg", "c.jpg"]' }, true);
  await sleep(10);
  app.apply({ key: '/d1:change_photo', value: '"forward"' }, true);
  await sleep(10);
  app.apply({ key: '/d1:change_photo', value: '"forward"' }, true);
  await frame;
  await sleep(500);
  assert.equal(shown.at(-1), 'c.jpg', `drawn: ${shown.join(', ')}`);
  assert.not.ok(shown.includes('b.jpg'), 'the superseded state is never drawn');
  app.stop();
});

test('a photo that could not be shown is not where back returns to', async () => {
  const { app, ports, shown, drawn, clock } = harness();
  ports.fetchImage = async (name) => {
    if (name === 'b.jpg') throw new Error('HTTP 404');
    return name;
  };
  let frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg", "b.jpg", "c.jpg"]' }, true);
  await frame;
  app.apply({ key: '/d1:change_photo', value: '"forward"' }, true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  frame = drawn();
  clock.fire();
  await frame;
  frame = drawn();
  app.apply({ key: '/d1:change_photo', value: '"back"' }, true);
  await frame;
  assert.equal(shown, ['a.jpg', 'c.jpg', 'a.jpg']);
  app.stop();
});

test('adding photos to the list keeps the photo on screen without a redraw', async () => {
  const { app, shown, drawn } = harness();
  const frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg", "b.jpg"]' }, true);
  await frame;
  app.apply({ key: '/d1:images', value: '["a.jpg", "b.jpg", "c.jpg"]' }, true);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(shown, ['a.jpg']);
  assert.equal(namesOf(app.state.playlist.images), ['a.jpg', 'b.jpg', 'c.jpg']);
  app.stop();
});


test('a repaint draws the photo on screen again from its file, keeping its timer and "since"; a newer state wins over it', async () => {
  const { app, shown, drawn, clock } = harness();
  let frame = drawn();
  app.apply({ key: '/d1:settings', value: '{"order":"sequence","interval_time":10,"interval_units":"seconds"}' }, true);
  app.apply({ key: '/d1:images', value: '["a.jpg","b.jpg"]' }, true);
  await frame;
  const timersBefore = [...clock.armed.keys()];
  const since = app.nowShowing().shown_at;
  frame = drawn();
  app.redraw();
  await frame;
  assert.equal(shown, ['a.jpg', 'a.jpg']);
  assert.equal([...clock.armed.keys()], timersBefore, 'the slideshow timer is the same one');
  assert.is(app.nowShowing().shown_at, since);
  // A repaint asked for just before a change: only the change is drawn.
  frame = drawn();
  app.redraw();
  app.apply({ key: '/d1:change_photo', value: '"next"' }, true);
  await frame;
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(shown, ['a.jpg', 'a.jpg', 'b.jpg']);
  app.stop();
});

test('changes that arrive in separate callbacks of one event-loop turn fetch and draw only the last state', async () => {
  const { app, ports, shown, drawn } = harness();
  const fetched: string[] = [];
  const fetchImage = ports.fetchImage;
  ports.fetchImage = (name, size, server, progress) => {
    fetched.push(name);
    return fetchImage(name, size, server, progress);
  };
  let frame = drawn();
  app.apply({ key: '/d1:images', value: '["a.jpg","b.jpg","c.jpg"]' }, true);
  await frame;
  fetched.length = 0;
  // As a burst of watch messages reaches the app: one callback each, all queued before any of them runs.
  frame = drawn();
  await new Promise<void>((resolve) => {
    for (let i = 0; i < 100; i++) setImmediate(() => app.apply({ key: '/d1:change_photo', value: '"next"' }, true));
    setImmediate(() => app.apply({ key: '/d1:images', value: '["z.jpg"]' }, true));
    setImmediate(resolve);
  });
  await frame;
  assert.equal(fetched, ['z.jpg']);
  assert.equal(shown.slice(1), ['z.jpg']);
  app.stop();
});

test('a repaint asked for while a new photo waits its turn to be decoded never displaces it', async () => {
  const { app, ports, shown, drawn, clock } = harness();
  // The frame ahead of b.jpg takes as long as the test says (a Pi decoding a photo while the next state arrives).
  let releaseB: () => void = () => {};
  const prepare = ports.prepareFrame;
  ports.prepareFrame = async (file, size, settings) => {
    if (file === 'b.jpg') await new Promise<void>((resolve) => (releaseB = resolve));
    return prepare(file, size, settings);
  };
  let frame = drawn();
  app.apply({ key: '/d1:settings', value: '{"order":"sequence","interval_time":10,"interval_units":"seconds"}' }, true);
  app.apply({ key: '/d1:images', value: '["a.jpg","b.jpg"]' }, true);
  await frame;
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
  // The frame ahead of b.jpg starts 50 ms after a.jpg is drawn.
  await new Promise((resolve) => setTimeout(resolve, 80));
  frame = drawn();
  app.apply({ key: '/d1:images', value: '["c.jpg","d.jpg"]' }, true);
  await tick();
  app.redraw();
  await tick();
  releaseB();
  await frame;
  await tick();
  assert.equal(shown, ['a.jpg', 'c.jpg']);
  assert.is(app.nowShowing().image, 'c.jpg');
  assert.is(clock.armed.size, 1, 'the slideshow goes on');
  app.stop();
});


test('a manifest is loaded through its port, the sample in images is never shown, and one that needs a server loads once a server is announced', async () => {
  const { app, ports, shown, drawn } = harness();
  const { body, ref } = encodeManifest(['m1.jpg', 'm2.jpg', 'm3.jpg']);
  const asked: (string | null)[] = [];
  ports.loadManifest = async (wanted, server) => {
    asked.push(server?.url ?? null);
    if (!server) throw new Error('not cached here and no image server is known yet');
    const list = PackedNames.fromManifest(body, wanted);
    if (!list.ok) throw new Error(list.error);
    return list.value;
  };
  app.apply({ key: '/d1:images_manifest', value: encodeImagesManifest(ref) }, true);
  app.apply({ key: '/d1:images', value: '["sample.jpg"]' }, true);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(shown, [], 'the sample for original viewers is not shown');
  assert.equal(asked, [null]);
  const frame = drawn();
  app.apply({ key: IMAGE_SERVER_KEY, value: JSON.stringify({ url: 'http://127.0.0.1:1', token: 'a-token-of-16-chars' }) }, true);
  await frame;
  assert.equal(shown, ['m1.jpg']);
  assert.equal(asked, [null, 'http://127.0.0.1:1']);
  assert.is(app.state.playlist.images.length, 3);
  app.stop();
});


test('the stuck detector counts a fetch as progress only while it receives bytes: one silent for the stall bound is stalled', async () => {
  const { ports } = harness();
  let clockMs = Date.parse('2026-11-22T10:00:00.000Z');
  const problems: string[] = [];
  let progress: () => void = () => {};
  // Every fetch hangs, as a dead connection or a wedged decode check leaves it; `progress` is its bytes arriving.
  const app = new ViewerApp('d1', {
    ...ports,
    now: () => new Date(clockMs),
    fetchStallMs: 2000,
    fetchImage: (_name, _size, _server, onBytes) => ((progress = onBytes), new Promise<string>(() => {})),
    stuck: (problem) => problems.push(problem),
  });
  app.apply({ key: '/d1:settings', value: '{"order":"sequence","interval_time":1,"interval_units":"seconds"}' }, false);
  app.apply({ key: '/d1:images', value: '["a.jpg","b.jpg"]' }, true);
  // The detector looks every second of real time (half the interval, at least 1 s).
  const nextCheck = () => new Promise((resolve) => setTimeout(resolve, 1100));
  await new Promise((resolve) => setImmediate(resolve));
  // Ten seconds on, bytes arriving just now: a slow download, not a stuck one.
  clockMs += 10_000;
  progress();
  await nextCheck();
  assert.equal(problems, []);
  // Ten more seconds without a byte: stalled, and the slideshow with it.
  clockMs += 10_000;
  await nextCheck();
  assert.is(problems.length, 1);
  assert.match(problems[0]!, /no photo has changed for \d+ s, more than 3× the interval of 1 s/);
  app.stop();
});

test.run();
