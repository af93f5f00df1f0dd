/**
 * Gathers items and writes them in batches, one write at a time. `write`
 * returns the items of its batch that cannot be written yet (a duplicate
 * whose photo is not recorded yet); they go into the next batch.
 */
export class BatchCommitter<T> {
  private pending: T[] = [];
  private chain: Promise<void> = Promise.resolve();
  private error: unknown = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly write: (batch: T[]) => Promise<T[]>) {}

  add(item: T): void {
    this.pending.push(item);
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * Queues a write of what is pending when the write starts, not when it is
   * asked for: what the write before it hands back must go into it. Taking
   * the batch at once lost those items whenever the last commit was queued
   * behind a running one. A commit asked for while one is still queued joins it.
   */
  commit(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.chain
      .then(async () => {
        this.queued = null;
        const batch = this.pending;
        this.pending = [];
        if (batch.length > 0) this.pending.push(...(await this.write(batch)));
      })
      .catch((error: unknown) => void (this.error ??= error));
    this.queued = run;
    this.chain = run;
    return run;
  }

  /** Writes what is left; returns what is still waiting after the last write (duplicates of files that never arrived). */
  async finish(): Promise<T[]> {
    await this.commit();
    if (this.error) throw this.error;
    return this.pending;
  }
}
