import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareFrame, type Frame } from '../viewer/framePreparer.ts';
import { ViewerApp } from '../viewer/viewerApp.ts';
import { colourNear, tempDir, type Rgb } from './helpers/fixtures.ts';

const SCREEN = { width: 640, height: 480 };

/** A grainy photo of one colour, decoded for real by sharp. */
async function grainyPhoto(dir: string, name: string, colour: Rgb): Promise<void> {
  const pixels = Buffer.alloc(640 * 480 * 3);
  for (let i = 0, seed = 11; i < pixels.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    pixels[i] = Math.max(0, Math.min(255, colour[i % 3]! + ((seed >> 16) % 17) - 8));
  }
  await sharp(pixels, { raw: { width: 640, height: 480, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(dir, name));
}

test('a burst of 1,000 settings and change_photo writes decodes only the frame in flight and the final state', async () => {
  const dir = await tempDir();
  await grainyPhoto(dir, 'red.jpg', [220, 30, 30]);
  await grainyPhoto(dir, 'green.jpg', [30, 200, 40]);
  await grainyPhoto(dir, 'blue.jpg', [30, 40, 220]);
  let prepared = 0;
  let inFlight = 0;
  let mostInFlight = 0;
  const shown: Frame[] = [];
  let settle: () => void = () => {};
  const app = new ViewerApp('d1', {
    screen: { size: SCREEN, show: (frame) => (shown.push(frame), settle()), clear: () => {} },
    fetchImage: async (name) => join(dir, name),
    prepareFrame: async (file, size, settings) => {
      prepared++;
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await prepareFrame(file, size, settings);
      } finally {
        inFlight--;
      }
    },
    remember: () => {},
    reboot: () => {},
    restartScreen: async () => {},
    answerNowShowing: () => {},
  });
  const drawn = () => new Promise<void>((resolve) => (settle = resolve));
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
    const last = shown.at(-1)!;
    if (colourNear([last.data[0]!, last.data[1]!, last.data[2]!], [30, 40, 220])) break;
    frame = drawn();
  }
  app.stop();
  assert.ok(prepared <= 3, `${prepared} frames decoded for 1,002 writes`);
  assert.is(mostInFlight, 1, 'one frame decoded at a time');
});

test('the photo expected next is decoded while the current one is on screen, and a change to it decodes nothing more', async () => {
  const dir = await tempDir();
  await grainyPhoto(dir, 'red.jpg', [220, 30, 30]);
  await grainyPhoto(dir, 'green.jpg', [30, 200, 40]);
  await grainyPhoto(dir, 'blue.jpg', [30, 40, 220]);
  const decoded: string[] = [];
  let settle: () => void = () => {};
  const shown: Frame[] = [];
  let aheadDone: () => void = () => {};
  const app = new ViewerApp('d1', {
    screen: { size: SCREEN, show: (frame) => (shown.push(frame), settle()), clear: () => {} },
    fetchImage: async (name) => join(dir, name),
    prepareFrame: async (file, size, settings) => {
      const frame = await prepareFrame(file, size, settings);
      decoded.push(file.slice(dir.length + 1));
      if (decoded.length === 2) aheadDone();
      return frame;
    },
    remember: () => {},
    reboot: () => {},
    restartScreen: async () => {},
    answerNowShowing: () => {},
  });
  const ahead = new Promise<void>((resolve) => (aheadDone = resolve));
  let frame = new Promise<void>((resolve) => (settle = resolve));
  app.apply({ key: '/d1:settings', value: '{"order":"sequence","interval_time":1,"interval_units":"days"}' }, true);
  app.apply({ key: '/d1:images', value: '["red.jpg","green.jpg","blue.jpg"]' }, true);
  await frame;
  await ahead;
  assert.equal(decoded, ['red.jpg', 'green.jpg'], 'green decoded ahead while red is on screen');
  frame = new Promise<void>((resolve) => (settle = resolve));
  app.apply({ key: '/d1:change_photo', value: '"next"' }, true);
  await frame;
  const last = shown.at(-1)!;
  assert.ok(colourNear([last.data[0]!, last.data[1]!, last.data[2]!], [30, 200, 40]), 'green on screen');
  assert.is(decoded.filter((name) => name === 'green.jpg').length, 1, 'green was not decoded again');
  app.stop();
});

test.run();
