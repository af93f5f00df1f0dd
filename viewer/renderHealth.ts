/**
 * Whether the render path is making progress: every piece of work that ends
 * in pixels (decoding and preparing a frame, putting it on screen) is begun
 * and ended here, and work running longer than `maxWorkMs` means something is
 * stuck (a wedged decoder thread, a GL call that never returns). Pure apart
 * from the clock it is given, so the watchdog's decision is easy to test.
 */
export class RenderHealth {
  private readonly running = new Map<number, { what: string; since: number }>();
  private nextToken = 0;

  constructor(private readonly maxWorkMs = 30_000) {}

  begin(what: string, now: number): number {
    const token = this.nextToken++;
    this.running.set(token, { what, since: now });
    return token;
  }

  end(token: number): void {
    this.running.delete(token);
  }

  /** Runs `work` as tracked render work. */
  async track<T>(what: string, work: () => Promise<T>, clock: () => number = Date.now): Promise<T> {
    const token = this.begin(what, clock());
    try {
      return await work();
    } finally {
      this.end(token);
    }
  }

  /** Why the render path is not healthy, or null if it is. */
  problem(now: number): string | null {
    for (const { what, since } of this.running.values()) {
      if (now - since > this.maxWorkMs) return `${what} has been running for ${Math.round((now - since) / 1000)} s`;
    }
    return null;
  }
}
