import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SETTINGS } from '../common/protocol/codecs/settingsCodec.ts';
import { fitRect, logicalCanvas, toScreenRect } from '../viewer/layout.ts';
import { currentImage, EMPTY_PLAYLIST, step, upcomingImage, withImages } from '../viewer/playlist.ts';
import { nextDelayMs } from '../viewer/slideshowTiming.ts';

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

test('playlist: a new list starts at its first photo; the same list keeps its place', () => {
  let playlist = withImages(EMPTY_PLAYLIST, ['a', 'b', 'c']);
  assert.is(currentImage(playlist), 'a');
  playlist = step(playlist, 'next');
  assert.is(currentImage(playlist), 'b');
  assert.is(withImages(playlist, ['a', 'b', 'c']), playlist);
  assert.is(currentImage(withImages(playlist, ['x', 'y'])), 'x');
});

test('playlist: next and back wrap around', () => {
  let playlist = withImages(EMPTY_PLAYLIST, ['a', 'b', 'c']);
  playlist = step(playlist, 'back');
  assert.is(currentImage(playlist), 'c');
  playlist = step(step(playlist, 'next'), 'next');
  assert.is(currentImage(playlist), 'b');
  assert.is(upcomingImage(playlist), 'c');
  assert.is(currentImage(step(EMPTY_PLAYLIST, 'next')), null);
  assert.is(upcomingImage(withImages(EMPTY_PLAYLIST, ['only'])), null);
});

test('slideshow timing: the interval in its units, spread by variance_pct', () => {
  const settings = { ...DEFAULT_SETTINGS, interval_time: 2, interval_units: 'minutes' as const, variance_pct: 10 };
  assert.is(nextDelayMs({ ...settings, variance_pct: 0 }), 120_000);
  assert.is(nextDelayMs(settings, () => 0), 108_000);
  assert.is(nextDelayMs(settings, () => 1), 132_000);
  assert.is(nextDelayMs(settings, () => 0.5), 120_000);
  assert.is(nextDelayMs({ ...settings, interval_time: 0.1, interval_units: 'seconds' }), 1000, 'never faster than 1 s');
});

test.run();
