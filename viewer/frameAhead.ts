import type { DisplaySettings } from '../common/protocol/codecs/settingsCodec.ts';
import type { Frame } from './framePreparer.ts';
import type { Size } from './layout.ts';

/** The settings a frame's pixels depend on. */
const PIXEL_SETTINGS = ['orientation', 'brightness', 'contrast', 'saturation', 'fit', 'caption', 'locale'] as const;

/**
 * The frame for the photo expected next, prepared while the current one is on
 * screen, so a change to it is drawn at once instead of after a decode. At
 * most one is kept (the "frame in flight" beside the one on screen); asking
 * for anything else drops it.
 */
export class FrameAhead {
  private entry: { key: string; frame: Promise<Frame> } | null = null;

  /** What a frame depends on: the photo, the screen, and the settings that change pixels. */
  static keyOf(name: string, size: Size, settings: Pick<DisplaySettings, (typeof PIXEL_SETTINGS)[number]>): string {
    return JSON.stringify([name, size.width, size.height, ...PIXEL_SETTINGS.map((setting) => settings[setting])]);
  }

  offer(key: string, frame: Promise<Frame>): void {
    // A frame that fails to prepare is simply not ahead; the show that needs it reports the failure.
    frame.catch(() => {});
    this.entry = { key, frame };
  }

  /** The frame ahead if it is the one wanted; either way it is no longer held. */
  take(key: string): Promise<Frame> | null {
    const entry = this.entry;
    this.entry = null;
    return entry?.key === key ? entry.frame : null;
  }

  clear(): void {
    this.entry = null;
  }
}
