/**
 * Run on an X display: opens an SdlScreen of the given size and drives
 * crossfades between two grainy frames (see grainyRgba) on signals, printing
 * a line at each point the test captures the screen.
 *   start: A is shown (a cut)                → "shown A <renderer>"
 *   SIGUSR1: a 10 s fade to B begins         → "fading to B"
 *   SIGUSR2: a 300 ms fade back to A begins  → "fade ended 2" when it is over (1 is the first fade, cut short)
 * With a third argument `fill`, the fade to B takes 4 s and the frames are fit=blur frames as the GPU draws
 * them (see fillFrames): a photo over a small fill stretched to the window.
 */
import { fillFrames, grainyRgba } from './fixtures.ts';
import { SdlScreen } from '../../viewer/sdlScreen.ts';

const [width, height] = process.argv.slice(2, 4).map(Number) as [number, number];
const rect = { x: 0, y: 0, width, height };
const withFills = process.argv[4] === 'fill';
const frameA = () => (withFills ? fillFrames(width, height).a : { width, height, data: grainyRgba(width, height, [200, 60, 40], 1), rect });
const frameB = () => (withFills ? fillFrames(width, height).b : { width, height, data: grainyRgba(width, height, [40, 90, 210], 2), rect });

let screen: SdlScreen | null = null;
// First of all: an unhandled SIGUSR1 would start Node's inspector instead.
process.on('SIGUSR1', () => {
  // With fills, 4 s: its test watches the whole fade, not only its middle.
  screen?.show(frameB(), { kind: 'crossfade', ms: withFills ? 4000 : 10_000 });
  process.stdout.write(`fading to B, textures ${screen?.texturesHeld}\n`);
});
process.on('SIGUSR2', () => {
  screen?.show(frameA(), { kind: 'crossfade', ms: 300 });
  process.stdout.write(`fading to A mid-fade, textures ${screen?.texturesHeld}\n`);
});
process.on('SIGTERM', () => {
  screen?.close();
  process.exit(0);
});
screen = await SdlScreen.open({ windowed: { width, height } });
let fadesEnded = 0;
screen.onTransitionEnd(() => process.stdout.write(`fade ended ${++fadesEnded}, textures ${screen?.texturesHeld}\n`));
screen.show(frameA(), { kind: 'crossfade', ms: 0 });
process.stdout.write(`shown A ${screen.rendererName}\n`);
