import type { Frame } from '../../viewer/framePreparer.ts';
import type { ViewerPorts } from '../../viewer/viewerApp.ts';

/**
 * The parts of a viewer's outside world that draw, recorded: each frame's
 * photo name (or `<black>`) in `shown`, and `drawn()` resolving at the next
 * draw. Photos are never fetched: a frame's data is its name.
 */
export function recordingScreen(): Pick<ViewerPorts, 'screen' | 'fetchImage' | 'prepareFrame'> & { shown: string[]; drawn: () => Promise<void> } {
  const shown: string[] = [];
  let settle: () => void = () => {};
  return {
    shown,
    drawn: () => new Promise<void>((resolve) => (settle = resolve)),
    screen: {
      size: { width: 100, height: 100 },
      show: (frame: Frame) => {
        shown.push(frame.data.toString());
        settle();
      },
      clear: () => {
        shown.push('<black>');
        settle();
      },
    },
    fetchImage: async (name) => name,
    prepareFrame: async (file) => ({ width: 1, height: 1, data: Buffer.from(file), rect: { x: 0, y: 0, width: 1, height: 1 } }),
  };
}
