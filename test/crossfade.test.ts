import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crossfadeLayers, fadeProgress } from '../viewer/crossfade.ts';
import { UPLOAD_BAND_BYTES } from '../viewer/gpuPresenter.ts';
import { BLEND } from '../viewer/sdlLayers.ts';
import { startXvfb, type XvfbDisplay } from '../viewer/xvfbDisplay.ts';
import { fillFrames, grainyRgba } from './helpers/fixtures.ts';
import { startNodeProcess, type LongRunning } from './helpers/runCli.ts';
import { captureScreen, type ScreenImage } from './helpers/screenCapture.ts';

const unit = suite('crossfade arithmetic');

unit('a fade starts at 0, ends at 1, and rises in between', () => {
  assert.is(fadeProgress(0, 800), 0);
  assert.is(fadeProgress(800, 800), 1);
  assert.is(fadeProgress(5000, 800), 1);
  assert.is(fadeProgress(400, 800), 0.5);
  assert.ok(fadeProgress(100, 800) < fadeProgress(200, 800));
  assert.is(fadeProgress(0, 0), 1, 'no duration is a cut');
});

unit('the old photo is copied darkened, the new one added with the rest; at the end only the new one is copied', () => {
  const from = { texture: 3, rect: { x: 0, y: 10, width: 100, height: 50 } };
  const to = { texture: 4, rect: { x: 20, y: 0, width: 60, height: 70 } };
  const mid = crossfadeLayers(from, to, 0.25);
  assert.equal(
    mid.map((l) => [l.texture, l.alpha, l.shade, l.blend]),
    [
      [3, 255, 191, BLEND.none],
      [4, 64, 255, BLEND.add],
    ],
  );
  assert.equal({ ...mid[1], texture: 4 }, { texture: 4, alpha: 64, shade: 255, blend: BLEND.add, ...to.rect });
  assert.equal(crossfadeLayers(from, to, 1), [{ texture: 4, alpha: 255, shade: 255, blend: BLEND.none, ...to.rect }]);
  assert.equal(crossfadeLayers(null, to, 0.3), [{ texture: 4, alpha: 255, shade: 255, blend: BLEND.none, ...to.rect }]);
});

unit('a frame with a fill: copied, the fill under the photo; added, the fill only in its bars, so no pixel gets it twice', () => {
  const whole = { x: 0, y: 0, width: 320, height: 240 };
  const from = { texture: 1, rect: { x: 0, y: 40, width: 320, height: 160 }, fill: { texture: 2, rect: whole } };
  const to = { texture: 3, rect: { x: 40, y: 0, width: 240, height: 240 }, fill: { texture: 4, rect: whole } };
  assert.equal(
    crossfadeLayers(null, to, 1).map((l) => [l.texture, l.alpha, l.blend, l.x, l.y, l.width, l.height, l.clip]),
    [
      [4, 255, BLEND.none, 0, 0, 320, 240, undefined],
      [3, 255, BLEND.none, 40, 0, 240, 240, undefined],
    ],
  );
  const mid = crossfadeLayers(from, to, 0.5);
  assert.equal(
    mid.map((l) => [l.texture, l.alpha, l.shade, l.blend, l.clip]),
    [
      [2, 255, 127, BLEND.none, undefined],
      [1, 255, 127, BLEND.none, undefined],
      [4, 128, 255, BLEND.add, { x: 0, y: 0, width: 40, height: 240 }],
      [4, 128, 255, BLEND.add, { x: 280, y: 0, width: 40, height: 240 }],
      [3, 128, 255, BLEND.add, undefined],
    ],
  );
  // Stretched over the whole window, each time.
  for (const l of mid.filter((l) => l.texture === 2 || l.texture === 4)) assert.equal([l.x, l.y, l.width, l.height], [0, 0, 320, 240]);
});

unit.run();

interface Context {
  xvfb: XvfbDisplay;
  helper: LongRunning;
}

const SIZE = { width: 320, height: 240 };
const screen = suite<Context>('crossfade on the GPU (Xvfb, pixels read back)');

screen.before(async (context) => {
  context.xvfb = await startXvfb(SIZE.width, SIZE.height);
});

screen.after(async (context) => {
  await context.helper?.stop();
  await context.xvfb?.stop();
});


