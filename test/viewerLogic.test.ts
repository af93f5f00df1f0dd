import { seededRandom } from '../common/sync/groupSlots.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SETTINGS } from '../common/protocol/codecs/settingsCodec.ts';
import { fitRect, logicalCanvas, toScreenRect } from '../viewer/layout.ts';
import { back, currentImage, dropCurrent, EMPTY_PLAYLIST, forward, passNames, upcomingImage, withImages, type Playlist } from '../viewer/playlist.ts';
import { alignedTime, HALF_LIFE_TICK_MS, halfLifeChanges, nextDelayMs, planTimer } from '../viewer/slideshowTiming.ts';

test('a wide photo on a 16:9 screen is letterboxed, centred', () => {
  assert.equal(fitRect({ width: 3000, height: 1000 }, { width: 1920, height: 1080 }), { x: 0, y: 220, width: 1920, height: 640 });
});

test('a portrait photo is pillarboxed, centred', () => {
  assert.equal(fitRect({ width: 1000, height: 2000 }, { width: 1920, height: 1080 }), { x: 690, y: 0, width: 540, height: 1080 });
});

test('a small photo is scaled up to fill the screen one way', () => {
  assert.equal(fitRect({ width: 160, height: 90 }, { width: 1920, height: 1080 }), { x: 0, y: 0, width: 1920, height: 1080 });
});

test('degenerate sizes give an empty rect rather than NaN', () => {
  assert.equal(fitRect({ width: 0, height: 10 }, { width: 100, height: 100 }), { x: 0, y: 0, width: 0, height: 0 });
});

test('a portrait-mounted screen composes on a portrait canvas and maps back', () => {
  const screen = { width: 1920, height: 1080 };
  const canvas = logicalCanvas(screen, 'V');
  assert.equal(canvas, { width: 1080, height: 1920 });
  const rect = fitRect({ width: 1000, height: 1000 }, canvas);
  assert.equal(rect, { x: 0, y: 420, width: 1080, height: 1080 });
  // Turned a quarter counter-clockwise the square lands centred on the landscape panel.
  assert.equal(toScreenRect(rect, screen, 'V'), { x: 420, y: 0, width: 1080, height: 1080 });
  const top = { x: 0, y: 0, width: 1080, height: 100 };
  assert.equal(toScreenRect(top, screen, 'V'), { x: 0, y: 0, width: 100, height: 1080 });
  assert.equal(toScreenRect(rect, screen, 'H'), rect);
});

const seq = (playlist: Playlist) => ({ ...playlist, mode: 'sequence' as const });
/** A repeatable random source (the groups' mulberry32), so shuffles can be checked. */
const seeded = (seed = 42) => seededRandom(seed);

test('playlist in sequence: a new list starts at its first photo; the same list keeps its place', () => {
  const random = seeded();
  let playlist = withImages(seq(EMPTY_PLAYLIST), ['a', 'b', 'c'], random);
  assert.is(currentImage(playlist), 'a');
  playlist = forward(playlist, random);
  assert.is(currentImage(playlist), 'b');
  assert.is(withImages(playlist, ['a', 'b', 'c'], random), playlist);
  assert.is(currentImage(withImages(playlist, ['x', 'y'], random)), 'x');
});

test('playlist: back returns to what was really shown, forward retraces, and back past the start goes round', () => {
  const random = seeded();
  let playlist = withImages(seq(EMPTY_PLAYLIST), ['a', 'b', 'c'], random);
  playlist = forward(forward(playlist, random), random);
  assert.is(currentImage(playlist), 'c');
  playlist = back(back(playlist));
  assert.is(currentImage(playlist), 'a');
  playlist = back(playlist);
  assert.is(currentImage(playlist), 'c', 'before the first shown: the photo before it in the pass');
  playlist = forward(playlist, random);
  assert.is(currentImage(playlist), 'a');
  assert.is(upcomingImage(playlist), 'b');
  assert.is(currentImage(forward(EMPTY_PLAYLIST, random)), null);
  assert.is(upcomingImage(withImages(EMPTY_PLAYLIST, ['only'], random)), null);
});

test('playlist shuffles: every photo once per pass, a reshuffle at each wrap, never the same photo twice in a row', () => {
  const random = seeded(7);
  const images = Array.from({ length: 6 }, (_, i) => `p${i}`);
  let playlist = withImages(EMPTY_PLAYLIST, images, random);
  const shown = [currentImage(playlist)!];
  for (let i = 1; i < 600; i++) {
    playlist = forward(playlist, random);
    shown.push(currentImage(playlist)!);
  }
  const passes = Array.from({ length: 100 }, (_, i) => shown.slice(i * 6, i * 6 + 6));
  for (const pass of passes) assert.equal([...pass].sort(), images, 'each pass shows every photo once');
  assert.ok(new Set(passes.map((pass) => pass.join())).size > 50, 'passes are reshuffled');
  assert.ok(passes.some((pass) => pass.join() !== images.join()), 'not the list order');
  for (let i = 1; i < shown.length; i++) assert.is.not(shown[i], shown[i - 1], `photo ${i} repeats across a reshuffle`);
  // Two photos alternate forever rather than repeat.
  let two = withImages(EMPTY_PLAYLIST, ['x', 'y'], random);
  for (let i = 0; i < 50; i++) {
    const before = currentImage(two);
    two = forward(two, random);
    assert.is.not(currentImage(two), before);
  }
});

