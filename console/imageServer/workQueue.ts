/** The queue is full: the caller answers 503 rather than let memory grow with the backlog. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/**
 * Runs at most `concurrency` jobs at once and keeps at most `maxWaiting`
 * waiting; beyond that, `run` refuses at once. Sized to the cores, this keeps
 * a burst of rendition requests from decoding dozens of photos at a time.
 *
 * Beside display requests (`run`), a background lane (`runBackground`: the
 * preparation queue's photos) shares the same slots at a lower priority: a
 * background job starts only in a free slot with no display request
 * waiting, and a freed slot goes to a waiting display request first. So a
 * display request waits behind at most one background job per slot, never
 * behind the background backlog.
 */
export class WorkQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly waitingBackground: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) throw new QueueFullError(`${this.running} renditions in progress and ${this.waiting.length} waiting`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    return this.finally(job);
  }

  /** A background job: waits (without bound) for a slot no display request wants. */
  async runBackground<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency || this.waiting.length > 0) await new Promise<void>((resolve) => this.waitingBackground.push(resolve));
    else this.running++;
    return this.finally(job);
  }

  /** Jobs running and waiting now, by lane. */
  get load(): { running: number; waiting: number; waitingBackground: number } {
    return { running: this.running, waiting: this.waiting.length, waitingBackground: this.waitingBackground.length };
  }

  private async finally<T>(job: () => Promise<T>): Promise<T> {
    try {
      return await job();
    } finally {
      const next = this.waiting.shift() ?? this.waitingBackground.shift();
      // The slot passes straight to the next job, so `running` never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.running--;
    }
  }
}
