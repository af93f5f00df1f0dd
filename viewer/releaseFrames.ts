import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A frame is 8 MB of pixels at 1080p, held by a Buffer outside V8's heap. V8
 * frees such memory only when it collects the Buffer, and it lets tens of
 * megabytes of dead external memory pile up before it bothers: on a 512 MB
 * Pi that is the difference between a flat RSS and a swinging one. So after
 * a frame is drawn, or the screen goes black, the viewer asks for a
 * collection itself: a heap of a few tens of MB is collected in
 * milliseconds, once per photo change.
 *
 * `gc` is exposed at run time (the flag is honoured for contexts created
 * after it is set), so the systemd unit needs no --expose-gc.
 */
let collect: (() => void) | null | undefined;
let pending = false;

function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  return collect;
}

// Long enough that the work which dropped a frame has finished and let go of
// it (a collection run straight after a show could still find the frame
// referenced, and it then lingered until the next change, 8 MB for hours on an
// idle display); short enough to come before the frame for the next photo is
// decoded ahead (50 ms after a show), so a change that follows soon does not
// wait on a collection (bench: at 100 ms, p50 from etcd write to photo drawn
// went from 19 to 26 ms when changes came 100 ms apart).
const COLLECT_AFTER_MS = 40;

/**
 * Collects garbage shortly after a frame was drawn; calls in a burst share
 * one collection.
 */
export function releaseDroppedFramesSoon(): void {
  const gc = collector();
  if (!gc || pending) return;
  pending = true;
  setTimeout(() => {
    pending = false;
    gc();
  }, COLLECT_AFTER_MS).unref();
}