test('playlist: a changed list keeps the photo on screen if it is still there, and mixes new photos into what is to come', () => {
  const random = seeded(3);
  let playlist = withImages(EMPTY_PLAYLIST, ['a', 'b', 'c', 'd'], random);
  playlist = forward(playlist, random);
  const onScreen = currentImage(playlist)!;
  const grown = withImages(playlist, ['a', 'b', 'c', 'd', 'e', 'f'], random);
  assert.is(currentImage(grown), onScreen);
  assert.equal(passNames(grown).sort(), ['a', 'b', 'c', 'd', 'e', 'f']);
  const shownBefore = passNames(playlist).slice(0, passNames(playlist).indexOf(onScreen) + 1);
  assert.equal(passNames(grown).slice(0, shownBefore.length), shownBefore, 'what was shown this pass stays shown');
  const removed = withImages(grown, ['a', 'b', 'c', 'd', 'e', 'f'].filter((n) => n !== onScreen), random);
  assert.is.not(currentImage(removed), onScreen, 'a removed photo leaves the screen');
  assert.ok(removed.images.has(currentImage(removed)!));
});

test('playlist: after the photo on screen is removed, back still moves', () => {
  const random = seeded(5);
  let playlist = withImages(seq(EMPTY_PLAYLIST), ['a', 'b', 'c'], random);
  playlist = forward(playlist, random);
  playlist = withImages(playlist, ['a', 'c'], random);
  assert.is(currentImage(playlist), 'a');
  assert.equal(playlist.trail, ['a'], 'the same photo is never twice in a row in the trail');
  assert.is.not(currentImage(back(playlist)), 'a');
});

test('playlist: a photo that failed leaves the trail but forward still moves past it', () => {
  const random = seeded(5);
  let playlist = withImages(seq(EMPTY_PLAYLIST), ['a', 'b', 'c'], random);
  playlist = dropCurrent(forward(playlist, random));
  assert.is(currentImage(playlist), 'a');
  assert.is(currentImage(forward(playlist, random)), 'c');
  const lone = dropCurrent(withImages(EMPTY_PLAYLIST, ['only'], random));
  assert.is(currentImage(lone), null);
  assert.is(currentImage(forward(lone, random)), 'only', 'a single photo is tried again');
});

test('slideshow timing: the interval in its units, spread by variance_pct, in whole seconds', () => {
  const settings = { ...DEFAULT_SETTINGS, interval_time: 2, interval_units: 'minutes' as const, variance_pct: 10 };
  assert.is(nextDelayMs({ ...settings, variance_pct: 0 }, Math.random), 120_000);
  assert.is(nextDelayMs(settings, () => 0), 108_000);
  assert.is(nextDelayMs(settings, () => 1), 132_000);
  assert.is(nextDelayMs(settings, () => 0.5), 120_000);
  assert.is(nextDelayMs({ ...settings, interval_time: 7, interval_units: 'seconds', variance_pct: 10 }, () => 0.9) % 1000, 0);
  assert.is(nextDelayMs({ ...settings, interval_time: 0.1, interval_units: 'seconds' }, Math.random), 1000, 'never faster than 1 s');
});

test('half-life: once a minute, change with probability 0.67 / interval in minutes', () => {
  const tenMinutes = { interval_time: 10, interval_units: 'minutes' as const };
  assert.is(halfLifeChanges(tenMinutes, () => 0.066), true);
  assert.is(halfLifeChanges(tenMinutes, () => 0.068), false);
  assert.is(halfLifeChanges({ interval_time: 30, interval_units: 'seconds' }, () => 0.99), true, 'p is capped at 1');
  const random = seeded(11);
  let changes = 0;
  for (let i = 0; i < 100_000; i++) if (halfLifeChanges(tenMinutes, random)) changes++;
  assert.ok(Math.abs(changes / 100_000 - 0.067) < 0.005, `rate ${changes / 100_000}`);
  const plan = planTimer({ ...DEFAULT_SETTINGS, use_halflife: true }, new Date(), random, true);
  assert.equal(plan, { delayMs: HALF_LIFE_TICK_MS, action: 'half-life check' });
});

test('interval_base: the first change waits for the aligned clock time; "*:*" aligns to nothing', () => {
  const at = (h: number, m: number, s = 0) => new Date(2026, 10, 22, h, m, s);
  assert.equal(alignedTime(at(9, 17, 30), '*:00'), at(10, 0));
  assert.equal(alignedTime(at(9, 17, 30), '*:30'), at(9, 30));
  assert.equal(alignedTime(at(9, 17, 30), '07:30'), new Date(2026, 10, 23, 7, 30));
  assert.equal(alignedTime(at(7, 10), '07:*'), at(7, 11));
  assert.equal(alignedTime(at(6, 10), '7:*'), at(7, 0));
  assert.equal(alignedTime(at(9, 30), '*:30'), at(10, 30), 'strictly after now');
  assert.is(alignedTime(at(9, 17), '*:*'), null);
  const settings = { ...DEFAULT_SETTINGS, interval_base: '*:00' };
  assert.equal(planTimer(settings, at(9, 59, 0), () => 0.5, true), { delayMs: 60_000, action: 'advance' });
  assert.equal(planTimer(settings, at(9, 59, 0), () => 0.5, false), { delayMs: 600_000, action: 'advance' }, 'later changes follow the interval');
});

test.run();
