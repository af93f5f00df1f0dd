import type { ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import type { DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import { CUT, type Transition } from './crossfade.ts';
import type { Frame } from './framePreparer.ts';
import { FrameAhead } from './frameAhead.ts';
import { LatestWins, Superseded } from './latestWins.ts';
import { renditionBox, type Size } from './layout.ts';

/** The screen and the two steps to a frame; on a display, SDL, the photo cache and sharp (see deviceRendering.ts). */
export interface RenderPorts {
  screen: {
    readonly size: Size;
    show(frame: Frame, transition?: Transition): void;
    clear(): void;
    /** Ends a running transition on its photo at once, freeing the outgoing one (see SdlScreen). */
    settleTransition?(): void;
  };
  /**
   * `size` is the canvas the photo is composed on: a portrait-mounted screen's is upright (layout.ts renditionBox).
   * `progress` is called as a download's bytes arrive.
   */
  fetchImage(name: string, size: Size, server: ImageServerInfo | null, progress: () => void): Promise<string>;
  prepareFrame(file: string, size: Size, settings: DisplaySettings): Promise<Frame>;
}

/**
 * Rendering: turns "this photo, with these settings" into pixels on the
 * screen. It decides nothing about which photo: it fetches, decodes one frame
 * at a time (a request for a superseded state is dropped before it makes any
 * pixels, see latestWins.ts), keeps one frame decoded ahead, and draws.
 */
export class ScreenRenderer {
  /** One frame decoded at a time; requests for superseded states are dropped. */
  private readonly renders = new LatestWins();
  private readonly ahead = new FrameAhead();
  private fetching = 0;
  /** When a fetch last started or received bytes (ms, by `now`). */
  private fetchProgressAt = 0;

  constructor(
    private readonly ports: RenderPorts,
    /** The image server as known when a fetch starts. */
    private readonly server: () => ImageServerInfo | null,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): Size {
    return this.ports.screen.size;
  }

  /** Whether a photo is being fetched. */
  get busyFetching(): boolean {
    return this.fetching > 0;
  }

  /**
   * Whether a fetch is under way and has started or received bytes within
   * `stallMs`: a slow download is progress, one that stopped (a dead
   * connection, a wedged decode check, a stuck card) is not, however long
   * it would take to time out by itself.
   */
  fetchProgressing(stallMs: number): boolean {
    return this.fetching > 0 && this.now() - this.fetchProgressAt <= stallMs;
  }

  private async fetch(name: string, size: Size): Promise<string> {
    this.fetching++;
    const progress = () => {
      this.fetchProgressAt = this.now();
    };
    progress();
    try {
      return await this.ports.fetchImage(name, size, this.server(), progress);
    } finally {
      this.fetching--;
    }
  }

  /** A black screen; the frame decoded ahead is 8 MB held for nothing while nothing will be shown. */
  blank(): void {
    this.ahead.clear();
    this.ports.screen.clear();
  }

  draw(frame: Frame, transition: Transition = CUT): void {
    this.ports.screen.show(frame, transition);
  }

  /** The frame decoded ahead if it is this one (a frame ahead that failed counts as none); no longer held either way. */
  takeAhead(name: string, size: Size, settings: DisplaySettings): Promise<Frame | null> | null {
    return this.ahead.take(FrameAhead.keyOf(name, size, settings))?.catch(() => null) ?? null;
  }

  /**
   * Fetches `name` and decodes its frame, one decode at a time, ranked `rank`
   * among the others (see latestWins.ts). Work for a state `superseded()` by
   * then is dropped before it queues or makes any pixels: a download can
   * finish after newer states were set, and must not queue ahead of them.
   */
  async frameFor(what: string, name: string, size: Size, settings: DisplaySettings, rank: number, superseded: () => boolean): Promise<Frame> {
    const file = await this.fetch(name, renditionBox(size, settings.orientation));
    if (superseded()) throw new Superseded(what);
    return this.renders.run(what, rank, async () => {
      if (superseded()) throw new Superseded(what);
      // A fade still running ends now, on its photo: with this frame there would otherwise be three in memory.
      this.ports.screen.settleTransition?.();
      return this.ports.prepareFrame(file, size, settings);
    });
  }

  /**
   * Fetches the photo expected next and decodes its frame while the current
   * one is on screen. It queues behind any frame being decoded, and a newer
   * request drops it if it has not started. `moved()` says whether the state
   * it follows was replaced before its fetch ended.
   */
  prepareAhead(name: string, size: Size, settings: DisplaySettings, rank: number, moved: () => boolean): void {
    // Not frameFor: once queued, a frame ahead is made even if the state moves on, since the next state
    // (a "next") is most often the one it was made for; FrameAhead's key says whether it still fits.
    const frame = (async () => {
      const file = await this.fetch(name, renditionBox(size, settings.orientation));
      if (moved()) throw new Superseded(`frame ahead of ${name}`);
      return this.renders.run(`frame ahead of ${name}`, rank, () => this.ports.prepareFrame(file, size, settings));
    })();
    this.ahead.offer(FrameAhead.keyOf(name, size, settings), frame);
  }
}
