import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SETTINGS } from '../common/protocol/codecs/settingsCodec.ts';
import type { Frame } from '../viewer/framePreparer.ts';
import { Superseded } from '../viewer/latestWins.ts';
import { ScreenRenderer } from '../viewer/screenRenderer.ts';

/** Rendering alone: which frames it decodes and draws, with a screen that records them. */
function renderer() {
  const decoded: string[] = [];
  const drawn: string[] = [];
  const frame = (name: string): Frame => ({ width: 1, height: 1, data: Buffer.from(name), rect: { x: 0, y: 0, width: 1, height: 1 } });
  const screenRenderer = new ScreenRenderer(
    {
      screen: { size: { width: 10, height: 10 }, show: (f) => drawn.push(f.data.toString()), clear: () => drawn.push('<black>') },
      fetchImage: async (name) => name,
      prepareFrame: async (file) => (decoded.push(file), frame(file)),
    },
    () => null,
  );
  return { screenRenderer, decoded, drawn };
}

test('a frame decoded ahead is used when it fits, not decoded again; a blank drops it', async () => {
  const { screenRenderer, decoded } = renderer();
  const size = screenRenderer.size;
  screenRenderer.prepareAhead('b', size, DEFAULT_SETTINGS, 0.5, () => false);
  const ahead = await screenRenderer.takeAhead('b', size, DEFAULT_SETTINGS);
  assert.is(ahead?.data.toString(), 'b');
  assert.equal(decoded, ['b']);
  screenRenderer.prepareAhead('c', size, DEFAULT_SETTINGS, 1.5, () => false);
  assert.is(screenRenderer.takeAhead('c', size, { ...DEFAULT_SETTINGS, brightness: 0.5 }), null, 'other settings: another frame');
  screenRenderer.prepareAhead('c', size, DEFAULT_SETTINGS, 2.5, () => false);
  screenRenderer.blank();
  assert.is(screenRenderer.takeAhead('c', size, DEFAULT_SETTINGS), null);
});

test('a request superseded before its decode starts makes no pixels', async () => {
  const { screenRenderer, decoded } = renderer();
  let superseded = false;
  const first = screenRenderer.frameFor('frame of a', 'a', screenRenderer.size, DEFAULT_SETTINGS, 1, () => superseded);
  superseded = true;
  try {
    await first;
    assert.unreachable('a superseded request must not be drawn');
  } catch (error) {
    assert.instance(error, Superseded);
  }
  assert.equal(decoded, []);
});

test.run();
