import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A frame is 8 MB of pixels at 1080p, held by a Buffer outside V8's heap. V8
 * frees such memory only when it collects the Buffer, and it lets tens of
 * megabytes of dead external memory pile up before it bothers: on a 512 MB
 * Pi that is the difference between a flat RSS and a swinging one. So after
 * a frame is replaced, the viewer asks for a collection itself: a heap of a
 * few tens of MB is collected in milliseconds, once per photo change.
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

/** Collects garbage once the current work is done; calls in a burst share one collection. */
export function releaseDroppedFramesSoon(): void {
  const gc = collector();
  if (!gc || pending) return;
  pending = true;
  setImmediate(() => {
    pending = false;
    gc();
  });
}