screen('mid-fade every pixel lies between the two photos and is neither; the fade ends on the new photo exactly', async (context) => {
  const script = fileURLToPath(new URL('./helpers/crossfadeMain.ts', import.meta.url));
  context.helper = startNodeProcess(['--import', 'tsx', script, String(SIZE.width), String(SIZE.height)], { DISPLAY: context.xvfb.display });
  const shown = await context.helper.waitFor(/^shown A/);
  const a = grainyRgba(SIZE.width, SIZE.height, [200, 60, 40], 1);
  const b = grainyRgba(SIZE.width, SIZE.height, [40, 90, 210], 2);
  assert.is(differences(await captureScreen(context.xvfb.display), a), 0, 'A is on screen exactly');

  context.helper.child.kill('SIGUSR1');
  assert.match(await context.helper.waitFor(/^fading to B/), /textures 2$/, 'two photos held while they blend');
  // Captured until no pixel is either photo (the fade eases in, and some channels of A and B are close); it lasts 10 s.
  const total = SIZE.width * SIZE.height;
  let seen: { between: number; pure: number };
  const deadline = Date.now() + 60_000;
  do {
    seen = blendCounts(await captureScreen(context.xvfb.display), a, b);
    assert.is(seen.between, total, `every pixel between A and B (${total - seen.between} outside)`);
  } while (seen.pure > 0 && Date.now() < deadline);
  assert.is(seen.pure, 0, 'no pixel is either photo alone');

  context.helper.child.kill('SIGUSR2');
  // A new photo mid-fade: the running fade ends on B at once, B's predecessor is freed, A fades in over B.
  assert.match(await context.helper.waitFor(/^fading to A mid-fade/), /textures 2$/, 'never three');
  assert.match(await context.helper.waitFor(/^fade ended 2/), /textures 1$/, 'the outgoing photo is freed at the end');
  assert.is(differences(await captureScreen(context.xvfb.display), a), 0, 'the fade back ends on A exactly');
  process.stdout.write(`  (renderer: ${shown.replace(/^shown A /, '')})\n`);
});

screen('fit=blur frames: mid-fade both the fill and the photo of each frame are blended, every pixel between the two screens', async (context) => {
  await context.helper?.stop();
  const script = fileURLToPath(new URL('./helpers/crossfadeMain.ts', import.meta.url));
  context.helper = startNodeProcess(['--import', 'tsx', script, String(SIZE.width), String(SIZE.height), 'fill'], { DISPLAY: context.xvfb.display });
  await context.helper.waitFor(/^shown A/);
  const { screenA: a, screenB: b } = fillFrames(SIZE.width, SIZE.height);
  assert.is(differences(await captureScreen(context.xvfb.display), a), 0, 'A: its photo over its fill, stretched to the window');
  context.helper.child.kill('SIGUSR1');
  assert.match(await context.helper.waitFor(/^fading to B/), /textures 2$/, 'two frames held while they blend');
  // B's fill lies where A's photo was and the other way round: a fill added twice (under B's photo too), or
  // missing, leaves pixels outside. Watched to the end of the 4 s fade, where a doubled one shows most.
  const total = SIZE.width * SIZE.height;
  let blended = false;
  let ended = false;
  const deadline = Date.now() + 60_000;
  do {
    const image = await captureScreen(context.xvfb.display);
    const seen = blendCounts(image, a, b);
    assert.is(seen.between, total, `every pixel between A and B (${total - seen.between} outside)`);
    blended ||= seen.pure === 0;
    ended = differences(image, b) === 0;
  } while (!ended && Date.now() < deadline);
  assert.ok(blended, 'at some moment no pixel is either screen alone');
  assert.ok(ended, 'the fade ends on B exactly');
  context.helper.child.kill('SIGUSR2');
  assert.match(await context.helper.waitFor(/^fade ended 2/), /textures 1$/, 'the outgoing frame (photo and fill) is freed at the end');
  assert.is(differences(await captureScreen(context.xvfb.display), a), 0, 'the fade back ends on A exactly');
});

screen('on SDL\'s software renderer a fit=blur frame still shows its fill, stretched under the photo (a cut, no fade)', async (context) => {
  await context.helper?.stop();
  const script = fileURLToPath(new URL('./helpers/crossfadeMain.ts', import.meta.url));
  context.helper = startNodeProcess(['--import', 'tsx', script, String(SIZE.width), String(SIZE.height), 'fill'], {
    DISPLAY: context.xvfb.display,
    SDL_RENDER_DRIVER: 'software',
  });
  assert.match(await context.helper.waitFor(/^shown A/), /software/);
  const { screenA, screenB } = fillFrames(SIZE.width, SIZE.height);
  assert.is(differences(await captureScreen(context.xvfb.display), screenA), 0, 'A over its fill');
  context.helper.child.kill('SIGUSR1');
  await context.helper.waitFor(/^fading to B/);
  assert.is(differences(await captureScreen(context.xvfb.display), screenB), 0, 'B over its fill, at once');
});

