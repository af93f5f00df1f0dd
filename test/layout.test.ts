import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { captionRect, captionTextHeight, coverRect, fillBars, framePlan, logicalCanvas, renditionBox, toScreenRect, visiblePhoto } from '../viewer/layout.ts';

const HD = { width: 1920, height: 1080 };
const PHOTO_3_2 = { width: 3000, height: 2000 };

test('cover fills the box and crops the centre: a 3:2 photo on 16:9 loses top and bottom evenly', () => {
  assert.equal(coverRect(PHOTO_3_2, HD), { x: 0, y: -100, width: 1920, height: 1280 });
  // A portrait photo loses its top and bottom too, a lot more.
  assert.equal(coverRect({ width: 1000, height: 2000 }, HD), { x: 0, y: -1380, width: 1920, height: 3840 });
  assert.equal(coverRect({ width: 0, height: 10 }, HD), { x: 0, y: 0, width: 0, height: 0 });
});

test('contain: the frame is the letterboxed photo itself', () => {
  assert.equal(framePlan(PHOTO_3_2, HD, 'contain'), {
    frame: { x: 150, y: 0, width: 1620, height: 1080 },
    photo: { x: 0, y: 0, width: 1620, height: 1080 },
  });
});

test('cover: the frame is the whole canvas, the photo reaches past it', () => {
  const plan = framePlan(PHOTO_3_2, HD, 'cover');
  assert.equal(plan.frame, { x: 0, y: 0, width: 1920, height: 1080 });
  assert.equal(visiblePhoto(plan), { x: 0, y: 0, width: 1920, height: 1080 });
});

test('blur: the frame is the whole canvas, the whole photo sits centred in it', () => {
  assert.equal(framePlan(PHOTO_3_2, HD, 'blur'), {
    frame: { x: 0, y: 0, width: 1920, height: 1080 },
    photo: { x: 150, y: 0, width: 1620, height: 1080 },
  });
});

test('a portrait-mounted screen fetches and composes at its rotated size', () => {
  assert.equal(renditionBox(HD, 'V'), { width: 1080, height: 1920 });
  assert.equal(renditionBox(HD, 'H'), HD);
  // A 3:4 portrait photo fills the portrait canvas's width, at full resolution.
  const plan = framePlan({ width: 1080, height: 1440 }, logicalCanvas(HD, 'V'), 'contain');
  assert.equal(plan.frame, { x: 0, y: 240, width: 1080, height: 1440 });
});

test('the caption sits in the bottom right corner of the photo as seen, inset, sized for the screen', () => {
  assert.is(captionTextHeight(HD), 39);
  assert.is(captionTextHeight({ width: 320, height: 240 }), 14, 'never tiny');
  const text = { width: 400, height: 50 };
  // contain: the corner of the photo, which is the corner of the frame.
  assert.equal(captionRect(framePlan(PHOTO_3_2, HD, 'contain'), text, HD), { x: 1620 - 20 - 400, y: 1080 - 20 - 50, width: 400, height: 50 });
  // blur: the corner of the sharp photo, not of the fill around it.
  assert.equal(captionRect(framePlan(PHOTO_3_2, HD, 'blur'), text, HD), { x: 150 + 1620 - 20 - 400, y: 1010, width: 400, height: 50 });
  // cover: the corner of the screen.
  assert.equal(captionRect(framePlan(PHOTO_3_2, HD, 'cover'), text, HD), { x: 1920 - 20 - 400, y: 1010, width: 400, height: 50 });
});

test('a caption wider than the photo is cut to it', () => {
  const plan = framePlan({ width: 100, height: 1000 }, HD, 'contain');
  const rect = captionRect(plan, { width: 900, height: 50 }, HD);
  assert.is(rect.width, plan.frame.width - 40);
  assert.is(rect.x, 20);
});

test('on a portrait-mounted screen the caption is placed upright: bottom right of the portrait canvas, turned with the frame', () => {
  const canvas = logicalCanvas(HD, 'V');
  const plan = framePlan(PHOTO_3_2, canvas, 'cover');
  const caption = captionRect(plan, { width: 300, height: 40 }, canvas);
  assert.equal(caption, { x: 1080 - 20 - 300, y: 1920 - 20 - 40, width: 300, height: 40 });
  // On the landscape panel (turned a quarter clockwise on the wall) that corner is the right edge, near the top.
  assert.equal(toScreenRect(caption, HD, 'V'), { x: 1860, y: 20, width: 40, height: 300 });
});

test('the blurred fill is made only around the photo: two bars, or none when the photo fills the screen', () => {
  assert.equal(fillBars(framePlan({ width: 1440, height: 1080 }, HD, 'blur').photo, HD), [
    { x: 0, y: 0, width: 240, height: 1080 },
    { x: 1680, y: 0, width: 240, height: 1080 },
  ]);
  assert.equal(fillBars(framePlan({ width: 3000, height: 1000 }, HD, 'blur').photo, HD), [
    { x: 0, y: 0, width: 1920, height: 220 },
    { x: 0, y: 860, width: 1920, height: 220 },
  ]);
  assert.equal(fillBars(framePlan({ width: 1920, height: 1080 }, HD, 'blur').photo, HD), []);
});

test.run();
