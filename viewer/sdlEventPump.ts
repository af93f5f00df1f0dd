import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * @kmamal/sdl pumps SDL's event queue with `setInterval(poll, 0)` as soon as a
 * window has a listener: a busy loop that costs an idle photo frame 5% of a
 * core (10% on a Pi Zero) for nothing. SDL2 offers no file descriptor to wait
 * on through these bindings, so the queue still has to be pumped, but a photo
 * frame only listens for close, resize and expose, none of which needs
 * millisecond latency.
 *
 * The library keeps its polling switches on a shared `globals` object
 * (src/javascript/events/index.js: switchToPollingFast / switchToPollingSlow /
 * stopPolling, called by every emitter when its first listener is added or its
 * last removed). We replace those switches, so the library's own logic for
 * when to poll stays in force and only the pace changes. The package's
 * `exports` hide that file from `import`, so it is reached by path, through the
 * same CommonJS module cache the library itself uses.
 */
interface SdlEvents {
  poll(): void;
  switchToPollingFast(): void;
  switchToPollingSlow(): void;
  stopPolling(): void;
}

interface SdlGlobals {
  events: SdlEvents | null;
  windows: { all: Map<number, unknown> };
}

/** With a window open: often enough that a resize or expose is answered within a blink. */
export const WINDOW_POLL_MS = 250;
/** Without one (the library's own slow pace), and not keeping the process alive. */
const BACKGROUND_POLL_MS = 1000;
/** With the screen off by a schedule or power_state: nothing to repaint, so a close is answered within a second and that is enough. */
export const SCREEN_OFF_POLL_MS = 1000;

let installed = false;
let windowPace = WINDOW_POLL_MS;
let repace: (() => void) | null = null;

/** Sets how often SDL's queue is pumped while a window is open (slower while the screen is off); takes effect at once. */
export function setWindowPollMs(ms: number): void {
  if (ms === windowPace) return;
  windowPace = ms;
  repace?.();
}

export function paceSdlEventPolling(windowPollMs = WINDOW_POLL_MS): void {
  if (installed) return;
  windowPace = windowPollMs;
  const require = createRequire(import.meta.url);
  const globals = require(join(dirname(require.resolve('@kmamal/sdl')), 'globals.js')) as SdlGlobals;
  const events = globals.events;
  if (!events) throw new Error('@kmamal/sdl has not set up its event polling yet; import it first');
  // Stop the library's own timer (it lives in a closure we cannot reach otherwise).
  events.stopPolling();
  let timer: NodeJS.Timeout | undefined;
  let fast = false;
  const pollEvery = (ms: number, keepsAlive: boolean) => {
    clearInterval(timer);
    timer = setInterval(events.poll, ms);
    // As in the library: an open window keeps the process alive, background polling does not.
    if (!keepsAlive) timer.unref();
  };
  events.switchToPollingFast = () => {
    fast = true;
    pollEvery(windowPace, true);
  };
  events.switchToPollingSlow = () => {
    fast = false;
    pollEvery(BACKGROUND_POLL_MS, false);
  };
  events.stopPolling = () => {
    fast = false;
    clearInterval(timer);
    timer = undefined;
  };
  repace = () => {
    if (fast) pollEvery(windowPace, true);
  };
  installed = true;
  if (globals.windows.all.size > 0) events.switchToPollingFast();
  else events.switchToPollingSlow();
}