screen('with no GPU renderer a crossfade is a cut, and that is logged once', async (context) => {
  await context.helper?.stop();
  const script = fileURLToPath(new URL('./helpers/crossfadeMain.ts', import.meta.url));
  // SDL's own software renderer, as on a machine with no usable GL driver.
  context.helper = startNodeProcess(['--import', 'tsx', script, String(SIZE.width), String(SIZE.height)], {
    DISPLAY: context.xvfb.display,
    SDL_RENDER_DRIVER: 'software',
    PHOTOFRAME_LOG: 'info',
  });
  const shown = await context.helper.waitFor(/^shown A/);
  assert.match(shown, /software/);
  context.helper.child.kill('SIGUSR1');
  await context.helper.waitFor(/^fading to B/);
  const b = grainyRgba(SIZE.width, SIZE.height, [40, 90, 210], 2);
  assert.is(differences(await captureScreen(context.xvfb.display), b), 0, 'B at once, whole');
  const from = context.helper.lines.length;
  context.helper.child.kill('SIGUSR1');
  await context.helper.waitFor(/^fading to B/, 15_000, from);
  const warnings = context.helper.lines.filter((line) => /no usable GPU for crossfades/.test(line));
  assert.is(warnings.length, 1, context.helper.lines.join('\n'));
});

screen('the next photo is uploaded a band per turn of the event loop, all of it before its fade draws a step', async (context) => {
  await context.helper?.stop();
  const script = fileURLToPath(new URL('./helpers/uploadOrderMain.ts', import.meta.url));
  context.helper = startNodeProcess(['--import', 'tsx', script, String(SIZE.width), String(SIZE.height)], { DISPLAY: context.xvfb.display });
  const run = JSON.parse(await context.helper.waitFor(/^\{/, 30_000)) as {
    showTurn: number;
    frameBytes: number;
    calls: { call: string; turn: number; texture?: number; rows?: number; pixels?: number; layers?: number[] }[];
  };
  const calls = run.calls;
  const incoming = calls.find((c) => c.call === 'createTexture')?.texture;
  assert.ok(incoming !== undefined, JSON.stringify(calls));
  const uploads = calls.filter((c) => (c.call === 'createTexture' || c.call === 'updateTexture') && c.texture === incoming);
  assert.is(
    uploads.reduce((sum, c) => sum + c.pixels!, 0),
    run.frameBytes,
    'the whole frame is uploaded once',
  );
  const perTurn = new Map<number, number>();
  for (const c of uploads) perTurn.set(c.turn, (perTurn.get(c.turn) ?? 0) + c.pixels!);
  // On the old code the whole 3 MB went up in the call that showed the frame, and the fade's first step drew in that same turn.
  assert.is(perTurn.get(run.showTurn) ?? 0, 0, 'nothing uploaded in the turn that hands over the frame');
  for (const [turn, bytes] of perTurn) {
    assert.ok(bytes <= Math.min(UPLOAD_BAND_BYTES, run.frameBytes / 2), `turn ${turn} uploaded ${bytes} bytes of a ${run.frameBytes}-byte frame`);
  }
  const firstStep = calls.findIndex((c) => c.call === 'present' && c.layers!.includes(incoming!));
  const lastUpload = calls.lastIndexOf(uploads.at(-1)!);
  assert.ok(firstStep > lastUpload, `the fade's first step (call ${firstStep}) after the last band (call ${lastUpload})`);
  // (An expose may repaint the old photo meanwhile.)
  for (const c of calls.slice(0, firstStep).filter((c) => c.call === 'present')) {
    assert.is(c.layers!.length, 1, 'the old photo alone is on screen while the next uploads');
  }
  assert.ok(calls.some((c) => c.call === 'present' && c.layers!.length === 2), 'a step blends both photos');
  assert.equal(calls.filter((c) => c.call === 'present').at(-1)!.layers, [incoming], 'the fade ends on the new photo alone');
  assert.not.ok(perTurn.has(calls[firstStep]!.turn), 'no band is uploaded in a turn that draws a step');
});

/** How many screen pixels lie between the two frames' (each channel, ±2), and how many equal one of them (±2). */
function blendCounts(image: ScreenImage, a: Buffer, b: Buffer): { between: number; pure: number } {
  let between = 0;
  let pure = 0;
  for (let i = 0; i < image.width * image.height; i++) {
    let inside = true;
    let nearA = true;
    let nearB = true;
    for (let c = 0; c < 3; c++) {
      const seen = image.rgb[i * 3 + c]!;
      const [pa, pb] = [a[i * 4 + c]!, b[i * 4 + c]!];
      if (seen < Math.min(pa, pb) - 2 || seen > Math.max(pa, pb) + 2) inside = false;
      if (Math.abs(seen - pa) > 2) nearA = false;
      if (Math.abs(seen - pb) > 2) nearB = false;
    }
    if (inside) between++;
    if (nearA || nearB) pure++;
  }
  return { between, pure };
}

/** Pixels whose colour differs from the RGBA frame's. */
function differences(image: ScreenImage, rgba: Buffer): number {
  let count = 0;
  for (let i = 0; i < image.width * image.height; i++) {
    if (image.rgb[i * 3] !== rgba[i * 4] || image.rgb[i * 3 + 1] !== rgba[i * 4 + 1] || image.rgb[i * 3 + 2] !== rgba[i * 4 + 2]) count++;
  }
  return count;
}

screen.run();
