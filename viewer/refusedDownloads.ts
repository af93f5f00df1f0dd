import type { RejectedImage } from './imageDownload.ts';

/**
 * Files a source served but that were refused (not an image, undecodable,
 * wrong hash, too large), remembered for a short while so each retry does not
 * download the same bad bytes again. Bounded: the oldest refusal is forgotten
 * first. Pure apart from the clock it is given.
 */
export class RefusedDownloads {
  private readonly refused = new Map<string, { error: RejectedImage; untilMs: number }>();

  constructor(
    private readonly holdMs = 5 * 60_000,
    private readonly maxEntries = 256,
  ) {}

  /** The refusal still held for `key`, or null. */
  recall(key: string, nowMs: number): RejectedImage | null {
    const entry = this.refused.get(key);
    if (!entry) return null;
    if (nowMs < entry.untilMs) return entry.error;
    this.refused.delete(key);
    return null;
  }

  remember(key: string, error: RejectedImage, nowMs: number): void {
    this.refused.delete(key);
    this.refused.set(key, { error, untilMs: nowMs + this.holdMs });
    // Maps iterate in insertion order, so the first key is the oldest refusal.
    while (this.refused.size > this.maxEntries) this.refused.delete(this.refused.keys().next().value!);
  }

  /** A source announced afresh deserves a fresh try at everything. */
  clear(): void {
    this.refused.clear();
  }
}
