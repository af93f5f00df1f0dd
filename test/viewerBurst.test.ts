import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareFrame, type Frame } from '../viewer/framePreparer.ts';
import { ViewerApp } from '../viewer/viewerApp.ts';
import { colourNear, grainyJpeg, tempDir, type Rgb } from './helpers/fixtures.ts';

const SCREEN = { width: 640, height: 480 };

const RED: Rgb = [220, 30, 30];
const GREEN: Rgb = [30, 200, 40];
const BLUE: Rgb = [30, 40, 220];

/**
 * A ViewerApp on red, green and blue photos decoded for real by sharp, with
 * the frames it shows recorded; `prepare` wraps the real frame preparation.
 */
async function appOnPhotos(prepare: (file: string, next: () => Promise<Frame>) => Promise<Frame>) {
  const dir = await tempDir();
  for (const [name, colour] of [['red.jpg', RED], ['green.jpg', GREEN], ['blue.jpg', BLUE]] as const) {
    await (await grainyJpeg(640, 480, colour)).toFile(join(dir, name));
  }
  const shown: Frame[] = [];
  let settle: () => void = () => {};
  const app = new ViewerApp('d1', {
    screen: { size: SCREEN, show: (frame) => (shown.push(frame), settle()), clear: () => {} },
    fetchImage: async (name) => join(dir, name),
    prepareFrame: (file, size, settings) => prepare(file.slice(dir.length + 1), () => prepareFrame(file, size, settings)),
    remember: () => {},
    reboot: () => {},
    restartScreen: async () => {},
    answerNowShowing: () => {},
  });
  const drawn = () => new Promise<void>((resolve) => (settle = resolve));
  const lastShows = (colour: Rgb) => {
    const last = shown.at(-1)!;
    return colourNear([last.data[0]!, last.data[1]!, last.data[2]!], colour);
  };
  return { app, drawn, lastShows };
}

test('a burst of 1,000 settings and change_photo writes decodes only the frame in flight and the final state', async () => {
  let prepared = 0;
  let inFlight = 0;
  let mostInFlight = 0;
  const { app, drawn, lastShows } = await appOnPhotos(async (_name, next) => {
    prepared++;
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    try {
      return await next();
    } finally {
      inFlight--;
    }
  });
  let frame = drawn();
  app.apply({ key: '/d1:settings', value: '{"order":"sequence","interval_time":1,"interval_units":"days"}' }, true);
  app.apply({ key: '/d1:images', value: '["red.jpg","green.jpg"]' }, true);
  await frame;
  prepared = 0;
  for (let i = 0; i < 1000; i++) {
    if (i % 2 === 0) {
      app.apply({ key: '/d1:settings', value: JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days', brightness: 0.5 + (i % 100) / 100 }) }, true);
    } else {
      app.apply({ key: '/d1:change_photo', value: '"next"' }, true);
    }
  }
  app.apply({ key: '/d1:settings', value: '{"order":"sequence","interval_time":1,"interval_units":"days"}' }, true);
  frame = drawn();
  app.apply({ key: '/d1:images', value: '["blue.jpg"]' }, true);
  // Whatever was in flight may land first; the final state lands within the next frame.
  while (true) {
    await frame;
    if (lastShows(BLUE)) break;
    frame = drawn();
  }
  app.stop();
  assert.ok(prepared <= 3, `${prepared} frames decoded for 1,002 writes`);
  assert.is(mostInFlight, 1, 'one frame decoded at a time');
});

test('the photo expected next is decoded while the current one is on screen, and a change to it decodes nothing more', async () => {
  const decoded: string[] = [];
  let aheadDone: () => void = () => {};
  const { app, drawn, lastShows } = await appOnPhotos(async (name, next) => {
    const frame = await next();
    decoded.push(name);
    if (decoded.length === 2) aheadDone();
    return frame;
  });
  const ahead = new Promise<void>((resolve) => (aheadDone = resolve));
  let frame = drawn();
  app.apply({ key: '/d1:settings', value: '{"order":"sequence","interval_time":1,"interval_units":"days"}' }, true);
  app.apply({ key: '/d1:images', value: '["red.jpg","green.jpg","blue.jpg"]' }, true);
  await frame;
  await ahead;
  assert.equal(decoded, ['red.jpg', 'green.jpg'], 'green decoded ahead while red is on screen');
  frame = drawn();
  app.apply({ key: '/d1:change_photo', value: '"next"' }, true);
  await frame;
  assert.ok(lastShows(GREEN), 'green on screen');
  assert.is(decoded.filter((name) => name === 'green.jpg').length, 1, 'green was not decoded again');
  app.stop();
});

test.run();
